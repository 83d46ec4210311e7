"""Email through the outbox: written with the action, sent after its commit
(never after a rollback), in the recipient's language, retried until a real
SMTP server on loopback has it, and sent once."""
import email
import email.policy
import logging
import re
import secrets
import socket
import stat
import threading
import time
from datetime import timedelta, timezone
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from flask import Blueprint
from flask_babel import gettext, lazy_gettext as _l
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import func, select, update

from participation.core.types import utcnow
from participation.extensions import db
from participation.mail.delivery import MAX_ATTEMPTS, Outcome, deliver, deliver_committed, retry_delay, send_pending
from participation.mail.models import EmailStatus, OutboundEmail
from participation.mail.operations import Attachment, external_url, queue_email
from participation.programme.models import Municipality

TEMPLATES = Path(__file__).parent / "mail_templates"  # email/test_greeting.txt|html, for these tests only
PRIVACY = {"nl": "Privacyverklaring", "de": "Datenschutzerklärung", "en": "Privacy statement"}
SENDER = "Meedoen Zuid-Limburg <noreply@localhost>"


@pytest.fixture(scope="session")
def test_translations(tmp_path_factory) -> str:
    """A small catalogue of our own, so these tests do not wait for the translators."""
    folder = tmp_path_factory.mktemp("translations")
    for language, text in PRIVACY.items():
        catalog = Catalog(locale=language)
        catalog.add("Privacy statement", text)
        target = folder / language / "LC_MESSAGES"
        target.mkdir(parents=True)
        with open(target / "messages.mo", "wb") as handle:
            write_mo(handle, catalog)
    return str(folder)


@pytest.fixture
def build(make_mail_app, test_translations):
    """build(**config) → an app sending to the loopback SMTP server, with the test template."""
    def factory(**overrides):
        app = make_mail_app(BABEL_TRANSLATION_DIRECTORIES=test_translations, WTF_CSRF_ENABLED=False, **overrides)
        app.jinja_env.loader = ChoiceLoader([FileSystemLoader(TEMPLATES), app.jinja_env.loader])
        return app
    return factory


@pytest.fixture
def mail_app(build):
    return build()


@pytest.fixture
def closed_port():
    """A loopback port that refuses connections: bound, never listening, held for the test."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def queue(language="nl", name="Zoë", link="http://127.0.0.1:5000/privacy", **kwargs) -> OutboundEmail:
    return queue_email("anna@example.org", _l("Privacy statement"), "test_greeting", language,
                       name=name, link=link, **kwargs)


def queue_committed(app, **kwargs) -> int:
    with app.app_context():
        email_id = queue(**kwargs).id
        db.session.commit()
    return email_id


def load(app, email_id: int) -> OutboundEmail:
    with app.app_context():
        row = db.session.get(OutboundEmail, email_id)
        db.session.expunge(row)
        return row


def count_emails(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(OutboundEmail.id)))


def make_due(app, email_id: int) -> None:
    """As if the wait before the next attempt were over."""
    with app.app_context():
        db.session.execute(update(OutboundEmail).where(OutboundEmail.id == email_id)
                           .values(next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()


def send_pending_via_cli(app) -> str:
    result = app.test_cli_runner().invoke(args=["mail", "send-pending"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


# --- written with the action, sent after its commit -------------------------

def test_email_is_committed_with_the_action_and_sent_after_the_commit(build, smtp_server):
    app = build()
    blueprint = Blueprint("mail_test", __name__)

    @blueprint.post("/mail-test/<ending>")
    def act(ending):
        db.session.add(Municipality(slug="mailstad", country="NL", name={"nl": "Mailstad"}))
        queue()
        if ending == "rollback":
            db.session.rollback()
            return "rolled back"
        db.session.commit()
        assert smtp_server.messages == []  # not during the view: after it
        return "committed"

    app.register_blueprint(blueprint)
    client = app.test_client()

    assert client.post("/mail-test/rollback").status_code == 200
    assert smtp_server.messages == []
    assert count_emails(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count(Municipality.id))) == 0

    assert client.post("/mail-test/commit").status_code == 200
    assert len(smtp_server.messages) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count(Municipality.id))) == 1
        sent = db.session.scalars(select(OutboundEmail)).one()
        assert sent.status == EmailStatus.SENT
        assert sent.attempts == 1
        assert sent.sent_at is not None
    assert smtp_server.messages[0]["Message-ID"] == sent.message_id


def test_rolled_back_email_is_neither_stored_nor_sent_from_a_command(mail_app, smtp_server):
    with mail_app.app_context():
        queue()
        db.session.rollback()
        assert deliver_committed() == []
    assert count_emails(mail_app) == 0
    assert smtp_server.messages == []


def test_email_waits_while_the_session_holds_uncommitted_writes(mail_app, smtp_server):
    """Sending needs the session's transaction ended; with writes in it, that is not ours to do."""
    with mail_app.app_context():
        email_id = queue().id
        db.session.commit()
        db.session.add(Municipality(slug="halfweg", country="NL", name={"nl": "Halfweg"}))
        db.session.flush()
        assert deliver_committed() == []
        assert db.session.scalar(select(func.count(Municipality.id))) == 1  # still there, uncommitted
        db.session.rollback()
    assert smtp_server.messages == []
    assert load(mail_app, email_id).status == EmailStatus.PENDING
    assert send_pending_via_cli(mail_app) == "Sent 1, failed 0, left 0."


