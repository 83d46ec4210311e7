"""Column types shared by every feature."""
import enum
from datetime import datetime, timezone

from sqlalchemy import DateTime, Enum
from sqlalchemy.types import TypeDecorator


def string_enum(enum_class: type[enum.Enum], name: str, length: int = 16) -> Enum:
    """A Python enum stored as its short string values with a CHECK constraint.

    Portable across SQLite and PostgreSQL (no native ENUM type to alter), and a
    new value needs only a small migration of the constraint.
    """
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
    )


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC. Pass the function itself as a
    column default (`default=utcnow`), so every row gets its own time."""
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database.

    PostgreSQL stores `timestamptz` and returns aware values (in the session's
    time zone); SQLite has no time zones and returns naive values. Converting
    to UTC on the way in and attaching UTC on the way out gives the same
    aware datetimes on both. Naive values are refused: their zone is a guess.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("UTCDateTime needs a timezone-aware datetime (use participation.core.types.utcnow)")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)
