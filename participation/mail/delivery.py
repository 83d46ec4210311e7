"""Delivery from the outbox.

An email is written in the same transaction as the action that causes it
(operations.queue_email) and sent only after that transaction commits: the
ids queued in a session move to "committed" when it commits and are dropped
when it ends any other way. `deliver_committed()` sends those right away (the
after-request hook calls it; so should CLI commands, after their commit);
`flask mail send-pending` sends whatever is still due, e.g. after an SMTP
outage.

`deliver()` first claims the row with one conditional UPDATE; only the
worker whose UPDATE changed the row sends it. So two workers, or a request
and the cron job, never send the same email twice. A worker that dies while
sending leaves a claim that expires (CLAIM_DURATION); the email is then tried
again: at least once, never lost.

Delivery works on connections of its own, never on the caller's session, so
it cannot commit (or roll back) anybody else's work.
"""
import base64
import enum
import logging
import os
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from flask import Response, current_app
from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from participation.core.types import utcnow
from participation.extensions import db
from participation.mail.models import EmailStatus, OutboundEmail

logger = logging.getLogger("participation.mail")

MAX_ATTEMPTS = 12
FIRST_RETRY_DELAY = timedelta(minutes=1)
MAX_RETRY_DELAY = timedelta(hours=6)
# Longer than any SMTP conversation (each step times out after SMTP_TIMEOUT).
CLAIM_DURATION = timedelta(minutes=5)
SMTP_TIMEOUT = 10
# send-pending stops after this many failures in a row: the server is down,
# and waiting out a time-out for every other email would only delay the run.
MAX_FAILURES_IN_A_ROW = 3

# Keys in Session.info.
_QUEUED = "mail.queued"  # ids added in the open transaction
_COMMITTED = "mail.committed"  # ids whose transaction has committed
_WROTE = "mail.uncommitted_writes"  # the open transaction has written something


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # this attempt failed; the email waits for the next one
    FAILED = "failed"  # the last attempt failed; given up
    SKIPPED = "skipped"  # not due, already sent, or claimed by another worker


@dataclass
class SendReport:
    sent: int = 0
    failed: int = 0  # failed attempts in this run (retried later or given up)
    left: int = 0  # emails still waiting to be sent after this run


