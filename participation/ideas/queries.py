"""Reads of ideas. Every read that shows ideas to someone goes through
`visible_ideas_condition(viewer)`: lists, counts, pages, photos, the home page.

Each function runs a fixed number of queries, whatever the number of ideas:
authors, initiatives and places come with the ideas (joined), counts are
columns (`support_count`, `comment_count`).
"""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from participation.core.pagination import Page
from participation.core.permissions import is_signed_in, is_staff
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus, IdeaTranslation, Support
from participation.programme.models import Initiative, Municipality, Neighbourhood

PER_PAGE = 20

SORTS = {
    "newest": lambda: (func.coalesce(Idea.published_at, Idea.submitted_at, Idea.created_at).desc(), Idea.id.desc()),
    "supported": lambda: (Idea.support_count.desc(), Idea.id.desc()),
    "discussed": lambda: (Idea.comment_count.desc(), Idea.id.desc()),
}
DEFAULT_SORT = "newest"
# The statuses anyone may filter on (the public ones).
STATUS_FILTERS = (IdeaStatus.PUBLISHED.value, IdeaStatus.WITHDRAWN.value)


def paginate(statement, page: int, per_page: int) -> Page:
    """Two queries: the count, then the page. A page past the last one is page 1."""
    total = db.session.scalar(select(func.count()).select_from(statement.order_by(None).subquery())) or 0
    result = Page(items=[], page=page, per_page=per_page, total=total)
    if not 1 <= page <= result.pages:
        result.page = 1
    if total:
        result.items = list(db.session.scalars(statement.limit(per_page).offset(result.offset)).unique())
    return result


# --- who sees what --------------------------------------------------------------

def public_ideas_condition() -> ColumnElement[bool]:
    return or_(Idea.status == IdeaStatus.PUBLISHED,
               and_(Idea.status == IdeaStatus.WITHDRAWN, Idea.published_at.is_not(None)))


def visible_ideas_condition(viewer) -> ColumnElement[bool]:
    """The ideas this person may see: public ones; their own in every state;
    for staff also every idea that is not somebody's draft. The SQL twin of
    core.permissions.can_see_idea."""
    condition = public_ideas_condition()
    if is_signed_in(viewer):
        condition = or_(condition, Idea.author_id == viewer.id)
        if is_staff(viewer):
            condition = or_(condition, Idea.status != IdeaStatus.DRAFT)
    return condition


def _with_people_and_places(statement):
    return statement.options(
        joinedload(Idea.author), joinedload(Idea.initiative),
        joinedload(Idea.neighbourhood).joinedload(Neighbourhood.municipality))


# --- one idea ---------------------------------------------------------------------

def idea_for_page_or_404(idea_id: int, viewer) -> Idea:
    idea = db.session.scalar(
        _with_people_and_places(select(Idea).where(Idea.id == idea_id, visible_ideas_condition(viewer)))
        .options(selectinload(Idea.translations).joinedload(IdeaTranslation.translated_by)))
    return idea or abort(404)


def own_idea_or_404(idea_id: int, user) -> Idea:
    """For the author's own actions (edit, withdraw); others get 404, never a hint it exists."""
    idea = db.session.scalar(
        select(Idea).where(Idea.id == idea_id, Idea.author_id == user.id)
        .options(joinedload(Idea.initiative), joinedload(Idea.neighbourhood)))
    return idea or abort(404)


def idea_or_404(idea_id: int, viewer) -> Idea:
    """An idea the person may see, without the page's extras (for actions)."""
    idea = db.session.scalar(select(Idea).where(Idea.id == idea_id, visible_ideas_condition(viewer)))
    return idea or abort(404)


def photo_is_visible(name: str, viewer) -> bool | None:
    """None: no idea has this photo (or the viewer may not see it); True: it
    belongs to a public idea; False: visible to this viewer only (author, staff)."""
    row = db.session.execute(
        select(public_ideas_condition()).where(Idea.photo == name, visible_ideas_condition(viewer))).first()
    return None if row is None else bool(row[0])


def supported_ids(user, idea_ids) -> set[int]:
    """Which of these ideas the person supports (one query)."""
    ids = list(idea_ids)
    if not (is_signed_in(user) and ids):
        return set()
    return set(db.session.scalars(select(Support.idea_id).where(Support.user_id == user.id, Support.idea_id.in_(ids))))


def supports(user, idea) -> bool:
    return idea.id in supported_ids(user, [idea.id])


# --- lists ------------------------------------------------------------------------

@dataclass(frozen=True)
class ListParameters:
    sort: str = DEFAULT_SORT
    status: str | None = None
    neighbourhood_id: int | None = None
    page: int = 1


def list_parameters(args, neighbourhood_ids=(), page: int = 1) -> ListParameters:
    """Only known values are taken; anything else is the default."""
    sort = args.get("sort", "", type=str)
    status = args.get("status", "", type=str)
    neighbourhood = args.get("neighbourhood", "", type=str)
    neighbourhood_id = None
    if neighbourhood.isascii() and neighbourhood.isdigit() and len(neighbourhood) < 10:
        neighbourhood_id = int(neighbourhood)
    return ListParameters(
        sort=sort if sort in SORTS else DEFAULT_SORT,
        status=status if status in STATUS_FILTERS else None,
        neighbourhood_id=neighbourhood_id if neighbourhood_id in set(neighbourhood_ids) else None,
        page=page,
    )


