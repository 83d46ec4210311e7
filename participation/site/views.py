"""The public pages that belong to no single feature: home, about, privacy,
accessibility, and the health check for monitoring."""
from flask import Blueprint, render_template
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from participation.extensions import db, limiter
from participation.programme import queries as programme_queries
from participation.site.legal import PRIVACY_VERSION

blueprint = Blueprint("site", __name__)


@blueprint.get("/")
def home():
    return render_template("site/home.html", lines=programme_queries.lines_with_initiative_counts())


@blueprint.get("/about")
def about():
    return render_template("site/about.html")


@blueprint.get("/privacy")
def privacy():
    return render_template("site/privacy.html", privacy_version=PRIVACY_VERSION)


@blueprint.get("/accessibility")
def accessibility():
    return render_template("site/accessibility.html")


@blueprint.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}
