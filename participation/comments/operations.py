"""Writing comments and reports. Like every operation: flush, never commit.

Counters
    `Idea.comment_count` and `Proposal.comment_count` count the *visible*
    comments on it (top-level and replies: not deleted by their author and
    not hidden by moderators). `Comment.reply_count` counts the visible
    replies to a comment. They change only here, by an atomic
    `UPDATE … SET n = n ± 1` in the transaction of the change itself:
    +1 when a comment is posted or shown again, -1 when a visible comment is
    deleted or hidden. Deleting and hiding are conditional updates
    (`WHERE deleted_at IS NULL` …), so two requests racing to remove the same
    comment subtract once. The moderation feature hides and shows comments
    with `hide_comment` / `show_comment`, never by setting the columns itself.

Notifications (in-app, and email per the person's preferences)
    A top-level comment notifies the author of the idea or proposal; a reply
    notifies the author of the comment replied to, the author of the thread's
    first comment and everyone with a visible reply in that thread (replying
    follows the thread). Nobody hears about their own comment, about a comment
    nobody may see, or about one on an idea or proposal that is not public.
    Hiding or deleting a comment withdraws the notifications about it.
    Commenting also follows the idea or proposal (status changes, voting).
"""
import html
import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from participation.accounts.models import User
from participation.accounts.privacy import author_name
from participation.comments import queries
from participation.comments.models import Comment, ContentKind, Report, ReportCategory
from participation.core.permissions import discussion_is_visible
from participation.core.sanitize import markdown_to_safe_html, plain_text
from participation.core.types import utcnow
from participation.extensions import db
from participation.mail.operations import external_url
from participation.ideas.models import Idea
from participation.notifications import operations as notifications
from participation.notifications.models import FollowTarget, NotificationKind
from participation.proposals.models import Proposal

logger = logging.getLogger("participation.comments")

EXCERPT_LENGTH = 300


class CommentGone(Exception):
    """The comment was deleted or hidden meanwhile."""


class AlreadyReported(Exception):
    pass


# --- counters -------------------------------------------------------------------

def _count(comment: Comment, delta: int) -> None:
    """Atomic ± 1 on the idea's or proposal's count and on the parent's reply count."""
    # `updated_at` is kept as it is: a comment does not change the idea or proposal itself.
    if comment.idea_id is not None:
        statement = (update(Idea).where(Idea.id == comment.idea_id)
                     .values(comment_count=Idea.comment_count + delta, updated_at=Idea.updated_at))
    else:
        statement = (update(Proposal).where(Proposal.id == comment.proposal_id)
                     .values(comment_count=Proposal.comment_count + delta, updated_at=Proposal.updated_at))
    db.session.execute(statement.execution_options(synchronize_session=False))
    if comment.parent_id is not None:
        db.session.execute(
            update(Comment).where(Comment.id == comment.parent_id)
            .values(reply_count=Comment.reply_count + delta).execution_options(synchronize_session=False))
    # Objects already in the session read the new values on their next use (nothing is loaded for this).
    for model, row_id, column in ((Idea, comment.idea_id, "comment_count"),
                                  (Proposal, comment.proposal_id, "comment_count"),
                                  (Comment, comment.parent_id, "reply_count")):
        loaded = db.session.identity_map.get(db.session.identity_key(model, row_id)) if row_id else None
        if loaded is not None:
            db.session.expire(loaded, [column])


# --- writing --------------------------------------------------------------------

def post_comment(author: User, target: Idea | Proposal, body: str, language: str,
                 reply_to: Comment | None = None) -> Comment:
    """A new comment on `target`, or a reply when `reply_to` is given. A reply
    to a reply is attached to the same parent (one level of replies)."""
    kind = "idea" if isinstance(target, Idea) else "proposal"
    parent = None
    if reply_to is not None:
        parent = reply_to.parent if reply_to.parent_id is not None else reply_to
        if parent.target_kind != kind or parent.target_id != target.id:
            raise ValueError("a reply belongs to the discussion of its parent")
    comment = Comment(
        idea_id=target.id if kind == "idea" else None,
        proposal_id=target.id if kind == "proposal" else None,
        parent=parent,
        author_id=author.id,
        body_markdown=body,
        body_html=markdown_to_safe_html(body),
        language=language,
        reply_count=0,
    )
    db.session.add(comment)
    db.session.flush()
    _count(comment, +1)
    notifications.follow(author, FollowTarget(kind), target.id)
    _notify_about_new(comment, target, reply_to, author)
    logger.info("Comment %s by %s on %s %s", comment.id, author.id, kind, target.id)
    return comment