# --- the message -------------------------------------------------------------

def test_message_has_text_and_html_parts_headers_and_intact_attachments(mail_app, smtp_server):
    pdf = bytes(range(256)) * 64  # every byte value
    csv = "naam;plaats\nÄnne;Kerkrade\n".encode()
    with mail_app.app_context():
        queued = queue("en", attachments=[Attachment("agenda.pdf", "application/pdf", pdf),
                                          ("deelnemers.csv", "text/csv", csv)])
        message_id = queued.message_id
        db.session.commit()
        assert deliver_committed() == [Outcome.SENT]

    assert re.fullmatch(r"<[0-9a-f]{32}@localhost>", message_id)
    [message] = smtp_server.messages
    assert message["From"] == SENDER
    assert message["To"] == "anna@example.org"
    assert message["Subject"] == "Privacy statement"
    assert message["Message-ID"] == message_id
    assert message.get_content_type() == "multipart/mixed"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello Zoë, your personal link:" in text and "<" not in text
    assert "Hello Zoë, your personal link:" in html
    assert "Meedoen Zuid-Limburg" in html and "<footer>" in html  # the shared layout
    attachments = {part.get_filename(): (part.get_content_type(), part.get_payload(decode=True))
                   for part in message.iter_attachments()}
    assert attachments == {"agenda.pdf": ("application/pdf", pdf), "deelnemers.csv": ("text/csv", csv)}


@pytest.mark.parametrize("language, expected", [("nl", "nl"), ("de", "de"), ("xx", "nl")])
def test_subject_and_body_are_in_the_recipients_language(mail_app, smtp_server, language, expected):
    # Whoever causes the email reads English; the recipient gets their own language.
    with mail_app.test_request_context("/?lang=en"):
        assert gettext("Privacy statement") == "Privacy statement"
        queue(language)
        db.session.commit()
        assert deliver_committed() == [Outcome.SENT]
        assert gettext("Privacy statement") == "Privacy statement"  # the request's language is left as it was

    [message] = smtp_server.messages
    assert message["Subject"] == PRIVACY[expected]
    assert PRIVACY[expected] in message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert PRIVACY[expected] in html
    assert f'<html lang="{expected}">' in html


# --- never lost, sent once ---------------------------------------------------

