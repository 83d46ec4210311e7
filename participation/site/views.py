"""The public pages that belong to no single feature: home, about, privacy,
accessibility, and the health check for monitoring."""
from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from participation.extensions import db, limiter
from participation.ideas import queries as idea_queries
from participation.programme import queries as programme_queries
from participation.proposals import queries as proposal_queries
from participation.workshops import queries as workshop_queries
from participation.site.legal import PRIVACY_VERSION

blueprint = Blueprint("site", __name__)


@blueprint.get("/")
def home():
    # What is open now, the signed-in person's neighbourhood and municipality first.
    return render_template(
        "site/home.html",
        lines=programme_queries.lines_with_initiative_counts(),
        open_now=proposal_queries.open_proposals(4, current_user),
        workshops=workshop_queries.upcoming_workshops(3, current_user),
        recent_ideas=idea_queries.recent_visible_ideas(4, current_user),
    )


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
