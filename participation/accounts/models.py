"""People and their sign-in state."""
import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.core.types import UTCDateTime, string_enum, utcnow
from participation.extensions import db
from participation.programme.models import Municipality, Neighbourhood


class Role(enum.StrEnum):
    RESIDENT = "resident"
    COORDINATOR = "coordinator"
    MODERATOR = "moderator"
    ADMIN = "admin"


STAFF_ROLES = frozenset({Role.COORDINATOR, Role.MODERATOR, Role.ADMIN})

# What a person can choose to be emailed about (profile page); all on by default.
NOTIFICATION_KINDS = ("replies", "status_changes", "moderation", "workshops")


def default_notifications() -> dict:
    return {kind: True for kind in NOTIFICATION_KINDS}


coordinator_neighbourhood = Table(
    "coordinator_neighbourhood",
    db.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("neighbourhood_id", ForeignKey("neighbourhood.id", ondelete="CASCADE"), primary_key=True),
)

moderator_municipality = Table(
    "moderator_municipality",
    db.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("municipality_id", ForeignKey("municipality.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stored normalised (NFKC, lower case), so the unique constraint is case-insensitive.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(50))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id", ondelete="SET NULL"), index=True)
    neighbourhood_id: Mapped[int | None] = mapped_column(ForeignKey("neighbourhood.id", ondelete="SET NULL"), index=True)
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"), default=Role.RESIDENT)
    moderates_everywhere: Mapped[bool] = mapped_column(Boolean, default=False)
    notifications: Mapped[dict] = mapped_column(JSON, default=default_notifications)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consent_version: Mapped[str | None] = mapped_column(String(20))
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The last time step whose code was accepted: a code works once.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)

    municipality: Mapped[Municipality | None] = relationship(foreign_keys=[municipality_id])
    neighbourhood: Mapped[Neighbourhood | None] = relationship(foreign_keys=[neighbourhood_id])
    coordinated_neighbourhoods: Mapped[list[Neighbourhood]] = relationship(secondary=coordinator_neighbourhood)
    moderated_municipalities: Mapped[list[Municipality]] = relationship(secondary=moderator_municipality)

    # Set when the person is loaded for a request: the sign-in session in use.
    login_session_token = None  # not a column

    def get_id(self) -> str | None:
        # Flask-Login keeps this in the cookie; it names the server-side sign-in
        # session, so signing out (revoking it) ends the cookie's power too.
        return self.login_session_token

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None


class LoginSession(db.Model):
    """One signed-in browser. The cookie holds a random token; we store its hash."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class UsedToken(db.Model):
    """Emailed links are signed and expire; this table makes each one single-use.
    The primary key makes "use" atomic: a second use fails on insert."""

    __tablename__ = "used_token"

    token_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    purpose: Mapped[str] = mapped_column(String(32))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RecoveryCode(db.Model):
    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
