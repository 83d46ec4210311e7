"""`flask workshops send-reminders`: the email the day before, for cron."""
import click
from flask.cli import AppGroup

from participation.extensions import db
from participation.mail.delivery import deliver_committed
from participation.workshops import operations

workshops_cli = AppGroup("workshops", help="Workshops (werkplaatsen).")


@workshops_cli.command("send-reminders")
@click.option("--hours", type=click.IntRange(min=1, max=168), default=24, show_default=True,
              help="Remind people of workshops that start within this many hours.")
def send_reminders_command(hours: int) -> None:
    """Email everyone with a place in a workshop that starts within the next
    24 hours (run it every hour from cron). Safe to run again and at the same
    time as another run: each person gets one reminder per workshop."""
    from datetime import timedelta

    looked_at = 0
    while True:
        batch = operations.send_reminders(window=timedelta(hours=hours))
        db.session.commit()
        deliver_committed()
        looked_at += batch
        if batch == 0:
            break
    click.echo(f"Reminders: looked at {looked_at} registration(s).")
