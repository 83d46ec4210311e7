"""Reads about proposals, each in a fixed number of queries and bounded.

Hidden proposals (Hideable.hidden_at) are left out of every list, count and
timeline here; only their own page shows a placeholder.
"""
from dataclasses import dataclass, field
from datetime import datetime

from flask import abort
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from participation.accounts.models import User
from participation.core.pagination import Page, clamp_page
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.programme.models import Initiative, Neighbourhood
from participation.proposals.models import (Eligibility, Proposal, ProposalUpdate, Vote, VoteChoice, proposal_idea,
                                            proposal_municipality, proposal_neighbourhood)

# Ids in URLs beyond a 32-bit integer cannot exist (and would make PostgreSQL fail).
MAX_ID = 2**31 - 1
LIST_LIMIT = 50
CLOSED_PER_PAGE = 20
IDEA_CHOICES_LIMIT = 200


def valid_id(value) -> bool:
    return isinstance(value, int) and 0 < value <= MAX_ID


def _public():
    return Proposal.hidden_at.is_(None)


def _voting_options():
    """What deciding about a vote needs: the area and the staff scope."""
    return (
        joinedload(Proposal.initiative).selectinload(Initiative.municipalities),
        joinedload(Proposal.neighbourhood).joinedload(Neighbourhood.municipality),
        selectinload(Proposal.municipalities),
        selectinload(Proposal.neighbourhoods).joinedload(Neighbourhood.municipality),
    )


def proposal_or_404(proposal_id: int) -> Proposal:
    """A proposal with what voting and permissions need (hidden ones too: the
    caller decides what to show)."""
    if not valid_id(proposal_id):
        abort(404)
    proposal = db.session.execute(
        select(Proposal).where(Proposal.id == proposal_id).options(*_voting_options())
    ).unique().scalar_one_or_none()
    return proposal or abort(404)


def proposal_page_or_404(proposal_id: int) -> Proposal:
    """Everything the proposal page shows, in a fixed number of queries."""
    if not valid_id(proposal_id):
        abort(404)
    proposal = db.session.execute(
        select(Proposal).where(Proposal.id == proposal_id).options(
            *_voting_options(),
            joinedload(Proposal.initiative).joinedload(Initiative.line),
            selectinload(Proposal.ideas).joinedload(Idea.author),
            selectinload(Proposal.updates),
        )
    ).unique().scalar_one_or_none()
    return proposal or abort(404)


def vote_of(user, proposal_id: int) -> VoteChoice | None:
    if not (user and user.is_authenticated):
        return None
    return db.session.execute(
        select(Vote.choice).where(Vote.proposal_id == proposal_id, Vote.user_id == user.id)).scalar_one_or_none()


# --- lists ------------------------------------------------------------------------------

@dataclass
class InitiativeProposals:
    open: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)
    closed: Page | None = None


def _list_options():
    return (selectinload(Proposal.neighbourhood).joinedload(Neighbourhood.municipality),)


def initiative_proposals(initiative_id: int, *, page: int = 1, now: datetime | None = None) -> InitiativeProposals:
    """Open for voting first (closing soonest first), then those still to open,
    then closed ones (newest first, a page at a time; a page past the end is the
    last page). A fixed number of queries, each bounded."""
    now = now or utcnow()
    public = (Proposal.initiative_id == initiative_id, _public())
    base = select(Proposal).where(*public).options(*_list_options())
    result = InitiativeProposals()
    result.open = list(db.session.scalars(
        base.where(Proposal.voting_opens_at <= now, Proposal.voting_closes_at > now)
        .order_by(Proposal.voting_closes_at, Proposal.id).limit(LIST_LIMIT)))
    result.upcoming = list(db.session.scalars(
        base.where(Proposal.voting_opens_at > now).order_by(Proposal.voting_opens_at, Proposal.id).limit(LIST_LIMIT)))
    closed_total = db.session.scalar(
        select(func.count(Proposal.id)).where(*public, Proposal.voting_closes_at <= now))
    page = clamp_page(page, closed_total, CLOSED_PER_PAGE)
    result.closed = Page(items=[], page=page, per_page=CLOSED_PER_PAGE, total=closed_total)
    if closed_total:
        result.closed.items = list(db.session.scalars(
            base.where(Proposal.voting_closes_at <= now)
            .order_by(Proposal.voting_closes_at.desc(), Proposal.id.desc())
            .offset(result.closed.offset).limit(CLOSED_PER_PAGE)))
    return result


