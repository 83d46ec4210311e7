"""Command-line tools: `flask seed`, `flask accounts purge`, `flask users create|list-staff`."""
import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from participation.extensions import db


@click.command("seed")
@click.option("--demo", is_flag=True, help="Also add demo accounts and sample content.")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Load the programme catalogue (idempotent: a second run changes nothing);
    with --demo also the demo accounts (never in production)."""
    from participation.programme.operations import load_catalogue

    if demo and current_app.config.get("APP_ENV") == "production":
        raise click.ClickException("Demo accounts are never added in production (APP_ENV is production).")
    report = load_catalogue(current_app.config["CATALOGUE_FILE"])
    db.session.commit()
    if report.changed:
        click.echo(f"Catalogue: created {report.created or 'nothing'}, updated {report.updated or 'nothing'}.")
    else:
        click.echo("Catalogue: already up to date.")
    if demo:
        from participation.accounts.cli import seed_demo
        from participation.demo import seed_demo_content

        seed_demo()
        for line in seed_demo_content():
            click.echo(line)
        db.session.commit()


def init_app(app: Flask) -> None:
    from participation.accounts.cli import accounts_cli
    from participation.staff.cli import users_cli
    from participation.workshops.cli import workshops_cli

    app.cli.add_command(seed_command)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(workshops_cli)
