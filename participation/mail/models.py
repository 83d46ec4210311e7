"""The outbox: every email is a row, written in the transaction of the action
that causes it, and delivered from there (see delivery.py)."""
import enum
from datetime import datetime

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from participation.core.types import UTCDateTime, string_enum, utcnow
from participation.extensions import db


class EmailStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its first or next attempt (next_attempt_at)
    SENDING = "sending"  # claimed by one worker until locked_until
    SENT = "sent"
    FAILED = "failed"  # gave up after the last attempt


class OutboundEmail(db.Model):
    __tablename__ = "outbound_email"
    # The worker's question is always "which pending emails are due?".
    __table_args__ = (Index("ix_outbound_email_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(255))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    # [{"filename": …, "content_type": "application/pdf", "data_base64": …}]
    attachments: Mapped[list] = mapped_column(JSON, default=list)
    # Generated when queued, so a retry after a lost reply carries the same id
    # and the receiving side can recognise the duplicate.
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    status: Mapped[EmailStatus] = mapped_column(
        string_enum(EmailStatus, "outbound_email_status"), default=EmailStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # made so far, a successful one included
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The exception class and a short message of the latest failure (kept once sent, for the record).
    last_error: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __repr__(self) -> str:
        # Never the bodies: they hold sign-in links.
        return f"<OutboundEmail {self.id} {self.status} attempts={self.attempts}>"