def open_proposals(limit: int = 5, user=None, *, initiative_id: int | None = None,
                   now: datetime | None = None) -> list[Proposal]:
    """Proposals open for voting now, for the home page and the initiative page:
    those of the signed-in person's neighbourhood first, then of their
    municipality, then the others; each group closing soonest first."""
    now = now or utcnow()
    limit = min(max(int(limit), 0), LIST_LIMIT)
    statement = (select(Proposal)
                 .where(_public(), Proposal.voting_opens_at <= now, Proposal.voting_closes_at > now)
                 .options(selectinload(Proposal.initiative),
                          selectinload(Proposal.neighbourhood).joinedload(Neighbourhood.municipality)))
    if initiative_id is not None:
        statement = statement.where(Proposal.initiative_id == initiative_id)
    order = []
    if user is not None and getattr(user, "is_authenticated", False):
        neighbourhood_id, municipality_id = user.neighbourhood_id, user.municipality_id
        in_neighbourhood = or_(
            Proposal.neighbourhood_id == neighbourhood_id,
            exists().where(proposal_neighbourhood.c.proposal_id == Proposal.id,
                           proposal_neighbourhood.c.neighbourhood_id == neighbourhood_id),
        ) if neighbourhood_id is not None else None
        in_municipality = or_(
            exists().where(Neighbourhood.id == Proposal.neighbourhood_id,
                           Neighbourhood.municipality_id == municipality_id),
            exists().where(proposal_municipality.c.proposal_id == Proposal.id,
                           proposal_municipality.c.municipality_id == municipality_id),
        ) if municipality_id is not None else None
        whens = [(condition, rank) for rank, condition in enumerate((in_neighbourhood, in_municipality))
                 if condition is not None]
        if whens:
            order.append(case(*whens, else_=len(whens)))
    order += [Proposal.voting_closes_at, Proposal.id]
    return list(db.session.scalars(statement.order_by(*order).limit(limit)))


# --- ideas and their proposals ----------------------------------------------------------

def proposals_for_idea(idea_id: int) -> list[Proposal]:
    """The public proposals an idea became part of, with their official updates."""
    if not valid_id(idea_id):
        return []
    return list(db.session.scalars(
        select(Proposal)
        .join(proposal_idea, proposal_idea.c.proposal_id == Proposal.id)
        .where(proposal_idea.c.idea_id == idea_id, _public())
        .order_by(Proposal.created_at, Proposal.id)
        .limit(LIST_LIMIT)
        .options(selectinload(Proposal.updates))))


@dataclass(frozen=True)
class TimelineEntry:
    """One dated step of "what happened with my idea"."""

    at: datetime
    kind: str  # "proposal" (the idea became part of it) or "update" (an official answer)
    proposal: Proposal
    update: ProposalUpdate | None = None


def timeline_for_idea(idea_id: int) -> list[TimelineEntry]:
    """Oldest first: each proposal the idea became part of, then its updates."""
    entries = []
    for proposal in proposals_for_idea(idea_id):
        entries.append(TimelineEntry(proposal.created_at, "proposal", proposal))
        entries += [TimelineEntry(update.created_at, "update", proposal, update) for update in proposal.updates]
    return sorted(entries, key=lambda entry: (entry.at, entry.kind != "proposal"))


