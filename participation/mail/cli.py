"""`flask mail send-pending`: deliver every email that is due, for cron or a loop."""
import time

import click
from flask.cli import AppGroup

from participation.mail.delivery import send_pending

mail_cli = AppGroup("mail", help="Outgoing email.")


@mail_cli.command("send-pending")
@click.option("--loop", "interval", type=click.FloatRange(min=1), metavar="SECONDS",
              help="Keep running, looking for due email every SECONDS.")
def send_pending_command(interval: float | None) -> None:
    """Deliver every pending email that is due. Safe to run from cron and
    several times at once: each email is claimed by one run only."""
    first = True
    while True:
        report = send_pending()
        if first or report.sent or report.failed:
            click.echo(f"Sent {report.sent}, failed {report.failed}, left {report.left}.")
        if interval is None:
            return
        first = False
        try:
            time.sleep(interval)
        except KeyboardInterrupt:
            return