def list_ideas(viewer, parameters: ListParameters, *, initiative_id: int | None = None,
               neighbourhood_id: int | None = None, per_page: int = PER_PAGE) -> Page:
    """A page of the ideas this person may see, filtered and sorted. Two queries."""
    statement = select(Idea).where(visible_ideas_condition(viewer))
    if initiative_id is not None:
        statement = statement.where(Idea.initiative_id == initiative_id)
    neighbourhood_id = neighbourhood_id or parameters.neighbourhood_id
    if neighbourhood_id is not None:
        statement = statement.where(Idea.neighbourhood_id == neighbourhood_id)
    if parameters.status == IdeaStatus.WITHDRAWN.value:
        statement = statement.where(Idea.status == IdeaStatus.WITHDRAWN)
    elif parameters.status == IdeaStatus.PUBLISHED.value:
        statement = statement.where(Idea.status == IdeaStatus.PUBLISHED)
    statement = _with_people_and_places(statement.order_by(*SORTS[parameters.sort]()))
    return paginate(statement, parameters.page, per_page)


def ideas_of(author, page: int = 1, per_page: int = PER_PAGE) -> Page:
    """The person's own ideas in every state, the last changed first ("My ideas")."""
    statement = _with_people_and_places(
        select(Idea).where(Idea.author_id == author.id).order_by(Idea.updated_at.desc(), Idea.id.desc()))
    return paginate(statement, page, per_page)


def recent_for_initiative(initiative_id: int, viewer, limit: int = 5) -> tuple[list[Idea], int]:
    """(the newest ideas this person may see for the initiative, how many there are in all) — one query."""
    rows = db.session.execute(
        _with_people_and_places(
            select(Idea, func.count().over())
            .where(Idea.initiative_id == initiative_id, visible_ideas_condition(viewer))
            .order_by(*SORTS[DEFAULT_SORT]()).limit(limit))
    ).all()
    return [idea for idea, _ in rows], (rows[0][1] if rows else 0)


def count_visible(viewer, *, initiative_id: int | None = None, neighbourhood_id: int | None = None) -> int:
    statement = select(func.count(Idea.id)).where(visible_ideas_condition(viewer))
    if initiative_id is not None:
        statement = statement.where(Idea.initiative_id == initiative_id)
    if neighbourhood_id is not None:
        statement = statement.where(Idea.neighbourhood_id == neighbourhood_id)
    return db.session.scalar(statement)


def recent_visible_ideas(limit: int, user) -> list[Idea]:
    """Recently published ideas for the home page: those from the signed-in
    person's neighbourhood first, then their municipality, then the rest,
    newest first within each. One query."""
    statement = select(Idea).where(Idea.status == IdeaStatus.PUBLISHED, visible_ideas_condition(user))
    order = []
    if is_signed_in(user) and (user.neighbourhood_id or user.municipality_id):
        place = Neighbourhood.__table__.alias("idea_place")
        statement = statement.outerjoin(place, place.c.id == Idea.neighbourhood_id)
        order.append(case(
            (and_(Idea.neighbourhood_id.is_not(None), Idea.neighbourhood_id == user.neighbourhood_id), 0),
            (and_(place.c.municipality_id.is_not(None), place.c.municipality_id == user.municipality_id), 1),
            else_=2))
    statement = statement.order_by(*order, Idea.published_at.desc(), Idea.id.desc()).limit(limit)
    return list(db.session.scalars(_with_people_and_places(statement)).unique())


# --- the places and initiatives lists are about ----------------------------------------

def initiative_for_ideas_or_404(slug: str) -> Initiative:
    """The initiative with its municipalities and their neighbourhoods (for the filter)."""
    initiative = db.session.scalar(
        select(Initiative).where(Initiative.slug == slug)
        .options(selectinload(Initiative.municipalities).selectinload(Municipality.neighbourhoods)))
    return initiative or abort(404)


def neighbourhood_or_404(municipality_slug: str, neighbourhood_slug: str) -> Neighbourhood:
    neighbourhood = db.session.scalar(
        select(Neighbourhood).join(Neighbourhood.municipality)
        .where(Municipality.slug == municipality_slug, Neighbourhood.slug == neighbourhood_slug)
        .options(joinedload(Neighbourhood.municipality)))
    return neighbourhood or abort(404)


def initiatives_for_form() -> list[Initiative]:
    """Every initiative people can send ideas to, with its municipalities."""
    return list(db.session.scalars(
        select(Initiative).order_by(Initiative.line_id, Initiative.position, Initiative.id)
        .options(selectinload(Initiative.municipalities))))


def initiative_by_slug(slug: str | None) -> Initiative | None:
    if not slug:
        return None
    return db.session.scalar(select(Initiative).where(Initiative.slug == slug))


def neighbourhood_filter_choices(initiative: Initiative) -> list[Neighbourhood]:
    """The neighbourhoods in the initiative's area (all of them when it names no municipality)."""
    if initiative.municipalities:
        return [n for m in initiative.municipalities for n in m.neighbourhoods]
    return list(db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.name)))


def find_duplicate(author_id: int, initiative_id: int, title: str, body_markdown: str, since) -> Idea | None:
    """The same idea sent by the same person a moment ago (a double tap on "Send")."""
    return db.session.scalar(
        select(Idea).where(Idea.author_id == author_id, Idea.initiative_id == initiative_id, Idea.title == title,
                           Idea.body_markdown == body_markdown, Idea.created_at >= since)
        .order_by(Idea.id.desc()).limit(1))