def retry_delay(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: 1 minute, doubling, at most 6 hours."""
    return min(FIRST_RETRY_DELAY * 2 ** min(max(attempts - 1, 0), 16), MAX_RETRY_DELAY)


# --- after commit -----------------------------------------------------------

def remember_queued(session: Session, email_id: int) -> None:
    session.info.setdefault(_QUEUED, set()).add(email_id)


@event.listens_for(db.session, "after_commit")
def _move_queued_to_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released; the outer transaction may still roll back
    queued = session.info.pop(_QUEUED, None)
    if queued:
        session.info.setdefault(_COMMITTED, set()).update(queued)


@event.listens_for(db.session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction) -> None:
    if transaction.parent is None:
        # The outermost transaction ended. Whatever is still "queued" was
        # rolled back or closed without commit: those rows do not exist.
        session.info.pop(_QUEUED, None)
        session.info.pop(_WROTE, None)


@event.listens_for(db.session, "after_flush")
def _note_flush(session: Session, _flush_context) -> None:
    session.info[_WROTE] = True


@event.listens_for(db.session, "do_orm_execute")
def _note_statement(orm_execute_state) -> None:
    # Bulk UPDATE/DELETE/INSERT write without a flush. (Raw text() counts
    # as a write too: we cannot tell, and guessing wrong only means waiting
    # for send-pending.)
    if not orm_execute_state.is_select:
        orm_execute_state.session.info[_WROTE] = True


def _holds_uncommitted_writes(session: Session) -> bool:
    return bool(session.new or session.dirty or session.deleted or session.info.get(_WROTE))


def deliver_committed() -> list[Outcome]:
    """Send the emails queued in this session whose transaction has committed.
    Call it after `db.session.commit()`; the after-request hook does for views."""
    if not db.session.registry.has():
        return []  # this request or command never opened a session: nothing was queued
    session = db.session()
    ids = sorted(session.info.pop(_COMMITTED, ()))
    if not ids:
        return []
    if _holds_uncommitted_writes(session):
        # Ending this transaction would commit or discard work that is not
        # ours to decide on; the emails are safe in the outbox.
        logger.warning("%d email(s) left for `flask mail send-pending`: the session has uncommitted writes", len(ids))
        return []
    # End the read-only transaction that reading after the commit may have
    # begun: on SQLite it can hold the write lock the claim needs.
    session.rollback()
    return [deliver(email_id) for email_id in ids]


def deliver_after_request(response: Response) -> Response:
    try:
        deliver_committed()
    except Exception:  # the action has committed and the email waits in the outbox: the response stays a success
        logger.exception("Delivery after the request failed; `flask mail send-pending` will retry")
    return response


# --- delivery ---------------------------------------------------------------

def _claimable(now: datetime):
    return or_(
        and_(OutboundEmail.status == EmailStatus.PENDING, OutboundEmail.next_attempt_at <= now),
        and_(OutboundEmail.status == EmailStatus.SENDING, OutboundEmail.locked_until <= now),
    )


def _execute_write(statement) -> int:
    with db.engine.begin() as connection:
        return connection.execute(statement).rowcount


def deliver(email_id: int) -> Outcome:
    """Send one email if it is due and nobody else is sending it."""
    now = utcnow()
    claim = now + CLAIM_DURATION
    claimed = _execute_write(
        update(OutboundEmail)
        .where(OutboundEmail.id == email_id, _claimable(now))
        .values(status=EmailStatus.SENDING, locked_until=claim)
    )
    if claimed != 1:
        return Outcome.SKIPPED
    # Our claim: status "sending" with the lock we set. If it expired and
    # another worker took over, our updates below change nothing.
    ours = and_(OutboundEmail.id == email_id, OutboundEmail.status == EmailStatus.SENDING,
                OutboundEmail.locked_until == claim)
    with Session(db.engine) as session:
        email = session.get(OutboundEmail, email_id)
    if email is None:  # deleted between the claim and now
        return Outcome.SKIPPED
    try:
        _transmit(build_message(email), email)
    except Exception as error:  # every failure is recorded and retried, never lost
        return _record_failure(email, error, ours)
    _execute_write(update(OutboundEmail).where(ours).values(
        status=EmailStatus.SENT, sent_at=utcnow(), attempts=OutboundEmail.attempts + 1, locked_until=None))
    if current_app.config.get("MAIL_SERVER"):  # (without it, _write_eml has logged its one line)
        logger.info("Email %s sent (attempt %s)", email.id, email.attempts + 1)
    return Outcome.SENT


def _record_failure(email: OutboundEmail, error: Exception, ours) -> Outcome:
    attempts = email.attempts + 1
    gave_up = attempts >= MAX_ATTEMPTS
    values = {"attempts": attempts, "last_error": short_error(error), "locked_until": None}
    if gave_up:
        values["status"] = EmailStatus.FAILED
    else:
        values["status"] = EmailStatus.PENDING
        values["next_attempt_at"] = utcnow() + retry_delay(attempts)
    _execute_write(update(OutboundEmail).where(ours).values(**values))
    expected = isinstance(error, (smtplib.SMTPException, OSError))
    logger.warning("Email %s: attempt %s failed (%s)%s", email.id, attempts, values["last_error"],
                   "; given up" if gave_up else "", exc_info=not expected)
    return Outcome.FAILED if gave_up else Outcome.RETRY


def short_error(error: Exception) -> str:
    """The exception class and the first words of its message; the SMTP
    server's reply at most, never our credentials or the message."""
    message = " ".join(str(error).split())
    return f"{type(error).__name__}: {message}"[:200]


def send_pending(batch_size: int = 100) -> SendReport:
    """Deliver every email that is due now. Safe to run while others do."""
    report = SendReport()
    started = utcnow()
    last_id = 0
    failures_in_a_row = 0
    while failures_in_a_row < MAX_FAILURES_IN_A_ROW:
        with db.engine.connect() as connection:
            ids = connection.execute(
                select(OutboundEmail.id)
                .where(_claimable(started), OutboundEmail.id > last_id)
                .order_by(OutboundEmail.id)
                .limit(batch_size)
            ).scalars().all()
        if not ids:
            break
        for email_id in ids:
            last_id = email_id
            outcome = deliver(email_id)
            if outcome is Outcome.SENT:
                report.sent += 1
                failures_in_a_row = 0
            elif outcome in (Outcome.RETRY, Outcome.FAILED):
                report.failed += 1
                failures_in_a_row += 1
                if failures_in_a_row >= MAX_FAILURES_IN_A_ROW:
                    break
    with db.engine.connect() as connection:
        report.left = connection.execute(
            select(func.count(OutboundEmail.id))
            .where(OutboundEmail.status.in_([EmailStatus.PENDING, EmailStatus.SENDING]))
        ).scalar_one()
    return report


# --- the message and its transport ------------------------------------------

def build_message(email: OutboundEmail) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = current_app.config["MAIL_DEFAULT_SENDER"]
    message["To"] = email.to_address
    message["Date"] = format_datetime(email.created_at)
    message["Message-ID"] = email.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to an unread mailbox
    message.set_content(email.text_body)
    message.add_alternative(email.html_body, subtype="html")
    for attachment in email.attachments or ():
        maintype, _, subtype = attachment["content_type"].partition("/")
        message.add_attachment(
            base64.b64decode(attachment["data_base64"]),
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=attachment["filename"],
        )
    return message


def _transmit(message: EmailMessage, email: OutboundEmail) -> None:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        _write_eml(message, email)
        return
    smtp = smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT)
    try:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(message)
    finally:
        # Once the server has accepted the message, a failing goodbye must
        # not count as a failed delivery (that would send it again).
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _write_eml(message: EmailMessage, email: OutboundEmail) -> Path:
    """Development without MAIL_SERVER: the message as a file to open in a
    mail client. One log line and never the body: it holds sign-in links."""
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{email.message_id.strip('<>').partition('@')[0]}.eml"
    # Readable by the owner only: the links in it sign people in.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(message.as_bytes())
    logger.info("Email to %s, subject %r, written to %s", email.to_address, email.subject, path)
    return path
