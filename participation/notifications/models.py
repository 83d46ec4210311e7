"""Following initiatives, ideas and proposals, and the notifications people get."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from participation.core.types import UTCDateTime, string_enum, utcnow
from participation.extensions import db


class FollowTarget(enum.StrEnum):
    INITIATIVE = "initiative"
    IDEA = "idea"
    PROPOSAL = "proposal"


class Follow(db.Model):
    __tablename__ = "follow"
    __table_args__ = (
        UniqueConstraint("user_id", "target_kind", "target_id"),
        Index("ix_follow_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    target_kind: Mapped[FollowTarget] = mapped_column(string_enum(FollowTarget, "follow_target"))
    target_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotificationKind(enum.StrEnum):
    REPLY = "reply"                        # someone replied to my comment / commented on my idea
    STATUS_CHANGE = "status_change"        # a proposal I follow got an official update
    MODERATION = "moderation"              # a moderator decided about my contribution
    VOTING_OPENED = "voting_opened"
    VOTING_CLOSED = "voting_closed"
    IDEA_IN_PROPOSAL = "idea_in_proposal"  # my idea became part of a proposal


class Notification(db.Model):
    """In-app notification. Its text is rendered at display time from `kind`
    and `params`, so it shows in the reader's current language."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(string_enum(NotificationKind, "notification_kind", 24))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
