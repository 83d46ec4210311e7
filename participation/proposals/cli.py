"""`flask proposals notify-windows`: tell followers that voting has opened or
closed. Run it from cron every few minutes; running it again (or twice at
once) sends nothing twice: each notice is claimed with an atomic update of
opening_notified_at / closing_notified_at before it is sent."""
import click
from flask.cli import AppGroup

from participation.core.types import utcnow
from participation.extensions import db
from participation.mail.delivery import deliver_committed
from participation.proposals import operations, queries

proposals_cli = AppGroup("proposals", help="Proposals and votes.")

BATCH = 100


@proposals_cli.command("notify-windows")
def notify_windows_command() -> None:
    """Send the "voting is open" and "voting has closed" notices that are due."""
    opened = closed = notified = 0
    for due, announce in ((queries.due_opening_notices, operations.announce_opening),
                          (queries.due_closing_notices, operations.announce_closing)):
        while True:
            now = utcnow()
            ids = due(now, BATCH)
            if not ids:
                break
            for proposal_id in ids:
                people = announce(proposal_id, now)
                db.session.commit()  # one proposal at a time: a failure later leaves these done
                if people is not None:
                    notified += people
                    if announce is operations.announce_opening:
                        opened += 1
                    else:
                        closed += 1
            db.session.commit()
            deliver_committed()
            if len(ids) < BATCH:
                break
    click.echo(f"Voting opened: {opened}, closed: {closed}; {notified} notification(s).")
