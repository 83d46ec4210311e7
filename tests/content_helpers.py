"""Ideas and proposals made straight in the database, for the discussion,
notification and profile tests (independent of the idea and proposal pages)."""
from datetime import timedelta

from sqlalchemy import select

from participation.core.sanitize import markdown_to_safe_html
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.programme.models import Initiative
from participation.proposals.models import Proposal, VotingMethod


def _initiative_id() -> int:
    initiative_id = db.session.scalar(select(Initiative.id).order_by(Initiative.id))
    assert initiative_id, "load the `catalogue` fixture first"
    return initiative_id


def make_idea(app, author=None, status=IdeaStatus.PUBLISHED, title="Meer bomen in de wijk", **fields) -> int:
    with app.app_context():
        now = utcnow()
        idea = Idea(initiative_id=_initiative_id(), author_id=author.id if author else None, title=title,
                    body_markdown="Plant bomen.", body_html="<p>Plant bomen.</p>", status=IdeaStatus(status),
                    published_at=now if status in (IdeaStatus.PUBLISHED, IdeaStatus.WITHDRAWN) else None,
                    language=fields.pop("language", "nl"), **fields)
        db.session.add(idea)
        db.session.commit()
        return idea.id


def make_proposal(app, created_by=None, title="Een speeltuin aan de Maas", **fields) -> int:
    with app.app_context():
        now = utcnow()
        proposal = Proposal(
            initiative_id=_initiative_id(), created_by_id=created_by.id if created_by else None, title=title,
            body_markdown="Voorstel.", body_html=markdown_to_safe_html("Voorstel."),
            voting_opens_at=fields.pop("voting_opens_at", now - timedelta(days=1)),
            voting_closes_at=fields.pop("voting_closes_at", now + timedelta(days=13)),
            method=VotingMethod.SUPPORT, **fields)
        db.session.add(proposal)
        db.session.commit()
        return proposal.id


def change(app, model, row_id: int, **values) -> None:
    """Set columns of a row directly (the other features' state changes)."""
    with app.app_context():
        row = db.session.get(model, row_id)
        for name, value in values.items():
            setattr(row, name, value)
        db.session.commit()


def get(app, model, row_id: int):
    with app.app_context():
        row = db.session.get(model, row_id)
        if row is not None:
            db.session.expunge(row)
        return row