def edit_comment(comment: Comment, body: str, language: str) -> None:
    """New text (sanitised again); marked as edited. Refused (CommentGone) when
    the comment was deleted or hidden meanwhile."""
    result = db.session.execute(
        update(Comment)
        .where(Comment.id == comment.id, Comment.deleted_at.is_(None), Comment.hidden_at.is_(None))
        .values(body_markdown=body, body_html=markdown_to_safe_html(body), language=language, edited_at=utcnow())
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise CommentGone()
    db.session.expire(comment)
    logger.info("Comment %s edited", comment.id)


def delete_comment(comment: Comment) -> None:
    """Erase the text and keep a placeholder, so replies still make sense.
    Deleting twice changes nothing."""
    row = db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.deleted_at.is_(None))
        .values(deleted_at=utcnow(), body_markdown="", body_html="")
        .returning(Comment.hidden_at).execution_options(synchronize_session=False)).first()
    if row is None:
        return
    if row.hidden_at is None:
        _count(comment, -1)
    notifications.withdraw_notifications("comment", [comment.id])
    db.session.expire(comment)
    logger.info("Comment %s deleted by its author", comment.id)


def hide_comment(comment: Comment, reason: str) -> bool:
    """For moderation: hide with a reason code (shown to everyone as
    "hidden by the moderators: <reason>"). Returns False when already hidden."""
    row = db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.hidden_at.is_(None))
        .values(hidden_at=utcnow(), hidden_reason=reason)
        .returning(Comment.deleted_at).execution_options(synchronize_session=False)).first()
    if row is None:
        return False
    if row.deleted_at is None:
        _count(comment, -1)
    notifications.withdraw_notifications("comment", [comment.id])
    db.session.expire(comment)
    logger.info("Comment %s hidden (%s)", comment.id, reason)
    return True


def show_comment(comment: Comment) -> bool:
    """For moderation: undo `hide_comment`. Returns False when it was not hidden.
    (Notifications withdrawn when it was hidden are not sent again.)"""
    row = db.session.execute(
        update(Comment).where(Comment.id == comment.id, Comment.hidden_at.is_not(None))
        .values(hidden_at=None, hidden_reason=None)
        .returning(Comment.deleted_at).execution_options(synchronize_session=False)).first()
    if row is None:
        return False
    if row.deleted_at is None:
        _count(comment, +1)
    db.session.expire(comment)
    logger.info("Comment %s shown again", comment.id)
    return True


# --- notifications --------------------------------------------------------------

def _reply_subject(to: str, name: str):
    """Lazy, so it is written in each recipient's language."""
    if to == "comment":
        return _l("%(name)s replied to your comment", name=name)
    if to == "idea":
        return _l("%(name)s commented on your idea", name=name)
    return _l("%(name)s commented on your proposal", name=name)


def _notify_about_new(comment: Comment, target, reply_to: Comment | None, author: User) -> None:
    if not (comment.is_visible and discussion_is_visible(target)):
        return  # never point anyone at something they may not see
    kind = comment.target_kind
    if comment.parent_id is None:
        groups = {kind: [target.author_id if kind == "idea" else target.created_by_id]}
    else:
        people = {reply_to.author_id, comment.parent.author_id, *queries.thread_author_ids(comment.parent_id)}
        groups = {"comment": list(people)}
    name = author_name(author)
    for to, user_ids in groups.items():
        user_ids = [user_id for user_id in user_ids if user_id is not None]
        if not user_ids:
            continue
        notifications.notify(
            user_ids, NotificationKind.REPLY, target_kind="comment", target_id=comment.id,
            params={"to": to, "actor_id": author.id, "on_kind": kind, "on_id": target.id, "title": target.title},
            email_subject=_reply_subject(to, name),
            email_template="comments/reply", exclude=[author.id],
            to=to, actor_name=name, title=target.title, excerpt=excerpt(comment.body_markdown),
            comment_language=comment.language, link=comment_link(comment),
            settings_link=external_url("accounts.profile"))


def comment_link(comment: Comment) -> str:
    """The address that always leads to the comment (for email)."""
    return external_url("comments.permalink", comment_id=comment.id)


def excerpt(markdown: str, length: int = EXCERPT_LENGTH) -> str:
    """Plain text (tags dropped, entities decoded) for email and lists; escape where shown."""
    text = " ".join(html.unescape(plain_text(markdown)).split())
    return text if len(text) <= length else text[:length - 1].rstrip() + "…"


# --- reports --------------------------------------------------------------------

def report_content(reporter: User, kind: str | ContentKind, content_id: int, category: str | ReportCategory,
                   text: str | None = None) -> Report:
    """A report of an idea, proposal or comment, once per person per item
    (AlreadyReported the second time). The view checks that the item exists
    and may be seen; the moderation feature reviews reports."""
    report = Report(reporter_id=reporter.id, content_kind=ContentKind(kind), content_id=content_id,
                    category=ReportCategory(category), text=(text or None))
    try:
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError:
        raise AlreadyReported() from None
    logger.info("Report %s by %s of %s %s", report.id, reporter.id, report.content_kind, content_id)
    return report
