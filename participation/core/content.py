"""Columns every piece of resident content shares: its language and its
moderation state (hidden by moderators or by reports, with a reason)."""
from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from participation.core.types import UTCDateTime


class WrittenInLanguage:
    # The language the author wrote in (nl, de, fr, en), shown as lang="…".
    language: Mapped[str] = mapped_column(String(2), default="nl")


class Hideable:
    """Moderators (or enough reports) can hide published content; the public
    then sees a placeholder with the reason."""

    @declared_attr
    def hidden_at(cls) -> Mapped[datetime | None]:
        return mapped_column(UTCDateTime)

    @declared_attr
    def hidden_reason(cls) -> Mapped[str | None]:
        # A reason code from the moderation reason list (see the moderation feature).
        return mapped_column(String(32))

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None
