"""Ideas residents bring in for an initiative, and the support they gather."""
import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import User
from participation.core.content import WrittenInLanguage
from participation.core.types import UTCDateTime, string_enum, utcnow
from participation.extensions import db
from participation.programme.models import Initiative, Neighbourhood

TITLE_MAX = 120
BODY_MAX = 5000
PHOTO_ALT_MAX = 200


class IdeaStatus(enum.StrEnum):
    DRAFT = "draft"            # only the author sees it
    PENDING = "pending"        # submitted to a pre-moderated initiative: waiting for review
    PUBLISHED = "published"    # everyone sees it
    RETURNED = "returned"      # sent back by a moderator with a reason: the author edits and resubmits
    REJECTED = "rejected"      # refused by a moderator with a reason
    HIDDEN = "hidden"          # was published; hidden by moderators or by reports, with a reason
    WITHDRAWN = "withdrawn"    # withdrawn by the author; stays readable as such

    @property
    def is_public(self) -> bool:
        return self in (IdeaStatus.PUBLISHED, IdeaStatus.WITHDRAWN)


class Idea(WrittenInLanguage, db.Model):
    __tablename__ = "idea"
    __table_args__ = (
        CheckConstraint("support_count >= 0", name="support_count_not_negative"),
        CheckConstraint("comment_count >= 0", name="comment_count_not_negative"),
        Index("ix_idea_initiative_status_published", "initiative_id", "status", "published_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    initiative_id: Mapped[int] = mapped_column(ForeignKey("initiative.id"), index=True)
    neighbourhood_id: Mapped[int | None] = mapped_column(ForeignKey("neighbourhood.id", ondelete="SET NULL"), index=True)
    # None for ideas that come out of a workshop without a named author.
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The workshop it came out of (forwarded from the board by the coordinator), if any.
    workshop_id: Mapped[int | None] = mapped_column(ForeignKey("workshop.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)  # sanitised on write (core/sanitize.py)
    photo: Mapped[str | None] = mapped_column(String(64))  # file name in UPLOAD_FOLDER/ideas (ideas/photos.py)
    # The author's short description of the photo (its alt text); None: a default naming the idea.
    photo_alt: Mapped[str | None] = mapped_column(String(PHOTO_ALT_MAX))
    status: Mapped[IdeaStatus] = mapped_column(string_enum(IdeaStatus, "idea_status"), default=IdeaStatus.DRAFT)
    # Moderation reason code and free message, shown to the author (returned/rejected/hidden).
    status_reason: Mapped[str | None] = mapped_column(String(32))
    status_message: Mapped[str | None] = mapped_column(Text)

    # Kept in step by atomic UPDATE … SET n = n ± 1 in the same transaction as the change.
    support_count: Mapped[int] = mapped_column(Integer, default=0)
    comment_count: Mapped[int] = mapped_column(Integer, default=0)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    initiative: Mapped[Initiative] = relationship()
    neighbourhood: Mapped[Neighbourhood | None] = relationship()
    author: Mapped[User | None] = relationship()
    translations: Mapped[list["IdeaTranslation"]] = relationship(
        back_populates="idea", cascade="all, delete-orphan", order_by="IdeaTranslation.language")


class Support(db.Model):
    """One per person per idea (the primary key enforces it)."""

    __tablename__ = "idea_support"

    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class IdeaTranslation(db.Model):
    """A staff member's translation of an idea, shown with a "translated by" note."""

    __tablename__ = "idea_translation"
    __table_args__ = (UniqueConstraint("idea_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    translated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    idea: Mapped[Idea] = relationship(back_populates="translations")
    translated_by: Mapped[User | None] = relationship()
