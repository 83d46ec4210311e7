"""Command-line tools: `flask seed`."""
import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from participation.extensions import db


@click.command("seed")
@click.option("--demo", is_flag=True, help="Also add demo accounts and sample content.")
@with_appcontext
def seed_command(demo: bool) -> None:
    """Load the programme catalogue (idempotent: a second run changes nothing)."""
    from participation.programme.operations import load_catalogue

    report = load_catalogue(current_app.config["CATALOGUE_FILE"])
    db.session.commit()
    if report.changed:
        click.echo(f"Catalogue: created {report.created or 'nothing'}, updated {report.updated or 'nothing'}.")
    else:
        click.echo("Catalogue: already up to date.")


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_command)
