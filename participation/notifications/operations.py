"""Following and notifying. Other features call these; they flush, never commit.

`notify()` writes an in-app notification for each person and, when the
person wants email for that kind (profile preferences), queues an email in
their language through the outbox — in the same transaction as the change.

The text of an in-app notification is written when it is shown
(templates/notifications/_item.html), from `kind`, the target and `params`,
in the reader's language. Keep in `params` only what that needs:

    REPLY            target "comment"; {"to": "comment"|"idea"|"proposal",
                     "actor_id", "on_kind", "on_id", "title"}  (comments feature)
    STATUS_CHANGE    target "proposal" (or "idea"); {"title", "status"}
    VOTING_OPENED    target "proposal"; {"title"}
    VOTING_CLOSED    target "proposal"; {"title"}
    IDEA_IN_PROPOSAL target "proposal"; {"title", "idea_title"}
    MODERATION       target what was decided about; {"title", "outcome", "reason"}

Never notify about something the person may not see. When content is hidden
or removed later, `withdraw_notifications(kind, ids)` takes back what was
said about it (about an idea or proposal: also about the comments on it).
"""
from collections.abc import Iterable

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import User
from participation.accounts.privacy import register_erasure_step
from participation.comments.models import Comment
from participation.core.types import utcnow
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


def withdraw_notifications(target_kind: str, target_ids: Iterable[int]) -> int:
    """Delete the notifications about these targets (hidden or removed content);
    for ideas and proposals also those about the comments on them."""
    target_ids = list(target_ids)
    if not target_ids:
        return 0
    about = (Notification.target_kind == str(target_kind)) & Notification.target_id.in_(target_ids)
    if str(target_kind) in ("idea", "proposal"):
        column = Comment.idea_id if str(target_kind) == "idea" else Comment.proposal_id
        on_comments = (Notification.target_kind == "comment") & Notification.target_id.in_(
            select(Comment.id).where(column.in_(target_ids)))
        about = or_(about, on_comments)
    result = db.session.execute(delete(Notification).where(about).execution_options(synchronize_session=False))
    return result.rowcount


def mark_all_read(user: User) -> int:
    """Returns how many were unread."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


@register_erasure_step("follows_and_notifications")
def forget_follows_and_notifications(user: User) -> None:
    """A deleted account follows nothing and keeps no notifications."""
    db.session.execute(delete(Follow).where(Follow.user_id == user.id))
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
