"""Reads for public profiles, each in a fixed number of queries.

Only what anyone may see: published ideas, visible comments on readable ideas
and proposals, and — for staff — the proposals they created that are not
hidden. Never drafts, pending, returned, rejected, hidden or withdrawn ideas,
deleted or hidden comments, the email address or the place someone lives.
"""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import func, select

from participation.accounts.models import STAFF_ROLES, User
from participation.comments import queries as comments
from participation.core.pagination import Page, clamp_page, page_number
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.proposals.models import Proposal

PER_PAGE = 20
SECTIONS = ("ideas", "comments", "proposals")


def person_or_404(person_id: int) -> User:
    """Anyone who could ever take part (a confirmed address); deleted accounts too."""
    person = db.session.execute(
        select(User).where(User.id == person_id, User.email_verified_at.is_not(None))
    ).scalar_one_or_none()
    return person or abort(404)


def _public_ideas(person_id: int):
    return (Idea.author_id == person_id, Idea.status == IdeaStatus.PUBLISHED)


def _public_proposals(person_id: int):
    return (Proposal.created_by_id == person_id, comments.readable_proposal_condition())


@dataclass
class Contributions:
    ideas: int
    comments: int
    proposals: int  # 0 unless the person is staff


def contribution_counts(person: User) -> Contributions:
    """All three counts in one query."""
    ideas = select(func.count(Idea.id)).where(*_public_ideas(person.id)).scalar_subquery()
    proposals = select(func.count(Proposal.id)).where(*_public_proposals(person.id)).scalar_subquery()
    row = db.session.execute(select(ideas, comments.public_comment_count(person.id), proposals)).one()
    return Contributions(ideas=row[0] or 0, comments=row[1] or 0,
                         proposals=(row[2] or 0) if person.role in STAFF_ROLES else 0)


def section_or_default(value, counts: Contributions) -> str:
    """`?show=` if it names a section this person has, else the first with something in it."""
    available = [name for name in SECTIONS if name != "proposals" or counts.proposals]
    if value in available:
        return value
    return next((name for name in available if getattr(counts, name)), "ideas")


def contributions_page(person: User, section: str, counts: Contributions, page=None, per_page: int = PER_PAGE) -> Page:
    """One page of a section (one query; counts are already known)."""
    total = getattr(counts, section)
    number = clamp_page(page_number(page), total, per_page)
    if section == "comments":
        return comments.public_comments_by(person.id, number, per_page, total=total)
    result = Page(items=[], page=number, per_page=per_page, total=total)
    if not total:
        return result
    if section == "ideas":
        statement = (select(Idea).where(*_public_ideas(person.id))
                     .order_by(Idea.published_at.desc(), Idea.id.desc()))
    else:
        statement = (select(Proposal).where(*_public_proposals(person.id))
                     .order_by(Proposal.created_at.desc(), Proposal.id.desc()))
    result.items = list(db.session.scalars(statement.limit(per_page).offset(result.offset)))
    return result
