"""Comments on ideas and proposals (one level of replies) and reports of content."""
import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation.accounts.models import User
from participation.core.content import Hideable, WrittenInLanguage
from participation.core.types import UTCDateTime, string_enum, utcnow
from participation.extensions import db

BODY_MAX = 2000
EDIT_WINDOW_MINUTES = 15


class Comment(WrittenInLanguage, Hideable, db.Model):
    __tablename__ = "comment"
    __table_args__ = (
        # A comment belongs to exactly one idea or one proposal.
        CheckConstraint("(idea_id IS NULL) <> (proposal_id IS NULL)", name="on_idea_or_proposal"),
        Index("ix_comment_idea_created", "idea_id", "created_at"),
        Index("ix_comment_proposal_created", "proposal_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    idea_id: Mapped[int | None] = mapped_column(ForeignKey("idea.id", ondelete="CASCADE"))
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposal.id", ondelete="CASCADE"))
    # Replies have a parent; a reply to a reply is attached to the same parent (one level).
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    body_markdown: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    reply_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Deleted by the author: the text is erased, a placeholder keeps replies readable.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    author: Mapped[User | None] = relationship()
    parent: Mapped["Comment | None"] = relationship(remote_side=[id])
    idea: Mapped["Idea | None"] = relationship()  # noqa: F821 (resolved by name)
    proposal: Mapped["Proposal | None"] = relationship()  # noqa: F821

    @property
    def target_kind(self) -> str:
        return "idea" if self.idea_id is not None else "proposal"

    @property
    def target_id(self) -> int:
        return self.idea_id if self.idea_id is not None else self.proposal_id

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_visible(self) -> bool:
        """Shown with its text, and counted (see comments/operations.py)."""
        return self.deleted_at is None and self.hidden_at is None


class ReportCategory(enum.StrEnum):
    SPAM = "spam"
    OFFENSIVE = "offensive"
    PERSONAL_DATA = "personal_data"
    OFF_TOPIC = "off_topic"
    OTHER = "other"


class ContentKind(enum.StrEnum):
    IDEA = "idea"
    PROPOSAL = "proposal"
    COMMENT = "comment"
    WORKSHOP_NOTE = "workshop_note"


class Report(db.Model):
    """A resident's report of content, once per person per item. The
    moderation feature reviews them; after enough reports the item is hidden."""

    __tablename__ = "report"
    __table_args__ = (
        UniqueConstraint("reporter_id", "content_kind", "content_id"),
        Index("ix_report_content", "content_kind", "content_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    content_kind: Mapped[ContentKind] = mapped_column(string_enum(ContentKind, "content_kind", 16))
    content_id: Mapped[int] = mapped_column(Integer)
    category: Mapped[ReportCategory] = mapped_column(string_enum(ReportCategory, "report_category", 16))
    text: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set when a moderator decided about the item; reporters then hear the outcome.
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    reporter: Mapped[User] = relationship()
