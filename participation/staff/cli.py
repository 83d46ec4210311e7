"""`flask users create` (the first admin, or anyone) and `flask users list-staff`."""
import os

import click
from email_validator import EmailNotValidError, validate_email
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError

from participation.accounts.forms import EMAIL_MAX, NAME_MAX, NAME_MIN
from participation.accounts.models import Role
from participation.accounts.operations import normalize_email
from participation.accounts.passwords import password_problem
from participation.accounts.queries import user_by_email
from participation.core.forms import has_control_characters, normalize_one_line
from participation.extensions import db
from participation.i18n import DEFAULT_LANGUAGE, LANGUAGES
from participation.programme import queries as programme_queries
from participation.staff import operations, queries

users_cli = AppGroup("users", help="People and their roles.")

SCOPE_OPTIONS = {
    "neighbourhoods": "--neighbourhood MUNICIPALITY/NEIGHBOURHOOD (slugs; repeat for more)",
    "municipalities": "--municipality SLUG (repeat for more) or --all-municipalities",
}


def _scope_ids(neighbourhood_slugs, municipality_slugs) -> tuple[set[int], set[int]]:
    municipalities = programme_queries.municipalities_with_neighbourhoods()
    by_slug = {m.slug: m for m in municipalities}
    neighbourhoods = {f"{m.slug}/{n.slug}": n for m in municipalities for n in m.neighbourhoods}
    unknown = [slug for slug in neighbourhood_slugs if slug not in neighbourhoods]
    unknown += [slug for slug in municipality_slugs if slug not in by_slug]
    if unknown:
        raise click.ClickException(f"Not in the catalogue: {', '.join(unknown)}. Run `flask users list-staff` "
                                   "or see /places for the places; load the catalogue with `flask seed`.")
    return {neighbourhoods[s].id for s in neighbourhood_slugs}, {by_slug[s].id for s in municipality_slugs}


def _password(variable: str | None) -> str:
    if variable:
        password = os.environ.get(variable)
        if not password:
            raise click.ClickException(f"The environment variable {variable} is not set or empty.")
        return password
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@users_cli.command("create")
@click.option("--email", required=True, help="The person's email address (also to sign in).")
@click.option("--role", required=True, type=click.Choice([role.value for role in Role]))
@click.option("--name", help="Public name (2 to 50 characters).")
@click.option("--password-env", metavar="VARIABLE",
              help="Read the password from this environment variable; without it you are asked (twice).")
@click.option("--language", type=click.Choice(list(LANGUAGES)), default=DEFAULT_LANGUAGE, show_default=True)
@click.option("--neighbourhood", "neighbourhoods", multiple=True, metavar="MUNICIPALITY/NEIGHBOURHOOD",
              help="For a coordinator: a neighbourhood, as slugs (repeat for more).")
@click.option("--municipality", "municipalities", multiple=True, metavar="SLUG",
              help="For a moderator: a municipality slug (repeat for more).")
@click.option("--all-municipalities", is_flag=True, help="For a moderator: every municipality.")
def create_command(email, role, name, password_env, language, neighbourhoods, municipalities, all_municipalities):
    """Create an account with a password and a role, its address already
    confirmed: for the first admin. Staff set up two-factor sign-in at their
    first sign-in."""
    with force_locale("en"):  # messages in the terminal are English
        email = normalize_email(email)
        try:
            validate_email(email, check_deliverability=False)
        except EmailNotValidError as error:
            raise click.ClickException(f"This is not an email address: {error}") from None
        if len(email) > EMAIL_MAX:
            raise click.ClickException(f"An email address can be at most {EMAIL_MAX} characters long.")
        if name is not None:
            name = normalize_one_line(name)
            if not NAME_MIN <= len(name) <= NAME_MAX or has_control_characters(name):
                raise click.ClickException(f"The name must be {NAME_MIN} to {NAME_MAX} ordinary characters long.")
        role = Role(role)
        neighbourhood_ids, municipality_ids = _scope_ids(neighbourhoods, municipalities)
        scopes = operations.Scopes.of(role, neighbourhood_ids=neighbourhood_ids, municipality_ids=municipality_ids,
                                      everywhere=all_municipalities)
        for field, message in operations.scope_problems(role, scopes).items():
            raise click.ClickException(f"{message}: {SCOPE_OPTIONS[field]}.")
        if user_by_email(email) is not None:
            raise _email_taken(email)

        password = _password(password_env)
        problem = password_problem(password)
        if problem:
            raise click.ClickException(str(problem))
        try:
            person = operations.create_account(email=email, role=role, password=password, display_name=name,
                                               language=language, scopes=scopes)
            db.session.commit()
        except (operations.EmailTaken, IntegrityError):
            db.session.rollback()
            raise _email_taken(email) from None
    click.echo(f"Created {person.email} (id {person.id}) with the role {person.role.value}.")
    if person.is_staff:
        click.echo("At the first sign-in, the site asks to set up two-factor sign-in.")


def _email_taken(email: str) -> click.ClickException:
    return click.ClickException(f"There is already an account with the address {email}. "
                                "Change its role on the staff page (/staff) instead.")


@users_cli.command("list-staff")
def list_staff_command():
    """Everyone with a staff role, with what they are responsible for."""
    people = queries.staff_people()
    if not people:
        click.echo("No staff yet. Create the first admin with `flask users create --email … --role admin`.")
        return
    for person in people:
        if person.role == Role.COORDINATOR:
            scope = ", ".join(sorted(f"{n.municipality.slug}/{n.slug}" for n in person.coordinated_neighbourhoods))
        elif person.role == Role.MODERATOR:
            scope = "all municipalities" if person.moderates_everywhere else ", ".join(
                sorted(m.slug for m in person.moderated_municipalities))
        else:
            scope = "everything"
        flags = [] if person.has_two_factor else ["no two-factor sign-in yet"]
        if operations.invitation_pending(person):
            flags.append("invited")
        extra = f"  [{'; '.join(flags)}]" if flags else ""
        click.echo(f"{person.id:>5}  {person.role.value:<11}  {person.email}  ({person.display_name or '-'})  "
                   f"{scope or '-'}{extra}")
