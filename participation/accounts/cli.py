"""`flask accounts purge`, and the demo part of `flask seed --demo`."""
import click
from flask.cli import AppGroup

from participation.accounts import demo, privacy
from participation.extensions import db

accounts_cli = AppGroup("accounts", help="People's accounts.")


@accounts_cli.command("purge")
@click.option("--days", type=click.IntRange(min=1), default=privacy.UNVERIFIED_DAYS, show_default=True,
              help="Delete accounts not confirmed within this many days.")
def purge_command(days: int) -> None:
    """Delete accounts whose email address was never confirmed. Safe to run
    from cron and again and again."""
    deleted = privacy.purge_unverified(days=days)
    db.session.commit()
    click.echo(f"Deleted {deleted} account(s) never confirmed within {days} days.")


def seed_demo() -> None:
    """Add or reset the demo accounts, commit, and print how to use them."""
    report = demo.seed_demo_accounts()
    db.session.commit()
    if report.changed:
        click.echo(f"Demo accounts: created {len(report.created)}, reset {len(report.updated)}.")
    else:
        click.echo("Demo accounts: already up to date.")
    for slug in report.missing:
        click.echo(f"  (not in the catalogue: {slug}; left out)")
    click.echo("")
    click.echo(f"  Demo accounts, all with the password  {demo.DEMO_PASSWORD}")
    width = max(len(account.email) for account in demo.DEMO_ACCOUNTS)
    for account in demo.DEMO_ACCOUNTS:
        extra = ", two-factor" if account.two_factor else ""
        click.echo(f"    {account.email:<{width}}  {account.role.value:<11}  "
                   f"{report.places.get(account.email, '')} ({account.language}{extra})")
    click.echo("")
    click.echo("  Staff accounts sign in with a code from an authenticator app (Aegis, FreeOTP,")
    click.echo(f"  Google Authenticator …): add the key  {demo.DEMO_TOTP_SECRET}  (time-based, 6 digits).")
    click.echo("  Or print the current code:")
    click.echo(f"    .venv/bin/python -c \"import pyotp;print(pyotp.TOTP('{demo.DEMO_TOTP_SECRET}').now())\"")
    click.echo("  A code works once; wait for the next one to sign in again.")
    click.echo("")
