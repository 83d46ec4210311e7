"""Queueing email. Like every operation it flushes and never commits: the email
is written in the caller's transaction and is only sent once that commits."""
import base64
import logging
import secrets
from collections.abc import Iterable
from email.utils import parseaddr
from typing import NamedTuple
from urllib.parse import quote, urlsplit

from flask import current_app, render_template
from flask_babel import force_locale
from sqlalchemy import delete

from participation.extensions import db
from participation.i18n import DEFAULT_LANGUAGE, LANGUAGES
from participation.mail import delivery
from participation.mail.models import OutboundEmail

logger = logging.getLogger("participation.mail")


class Attachment(NamedTuple):
    filename: str
    content_type: str  # e.g. "application/pdf"
    data: bytes


def queue_email(to_address: str, subject, template: str, language: str,
                attachments: Iterable[Attachment | tuple[str, str, bytes]] = (), **context) -> OutboundEmail:
    """Render `templates/email/<template>.txt` and `.html` and the subject (a
    lazy string or plain str) in the recipient's `language`, and add the email
    to the session. It is delivered after the current transaction commits;
    if that rolls back, it never existed."""
    if "\r" in to_address or "\n" in to_address:
        # Refused now rather than failing twelve times at delivery.
        raise ValueError("an email address cannot contain a line break")
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    # Everything in the recipient's language, not in that of whoever caused the email.
    with force_locale(language):
        subject_text = " ".join(str(subject).split())[:255]  # a header is one line
        text_body = render_template(f"email/{template}.txt", **context)
        html_body = render_template(f"email/{template}.html", **context)
    email = OutboundEmail(
        to_address=to_address,
        subject=subject_text,
        text_body=text_body,
        html_body=html_body,
        attachments=[_stored_attachment(Attachment(*item)) for item in attachments],
        message_id=_new_message_id(),
    )
    db.session.add(email)
    db.session.flush()
    delivery.remember_queued(db.session(), email.id)
    logger.debug("Queued email %s (%s)", email.id, template)
    return email


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for links in email, in a request and in a CLI command alike.

    Always built on PUBLIC_URL, never on the request's Host header: that
    header is chosen by the client, and a link with a token must not point
    to a host an attacker picked.
    """
    anchor = values.pop("_anchor", None)
    public = urlsplit(current_app.config["PUBLIC_URL"])
    current_app.inject_url_defaults(endpoint, values)
    adapter = current_app.url_map.bind(public.netloc, script_name=public.path or "/", url_scheme=public.scheme)
    url = adapter.build(endpoint, values, force_external=True)
    if anchor is not None:
        url += "#" + quote(str(anchor), safe="")
    return url


def _stored_attachment(attachment: Attachment) -> dict:
    return {
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "data_base64": base64.b64encode(attachment.data).decode("ascii"),
    }


def _new_message_id() -> str:
    # Random rather than email.utils.make_msgid(), which looks up this host's
    # name (slow without DNS) and puts the process id in every message.
    domain = parseaddr(current_app.config["MAIL_DEFAULT_SENDER"])[1].rpartition("@")[2] or "localhost"
    return f"<{secrets.token_hex(16)}@{domain}>"


def forget_emails_to(addresses: Iterable[str]) -> int:
    """Delete every email to these addresses, for a person who deletes their
    account: pending ones are cancelled (never sent), sent and failed ones are
    forgotten (they hold the address and the person's name). One that a worker
    is sending at this very moment may still go out. Returns how many rows went."""
    addresses = [address for address in addresses if address]
    if not addresses:
        return 0
    result = db.session.execute(delete(OutboundEmail).where(OutboundEmail.to_address.in_(addresses)))
    logger.debug("Forgot %d email(s) to a deleted account", result.rowcount)
    return result.rowcount