def idea_choices(initiative_id: int, *, linked_ids=(), requested_ids=()) -> list[Idea]:
    """Published ideas of the initiative a proposal can come from: the most
    supported first (at most IDEA_CHOICES_LIMIT), those asked for in the address
    (`?idea=`, only when they are published ideas of this initiative), and those
    already linked to the proposal being edited (whatever their state now)."""
    linked_ids = {i for i in linked_ids if valid_id(i)}
    requested_ids = {i for i in requested_ids if valid_id(i)}
    published = (Idea.initiative_id == initiative_id) & (Idea.status == IdeaStatus.PUBLISHED)
    top = select(Idea.id).where(published).order_by(Idea.support_count.desc(), Idea.id.desc()).limit(IDEA_CHOICES_LIMIT)
    condition = Idea.id.in_(top.scalar_subquery())
    if requested_ids:
        condition = or_(condition, published & Idea.id.in_(requested_ids))
    if linked_ids:
        condition = or_(condition, Idea.id.in_(linked_ids))
    return list(db.session.scalars(
        select(Idea).where(condition).order_by(Idea.support_count.desc(), Idea.id.desc())))


# --- who is involved ----------------------------------------------------------------------

def idea_author_ids(proposal_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Idea.author_id).join(proposal_idea, proposal_idea.c.idea_id == Idea.id)
        .where(proposal_idea.c.proposal_id == proposal_id, Idea.author_id.is_not(None)).distinct()))


def voter_ids(proposal_id: int) -> list[int]:
    return list(db.session.scalars(select(Vote.user_id).where(Vote.proposal_id == proposal_id)))


def eligible_residents(proposal: Proposal) -> int | None:
    """For an area vote: how many people with a confirmed account live in the
    area now (by the place in their profile). None when everyone may vote."""
    if proposal.eligibility != Eligibility.AREA:
        return None
    in_area = or_(
        User.neighbourhood_id.in_(
            select(proposal_neighbourhood.c.neighbourhood_id)
            .where(proposal_neighbourhood.c.proposal_id == proposal.id)),
        User.municipality_id.in_(
            select(proposal_municipality.c.municipality_id).where(proposal_municipality.c.proposal_id == proposal.id)),
    )
    return db.session.scalar(select(func.count(User.id)).where(
        and_(User.deleted_at.is_(None), User.email_verified_at.is_not(None), in_area)))


# --- voting windows -------------------------------------------------------------------------

def due_opening_notices(now: datetime, limit: int = 100) -> list[int]:
    return list(db.session.scalars(
        select(Proposal.id).where(Proposal.opening_notified_at.is_(None), Proposal.voting_opens_at <= now)
        .order_by(Proposal.voting_opens_at, Proposal.id).limit(limit)))


def due_closing_notices(now: datetime, limit: int = 100) -> list[int]:
    return list(db.session.scalars(
        select(Proposal.id).where(Proposal.closing_notified_at.is_(None), Proposal.voting_closes_at <= now)
        .order_by(Proposal.voting_closes_at, Proposal.id).limit(limit)))


# --- presentation helpers (no database) ------------------------------------------------------

def proposal_timeline(proposal: Proposal, now: datetime | None = None) -> list[TimelineEntry]:
    """The proposal page's history, oldest first: published, voting opened and
    closed (once they happened), and each official update."""
    now = now or utcnow()
    entries = [TimelineEntry(proposal.created_at, "published", proposal)]
    if proposal.voting_opens_at <= now:
        # Published with a window already open: voting opened when it was published.
        entries.append(TimelineEntry(max(proposal.voting_opens_at, proposal.created_at), "opened", proposal))
    if proposal.voting_closes_at <= now:
        entries.append(TimelineEntry(proposal.voting_closes_at, "closed", proposal))
    entries += [TimelineEntry(update.created_at, "update", proposal, update) for update in proposal.updates]
    order = {"published": 0, "opened": 1, "closed": 2, "update": 3}
    return sorted(entries, key=lambda entry: (entry.at, order[entry.kind]))