def test_email_survives_an_smtp_outage_and_send_pending_delivers_it_once(build, smtp_server, closed_port):
    down = build(MAIL_PORT=closed_port)
    with down.app_context():
        email_id = queue().id
        db.session.commit()
        before = utcnow()
        assert deliver_committed() == [Outcome.RETRY]
    waiting = load(down, email_id)
    assert waiting.status == EmailStatus.PENDING
    assert waiting.attempts == 1
    assert waiting.next_attempt_at > utcnow()
    assert waiting.next_attempt_at - before >= retry_delay(1)
    assert waiting.last_error.startswith("ConnectionRefusedError: ")
    assert waiting.locked_until is None

    up = build()
    assert send_pending_via_cli(up) == "Sent 0, failed 0, left 1."  # not due yet: the wait is respected
    assert smtp_server.messages == []

    make_due(up, email_id)
    assert send_pending_via_cli(up) == "Sent 1, failed 0, left 0."
    assert send_pending_via_cli(up) == "Sent 0, failed 0, left 0."
    assert [message["Message-ID"] for message in smtp_server.messages] == [waiting.message_id]
    sent = load(up, email_id)
    assert (sent.status, sent.attempts) == (EmailStatus.SENT, 2)


def test_send_pending_stops_early_while_the_server_is_down(build, closed_port):
    down = build(MAIL_PORT=closed_port)
    for _ in range(5):
        queue_committed(down)
    assert send_pending_via_cli(down) == "Sent 0, failed 3, left 5."


