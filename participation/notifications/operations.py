"""Following and notifying. Other features call these; they flush, never commit.

`notify()` writes an in-app notification for each person and, when the
person wants email for that kind (profile preferences), queues an email in
their language through the outbox — in the same transaction as the change.
"""
from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import User
from participation.extensions import db
from participation.mail.operations import queue_email
from participation.notifications.models import Follow, FollowTarget, Notification, NotificationKind

# Which profile preference (User.notifications key) allows email for a kind.
EMAIL_PREFERENCE = {
    NotificationKind.REPLY: "replies",
    NotificationKind.STATUS_CHANGE: "status_changes",
    NotificationKind.IDEA_IN_PROPOSAL: "status_changes",
    NotificationKind.VOTING_OPENED: "status_changes",
    NotificationKind.VOTING_CLOSED: "status_changes",
    NotificationKind.MODERATION: "moderation",
}


def follow(user: User, target_kind: FollowTarget, target_id: int) -> None:
    """Idempotent: following twice is harmless (the unique constraint decides)."""
    try:
        with db.session.begin_nested():
            db.session.add(Follow(user_id=user.id, target_kind=target_kind, target_id=target_id))
    except IntegrityError:
        pass


def unfollow(user: User, target_kind: FollowTarget, target_id: int) -> None:
    db.session.execute(delete(Follow).where(
        Follow.user_id == user.id, Follow.target_kind == target_kind, Follow.target_id == target_id))


def follower_ids(target_kind: FollowTarget, target_id: int) -> list[int]:
    return list(db.session.scalars(
        select(Follow.user_id).where(Follow.target_kind == target_kind, Follow.target_id == target_id)))


def notify(user_ids: Iterable[int], kind: NotificationKind, *, target_kind: str, target_id: int,
           params: dict, email_subject=None, email_template: str | None = None, exclude: Iterable[int] = (),
           **email_context) -> int:
    """Notify each person once (duplicates and `exclude` — usually the actor — are
    dropped; deleted accounts are skipped). Returns how many were notified."""
    wanted = set(user_ids) - set(exclude)
    if not wanted:
        return 0
    people = db.session.scalars(select(User).where(User.id.in_(wanted), User.deleted_at.is_(None))).all()
    preference = EMAIL_PREFERENCE.get(kind)
    for person in people:
        db.session.add(Notification(user_id=person.id, kind=kind, target_kind=target_kind,
                                    target_id=target_id, params=params))
        if email_template and person.email and person.is_verified and person.notifications.get(preference, True):
            queue_email(person.email, email_subject, email_template, person.language,
                        recipient=person, **email_context)
    db.session.flush()
    return len(people)
