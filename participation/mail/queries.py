"""Reads of the outbox."""
from sqlalchemy import select

from participation.extensions import db
from participation.mail.models import OutboundEmail


def emails_to(address: str) -> list:
    """What was queued for this address, oldest first: subject, times and
    status only (rows with `.subject`, `.created_at`, `.sent_at`, `.status`).
    Never the bodies: they hold links with tokens."""
    return list(db.session.execute(
        select(OutboundEmail.subject, OutboundEmail.created_at, OutboundEmail.sent_at, OutboundEmail.status)
        .where(OutboundEmail.to_address == address)
        .order_by(OutboundEmail.created_at, OutboundEmail.id)
    ))
