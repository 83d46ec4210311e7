"""`flask seed --demo` shows every feature alive, and a second run changes nothing."""
from sqlalchemy import func, select

from participation.comments.models import Comment
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus, Support
from participation.proposals.models import Proposal, ProposalUpdate, Vote
from participation.workshops.models import Workshop

COUNTED = (Idea, Support, Comment, Proposal, Vote, ProposalUpdate, Workshop)


def _counts(app):
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in COUNTED}


def test_demo_seed_creates_content_once(app, runner):
    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    after_first = _counts(app)
    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0, second.output
    assert _counts(app) == after_first
    assert after_first["Idea"] >= 5 and after_first["Vote"] >= 10 and after_first["ProposalUpdate"] >= 1
    with app.app_context():
        languages = set(db.session.scalars(select(Idea.language)))
        assert {"nl", "de", "fr"} <= languages
        assert db.session.scalar(select(func.count()).where(Idea.photo.is_not(None))) >= 1
        assert db.session.scalar(select(func.count()).where(Idea.status == IdeaStatus.PENDING)) >= 1


def test_demo_home_page_shows_what_is_open(app, runner, client):
    runner.invoke(args=["seed", "--demo"])
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "Moestuinbakken op het grasveld in Malpertuis" in html  # open for voting now
    assert "Evening walks for people who feel lonely" in html     # a recent idea
    initiative = client.get("/initiatives/veerkrachtige-wijken?lang=en").get_data(as_text=True)
    assert "Een moestuin op het grasveld bij de flats" in initiative