def test_send_pending_loop_keeps_running_until_interrupted(mail_app, smtp_server, monkeypatch):
    queue_committed(mail_app)

    def interrupt(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr("participation.mail.cli.time.sleep", interrupt)
    result = mail_app.test_cli_runner().invoke(args=["mail", "send-pending", "--loop", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "Sent 1, failed 0, left 0."
    assert len(smtp_server.messages) == 1


def test_concurrent_deliveries_of_one_email_send_it_once(mail_app, smtp_server):
    email_id = queue_committed(mail_app)
    workers = 6
    start = threading.Barrier(workers)
    outcomes = []

    def worker():
        with mail_app.app_context():
            start.wait()
            outcomes.append(deliver(email_id))
            db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == sorted([Outcome.SENT] + [Outcome.SKIPPED] * (workers - 1))
    assert len(smtp_server.messages) == 1


def test_concurrent_send_pending_runs_send_every_email_once(mail_app, smtp_server):
    ids = [queue_committed(mail_app) for _ in range(10)]
    start = threading.Barrier(3)
    reports = []

    def worker():
        with mail_app.app_context():
            start.wait()
            reports.append(send_pending())

    threads = [threading.Thread(target=worker) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(report.sent for report in reports) == 10
    received = sorted(message["Message-ID"] for message in smtp_server.messages)
    assert received == sorted(load(mail_app, email_id).message_id for email_id in ids)


def test_a_claim_expires_so_a_crashed_worker_loses_nothing(mail_app, smtp_server):
    email_id = queue_committed(mail_app)

    def claimed_until(moment):
        with mail_app.app_context():
            db.session.execute(update(OutboundEmail).where(OutboundEmail.id == email_id)
                               .values(status=EmailStatus.SENDING, locked_until=moment))
            db.session.commit()

    claimed_until(utcnow() + timedelta(minutes=1))  # another worker is sending it
    with mail_app.app_context():
        assert deliver(email_id) == Outcome.SKIPPED
    assert smtp_server.messages == []

    claimed_until(utcnow() - timedelta(seconds=1))  # ... and died doing so
    with mail_app.app_context():
        assert deliver(email_id) == Outcome.SENT
    assert len(smtp_server.messages) == 1


def test_retry_delay_doubles_from_one_minute_up_to_six_hours():
    minutes = [1, 2, 4, 8, 16, 32, 64, 128, 256, 360, 360, 360]
    assert [retry_delay(attempts) for attempts in range(1, 13)] == [timedelta(minutes=m) for m in minutes]
    assert retry_delay(1000) == timedelta(hours=6)


def test_waits_grow_and_after_twelve_failed_attempts_the_email_has_failed(build, closed_port):
    app = build(MAIL_PORT=closed_port)
    email_id = queue_committed(app)
    waits = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        make_due(app, email_id)
        with app.app_context():
            started = utcnow()
            outcome = deliver(email_id)
        row = load(app, email_id)
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert (outcome, row.status) == (Outcome.RETRY, EmailStatus.PENDING)
            waits.append(row.next_attempt_at - started)
        else:
            assert (outcome, row.status) == (Outcome.FAILED, EmailStatus.FAILED)
            assert row.last_error.startswith("ConnectionRefusedError")
    for attempt, wait in enumerate(waits, start=1):
        assert retry_delay(attempt) <= wait < retry_delay(attempt) + timedelta(seconds=5)
    assert waits[-1] >= timedelta(hours=6)

    make_due(app, email_id)
    with app.app_context():
        assert deliver(email_id) == Outcome.SKIPPED  # given up is final
    assert load(app, email_id).attempts == MAX_ATTEMPTS
    assert send_pending_via_cli(app) == "Sent 0, failed 0, left 0."


# --- development: a file, one log line ---------------------------------------

def test_without_mail_server_the_email_is_a_file_and_one_log_line_without_the_body(build, caplog):
    app = build(MAIL_SERVER=None)
    token = secrets.token_urlsafe(32)
    caplog.set_level(logging.DEBUG, logger="participation")
    with app.app_context():
        link = external_url("site.privacy", token=token)
        queued = queue("de", link=link)
        email_id, message_id = queued.id, queued.message_id
        db.session.commit()
        assert deliver_committed() == [Outcome.SENT]

    path = Path(app.instance_path) / "mail" / f"{message_id.strip('<>').partition('@')[0]}.eml"
    message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert message["Message-ID"] == message_id
    assert token in message.get_body(("plain",)).get_content()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # the link in it signs someone in

    lines = [record.getMessage() for record in caplog.records
             if record.name == "participation.mail" and record.levelno >= logging.INFO]
    assert len(lines) == 1
    assert "anna@example.org" in lines[0] and "Datenschutzerklärung" in lines[0] and str(path) in lines[0]
    logged = caplog.text + "".join(record.getMessage() for record in caplog.records)
    for secret in (token, link, "Zoë", "your personal link"):
        assert secret not in logged
    assert load(app, email_id).status == EmailStatus.SENT


# --- the parts ---------------------------------------------------------------

def test_external_url_uses_public_url_in_commands_and_requests(make_app):
    app = make_app(PUBLIC_URL="https://meedoen.example/portal")
    with app.app_context():
        assert external_url("site.privacy", token="a b") == "https://meedoen.example/portal/privacy?token=a+b"
    # A link with a token must not follow a Host header the client chose.
    with app.test_request_context("/", headers={"Host": "attacker.example"}):
        assert external_url("site.privacy", _anchor="cookies") == "https://meedoen.example/portal/privacy#cookies"


def test_timestamps_are_utc_aware_and_stamped_per_row(mail_app):
    first = queue_committed(mail_app)
    time.sleep(0.01)
    second = queue_committed(mail_app)
    first_row, second_row = load(mail_app, first), load(mail_app, second)
    for row in (first_row, second_row):
        assert row.created_at.utcoffset() == timedelta(0) and row.created_at.tzinfo == timezone.utc
        assert row.next_attempt_at.tzinfo == timezone.utc
    assert second_row.created_at > first_row.created_at
    assert first_row.message_id != second_row.message_id


def test_an_address_with_a_line_break_is_refused_when_queued(mail_app):
    with mail_app.app_context():
        with pytest.raises(ValueError):
            queue_email("anna@example.org\r\nBcc: everyone@example.org", "Hello", "test_greeting", "nl",
                        name="Zoë", link="x")
        db.session.rollback()
    assert count_emails(mail_app) == 0
