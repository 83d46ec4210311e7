"""Reads of follows and notifications, each in a fixed number of queries."""
from dataclasses import dataclass, field

from flask import abort, g
from flask_login import current_user
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.accounts.privacy import register_export_section
from participation.comments import queries as comments
from participation.core.pagination import Page, clamp_page, page_number
from participation.extensions import db
from participation.ideas.models import Idea
from participation.notifications.models import Follow, FollowTarget, Notification
from participation.programme.models import Initiative
from participation.proposals.models import Proposal

PER_PAGE = 20


def unread_count() -> int:
    """Unread notifications of the signed-in person: one COUNT per request at
    most (the header asks for it on every page), none for anyone else."""
    if not (current_user and current_user.is_authenticated):
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = db.session.scalar(
            select(func.count(Notification.id))
            .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))) or 0
    return g.unread_notifications


def is_following(user, target_kind: str, target_id: int) -> bool:
    if not (user and user.is_authenticated):
        return False
    return db.session.scalar(select(Follow.id).where(
        Follow.user_id == user.id, Follow.target_kind == FollowTarget(target_kind), Follow.target_id == target_id)
    ) is not None


def follow_target_or_404(target_kind: str, target_id: int):
    """What can be followed: any initiative, an idea or proposal anyone may read."""
    if target_kind == FollowTarget.INITIATIVE:
        statement = select(Initiative).where(Initiative.id == target_id)
    elif target_kind == FollowTarget.IDEA:
        statement = select(Idea).where(Idea.id == target_id, comments.readable_idea_condition())
    elif target_kind == FollowTarget.PROPOSAL:
        statement = select(Proposal).where(Proposal.id == target_id, comments.readable_proposal_condition())
    else:
        abort(404)
    return db.session.execute(statement).scalar_one_or_none() or abort(404)


@dataclass
class NotificationPage(Page):
    actors: dict[int, User] = field(default_factory=dict)
    gone: set[tuple[str, int]] = field(default_factory=set)

    def actor(self, notification: Notification) -> User | None:
        return self.actors.get((notification.params or {}).get("actor_id"))

    def is_gone(self, notification: Notification) -> bool:
        """The target may no longer be seen (hidden, deleted, withdrawn by moderators)."""
        return (notification.target_kind, notification.target_id) in self.gone


def notifications_page(user: User, page=None, per_page: int = PER_PAGE) -> NotificationPage:
    """Newest first. Queries: the count, the page, the people named in it, and
    one per kind of target on the page to leave out what may no longer be seen."""
    condition = Notification.user_id == user.id
    total = db.session.scalar(select(func.count(Notification.id)).where(condition)) or 0
    number = clamp_page(page_number(page), total, per_page)
    result = NotificationPage(items=[], page=number, per_page=per_page, total=total)
    if not total:
        return result
    result.items = list(db.session.scalars(
        select(Notification).where(condition)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(per_page).offset(result.offset)))
    actor_ids = {(item.params or {}).get("actor_id") for item in result.items} - {None}
    if actor_ids:
        result.actors = {person.id: person for person in db.session.scalars(select(User).where(User.id.in_(actor_ids)))}
    by_kind: dict[str, set[int]] = {}
    for item in result.items:
        by_kind.setdefault(item.target_kind, set()).add(item.target_id)
    for kind, ids in by_kind.items():
        visible = _visible_ids(kind, ids)
        result.gone |= {(kind, target_id) for target_id in ids - visible}
    return result


def _visible_ids(kind: str, ids: set[int]) -> set[int]:
    if kind == "comment":
        return comments.visible_comment_ids(ids)
    if kind == "idea":
        return set(db.session.scalars(select(Idea.id).where(Idea.id.in_(ids), comments.readable_idea_condition())))
    if kind == "proposal":
        return set(db.session.scalars(
            select(Proposal.id).where(Proposal.id.in_(ids), comments.readable_proposal_condition())))
    return ids


# --- the data download (accounts/privacy.py) ----------------------------------

@register_export_section("follows")
def _follows_section(user: User) -> list[dict]:
    follows = db.session.scalars(select(Follow).where(Follow.user_id == user.id).order_by(Follow.created_at, Follow.id))
    return [{"kind": follow.target_kind, "id": follow.target_id, "since": follow.created_at} for follow in follows]


@register_export_section("notifications")
def _notifications_section(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user.id)
        .order_by(Notification.created_at, Notification.id))
    return [{"kind": row.kind, "about": {"kind": row.target_kind, "id": row.target_id}, "details": row.params,
             "created_at": row.created_at, "read_at": row.read_at} for row in rows]
