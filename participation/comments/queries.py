"""Reads of discussions, each in a fixed number of queries.

A discussion page is three queries however long it is: the number of
top-level comments, one page of them (authors joined), and all replies to
that page (authors joined).

What is listed: top-level comments, newest or oldest first, 20 a page;
under each its replies, oldest first. A deleted comment stays as a
placeholder ("deleted by its author") when replies hang under it, so they
still make sense, and is left out when none do. Hidden comments show as
"hidden by the moderators: <reason>".
"""
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from participation.accounts.models import User
from participation.accounts.privacy import register_export_section
from participation.comments.models import Comment, ContentKind, Report
from participation.core.pagination import Page, clamp_page, page_number
from participation.extensions import db
from participation.ideas.models import Idea
from participation.ideas.queries import public_ideas_condition
from participation.proposals.models import Proposal

PER_PAGE = 20
# What a discussion shows of an author (never their email, hashes or secrets).
AUTHOR_COLUMNS = (User.id, User.display_name, User.deleted_at)
SORTS = ("oldest", "newest")
DEFAULT_SORT = "oldest"
TARGET_MODELS = {"idea": Idea, "proposal": Proposal}


def sort_order(value) -> str:
    return value if value in SORTS else DEFAULT_SORT


# --- targets ------------------------------------------------------------------

def readable_idea_condition():
    """Ideas whose discussion can be read: the public ones (core/permissions.discussion_is_visible)."""
    return public_ideas_condition()


def readable_proposal_condition():
    return Proposal.hidden_at.is_(None)


def target_or_404(kind: str, target_id: int):
    """The idea or proposal whose discussion may be read, or 404 (pending,
    hidden, rejected… ideas and hidden proposals have no public discussion)."""
    if kind == "idea":
        condition = readable_idea_condition()
    elif kind == "proposal":
        condition = readable_proposal_condition()
    else:
        abort(404)
    model = TARGET_MODELS[kind]
    target = db.session.execute(select(model).where(model.id == target_id, condition)).scalar_one_or_none()
    return target or abort(404)


def _on_readable_target(statement):
    """Only comments whose idea or proposal can be read."""
    return (statement
            .outerjoin(Idea, Comment.idea_id == Idea.id)
            .outerjoin(Proposal, Comment.proposal_id == Proposal.id)
            .where(or_(and_(Idea.id.is_not(None), readable_idea_condition()),
                       and_(Proposal.id.is_not(None), readable_proposal_condition()))))


def comment_or_404(comment_id: int) -> Comment:
    """A comment on a readable idea or proposal, with its author, target and parent loaded."""
    comment = db.session.execute(
        _on_readable_target(select(Comment))
        .where(Comment.id == comment_id)
        .options(joinedload(Comment.author), joinedload(Comment.idea), joinedload(Comment.proposal),
                 joinedload(Comment.parent))
    ).unique().scalar_one_or_none()
    return comment or abort(404)


def comment_target(comment: Comment):
    return comment.idea if comment.idea_id is not None else comment.proposal


# --- a discussion -------------------------------------------------------------

@dataclass
class Discussion(Page):
    kind: str = "idea"
    target: object = None
    sort: str = DEFAULT_SORT
    replies: dict[int, list[Comment]] = field(default_factory=dict)

    def replies_to(self, comment: Comment) -> list[Comment]:
        return self.replies.get(comment.id, [])


def _on_target(kind: str, target_id: int):
    return Comment.idea_id == target_id if kind == "idea" else Comment.proposal_id == target_id


def _listed_top_level(kind: str, target_id: int):
    return (_on_target(kind, target_id), Comment.parent_id.is_(None),
            or_(Comment.deleted_at.is_(None), Comment.reply_count > 0))


def _ordering(sort: str):
    if sort == "newest":
        return (Comment.created_at.desc(), Comment.id.desc())
    return (Comment.created_at, Comment.id)


def discussion(kind: str, target, sort=None, page=None, per_page: int = PER_PAGE) -> Discussion:
    """One page of the discussion on `target`; `sort` and `page` straight from
    the query string (bad values give the defaults)."""
    sort = sort_order(sort)
    condition = _listed_top_level(kind, target.id)
    total = db.session.scalar(select(func.count(Comment.id)).where(*condition)) or 0
    number = clamp_page(page_number(page), total, per_page)
    result = Discussion(items=[], page=number, per_page=per_page, total=total, kind=kind, target=target, sort=sort)
    if not total:
        return result
    result.items = list(db.session.scalars(
        select(Comment).where(*condition).options(joinedload(Comment.author).load_only(*AUTHOR_COLUMNS))
        .order_by(*_ordering(sort)).limit(per_page).offset(result.offset)))
    replies = db.session.scalars(
        select(Comment).where(Comment.parent_id.in_([comment.id for comment in result.items]))
        .options(joinedload(Comment.author).load_only(*AUTHOR_COLUMNS)).order_by(Comment.created_at, Comment.id))
    for reply in replies:
        result.replies.setdefault(reply.parent_id, []).append(reply)
    return result


