"""Transactional email through an outbox table: queue_email() in an operation,
delivered after the commit, retried by `flask mail send-pending`."""
from flask import Flask


def init_app(app: Flask) -> None:
    from participation.mail.cli import mail_cli
    from participation.mail.delivery import deliver_after_request

    # After the view has committed: send what it queued (never what it rolled back).
    app.after_request(deliver_after_request)
    app.cli.add_command(mail_cli)
