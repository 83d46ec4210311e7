"""Public profiles: /people/<id>."""
from babel.dates import format_skeleton
from flask import Blueprint, render_template, request, url_for
from flask_babel import get_locale, get_timezone
from markupsafe import Markup, escape

from participation.accounts.privacy import author_name
from participation.people import queries

blueprint = Blueprint("people", __name__)


@blueprint.app_template_global()
def author_link(user) -> Markup:
    """The author's name, linked to their public profile; "former participant"
    (not linked) for a deleted account or none."""
    if user is None or user.deleted_at is not None:
        return escape(author_name(user))
    return Markup('<a href="{}">{}</a>').format(url_for("people.profile", person_id=user.id), author_name(user))


@blueprint.app_template_filter("month_year")
def month_year(moment) -> str:
    """"March 2025", in the reader's language."""
    return format_skeleton("yMMMM", moment, tzinfo=get_timezone(), locale=get_locale())


@blueprint.get("/people/<int:person_id>")
def profile(person_id: int):
    person = queries.person_or_404(person_id)
    if person.deleted_at is not None:
        return render_template("people/profile.html", person=person, counts=None, section=None, page=None)
    counts = queries.contribution_counts(person)
    section = queries.section_or_default(request.args.get("show"), counts)
    page = queries.contributions_page(person, section, counts, request.args.get("page"))
    return render_template("people/profile.html", person=person, counts=counts, section=section, page=page)