def page_of(comment: Comment, sort: str = DEFAULT_SORT, per_page: int = PER_PAGE) -> int:
    """The page of the discussion (in `sort` order) that shows this comment
    (a reply: its parent). One query."""
    top = comment.parent if comment.parent_id is not None else comment
    condition = _listed_top_level(top.target_kind, top.target_id)
    if sort == "newest":
        before = or_(Comment.created_at > top.created_at, and_(Comment.created_at == top.created_at, Comment.id > top.id))
    else:
        before = or_(Comment.created_at < top.created_at, and_(Comment.created_at == top.created_at, Comment.id < top.id))
    earlier = db.session.scalar(select(func.count(Comment.id)).where(*condition, before)) or 0
    return earlier // per_page + 1


def thread_author_ids(parent_id: int) -> list[int]:
    """Everyone with a visible reply under this comment (they joined the thread)."""
    return list(db.session.scalars(
        select(Comment.author_id).distinct()
        .where(Comment.parent_id == parent_id, Comment.author_id.is_not(None),
               Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))))


# --- comments that may be shown elsewhere (profiles, notifications) -----------

def public_comment_condition():
    """Visible (neither deleted nor hidden); to be used with `_on_readable_target`."""
    return and_(Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))


def public_comment_count(author_id: int):
    """A scalar subquery: how many public comments someone wrote."""
    return (_on_readable_target(select(func.count(Comment.id)))
            .where(Comment.author_id == author_id, public_comment_condition())
            .scalar_subquery())


@dataclass
class CommentOn:
    """A comment with the title of the idea or proposal it is on."""
    comment: Comment
    kind: str
    title: str


def public_comments_by(author_id: int, page=None, per_page: int = PER_PAGE, total: int | None = None) -> Page:
    """Someone's public comments, newest first, each with what it is on (two queries;
    one when `total` is known)."""
    if total is None:
        total = db.session.scalar(select(public_comment_count(author_id))) or 0
    number = clamp_page(page_number(page), total, per_page)
    result = Page(items=[], page=number, per_page=per_page, total=total)
    if total:
        rows = db.session.execute(
            _on_readable_target(select(Comment, Idea.title, Proposal.title))
            .where(Comment.author_id == author_id, public_comment_condition())
            .order_by(Comment.created_at.desc(), Comment.id.desc()).limit(per_page).offset(result.offset))
        result.items = [CommentOn(comment, comment.target_kind, idea_title or proposal_title)
                        for comment, idea_title, proposal_title in rows]
    return result


def visible_comment_ids(ids) -> set[int]:
    """Of these comments, the ones anybody may see now (one query)."""
    ids = set(ids)
    if not ids:
        return set()
    return set(db.session.scalars(
        _on_readable_target(select(Comment.id)).where(Comment.id.in_(ids), public_comment_condition())))


# --- reports ------------------------------------------------------------------

def has_reported(user: User, kind: str, content_id: int) -> bool:
    return db.session.scalar(select(Report.id).where(
        Report.reporter_id == user.id, Report.content_kind == ContentKind(kind), Report.content_id == content_id)
    ) is not None


# --- the data download (accounts/privacy.py) ----------------------------------

@register_export_section("comments")
def _comments_section(user: User) -> list[dict]:
    comments = db.session.scalars(
        select(Comment).where(Comment.author_id == user.id).order_by(Comment.created_at, Comment.id))
    return [{
        "id": comment.id,
        "on": {"kind": comment.target_kind, "id": comment.target_id},
        "reply_to": comment.parent_id,
        "text": comment.body_markdown,
        "language": comment.language,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "deleted_at": comment.deleted_at,
        "hidden": {"at": comment.hidden_at, "reason": comment.hidden_reason} if comment.hidden_at else None,
    } for comment in comments]


@register_export_section("reports")
def _reports_section(user: User) -> list[dict]:
    reports = db.session.scalars(
        select(Report).where(Report.reporter_id == user.id).order_by(Report.created_at, Report.id))
    return [{"content": {"kind": report.content_kind, "id": report.content_id}, "category": report.category,
             "text": report.text, "created_at": report.created_at, "resolved_at": report.resolved_at}
            for report in reports]
