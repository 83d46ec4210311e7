"""Workshops (werkplaatsen): scheduling, registration, check-in, the live
co-creation session (notes, themes, dots) and its outcome."""
import enum
from datetime import datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import User
from participation.core.content import Hideable, WrittenInLanguage
from participation.core.types import UTCDateTime, string_enum, utcnow
from participation.extensions import db
from participation.programme.models import Initiative, Neighbourhood


class WorkshopStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class SessionState(enum.StrEnum):
    NOT_STARTED = "not_started"
    LIVE = "live"        # notes can be posted
    VOTING = "voting"    # dot-voting round
    CLOSED = "closed"    # outcome written; what is public is chosen by the coordinator


class Workshop(db.Model):
    __tablename__ = "workshop"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("registered_count >= 0 AND waitlist_count >= 0", name="counts_not_negative"),
        Index("ix_workshop_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), index=True)
    neighbourhood_id: Mapped[int] = mapped_column(ForeignKey("neighbourhood.id"), index=True)
    # A follow-up session points to the one before it; together they form a series.
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    description_markdown: Mapped[str] = mapped_column(Text)
    description_html: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    venue_name: Mapped[str] = mapped_column(String(120))
    venue_address: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    languages: Mapped[list] = mapped_column(JSON, default=list)  # spoken at the workshop: ["nl", "de"]
    accessibility_notes: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[WorkshopStatus] = mapped_column(string_enum(WorkshopStatus, "workshop_status"),
                                                   default=WorkshopStatus.DRAFT)
    cancelled_reason: Mapped[str | None] = mapped_column(String(500))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # SEQUENCE of the calendar event (.ics): raised when the time or place changes
    # or the workshop is cancelled, so calendar apps take the new version.
    calendar_sequence: Mapped[int] = mapped_column(Integer, default=0)

    # Kept in step by atomic UPDATEs in the registration's transaction.
    registered_count: Mapped[int] = mapped_column(Integer, default=0)
    waitlist_count: Mapped[int] = mapped_column(Integer, default=0)

    # The live session.
    session_state: Mapped[SessionState] = mapped_column(string_enum(SessionState, "session_state"),
                                                        default=SessionState.NOT_STARTED)
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    dots_per_person: Mapped[int] = mapped_column(Integer, default=3)
    # Raised on every change to the board: clients poll with it (ETag) and get 304 when nothing changed.
    board_version: Mapped[int] = mapped_column(Integer, default=0)
    board_public: Mapped[bool] = mapped_column(Boolean, default=False)
    # The coordinator published the outcome page (and the "you said, we did" emails went out).
    outcome_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The outcome.
    summary_markdown: Mapped[str | None] = mapped_column(Text)
    summary_html: Mapped[str | None] = mapped_column(Text)
    next_steps_markdown: Mapped[str | None] = mapped_column(Text)
    next_steps_html: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    initiative: Mapped[Initiative] = relationship()
    neighbourhood: Mapped[Neighbourhood] = relationship()
    previous: Mapped["Workshop | None"] = relationship(remote_side=[id])
    created_by: Mapped[User | None] = relationship()


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Registration(db.Model):
    """A resident's place (or place on the waiting list) at a workshop."""

    __tablename__ = "workshop_registration"
    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id"),
        UniqueConstraint("workshop_id", "checkin_code"),
        Index("ix_registration_workshop_status", "workshop_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(string_enum(RegistrationStatus, "registration_status"))
    # Short personal code for the door (also shown as a QR code).
    checkin_code: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # waiting-list order
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    workshop: Mapped[Workshop] = relationship()
    user: Mapped[User] = relationship()


class Participant(db.Model):
    """Someone on the board of a live session: a checked-in registrant, a walk-in
    with an account, or a walk-in known only by name (added by the coordinator)."""

    __tablename__ = "workshop_participant"
    __table_args__ = (
        UniqueConstraint("workshop_id", "user_id"),
        CheckConstraint("dots_used >= 0", name="dots_used_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    name: Mapped[str | None] = mapped_column(String(80))  # walk-ins without an account
    is_walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    # May the workshop credit them by name on forwarded ideas?
    credit_by_name: Mapped[bool] = mapped_column(Boolean, default=False)
    # A walk-in on a phone without an account joins with the join code; this token in their session identifies them.
    device_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Dots placed so far: raised by a conditional UPDATE (… WHERE dots_used < N), so nobody exceeds N.
    dots_used: Mapped[int] = mapped_column(Integer, default=0)
    # The "you said, we did" email (participants with an account): sent once.
    outcome_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User | None] = relationship()


class Theme(db.Model):
    __tablename__ = "workshop_theme"
    __table_args__ = (CheckConstraint("dot_count >= 0", name="dot_count_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)
    dot_count: Mapped[int] = mapped_column(Integer, default=0)
    forwarded_idea_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id", ondelete="SET NULL"))


class Note(WrittenInLanguage, Hideable, db.Model):
    __tablename__ = "workshop_note"
    __table_args__ = (
        Index("ix_note_workshop_created", "workshop_id", "created_at"),
        CheckConstraint("dot_count >= 0", name="dot_count_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_participant.id", ondelete="SET NULL"))
    # Written down by the coordinator for someone who wrote on paper.
    added_by_coordinator: Mapped[bool] = mapped_column(Boolean, default=False)
    text: Mapped[str] = mapped_column(String(280))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_theme.id", ondelete="SET NULL"), index=True)
    dot_count: Mapped[int] = mapped_column(Integer, default=0)
    forwarded_idea_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    participant: Mapped[Participant | None] = relationship()
    theme: Mapped[Theme | None] = relationship()


class Dot(db.Model):
    """One of a participant's N dots, on a note or on a theme."""

    __tablename__ = "workshop_dot"
    __table_args__ = (CheckConstraint("(note_id IS NULL) <> (theme_id IS NULL)", name="on_note_or_theme"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("workshop.id", ondelete="CASCADE"), index=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("workshop_participant.id", ondelete="CASCADE"), index=True)
    note_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_note.id", ondelete="CASCADE"))
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_theme.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
