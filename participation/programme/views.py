"""Public pages of the programme catalogue."""
from flask import Blueprint, render_template

from participation.programme import queries

blueprint = Blueprint("programme", __name__)


@blueprint.get("/lines/<slug:slug>")
def line(slug: str):
    return render_template("programme/line.html", line=queries.line_by_slug_or_404(slug))


@blueprint.get("/initiatives")
def initiatives():
    return render_template("programme/initiatives.html", lines=queries.initiatives_by_line())


@blueprint.get("/initiatives/<slug:slug>")
def initiative(slug: str):
    return render_template("programme/initiative.html", initiative=queries.initiative_by_slug_or_404(slug))


@blueprint.get("/places")
def places():
    return render_template("programme/places.html", municipalities=queries.municipalities_with_neighbourhoods())
