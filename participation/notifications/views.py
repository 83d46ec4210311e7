"""Following initiatives, ideas and proposals; the list of one's notifications."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from participation.accounts.forms import ConfirmForm
from participation.comments.links import target_url
from participation.core.rate_limits import per_account
from participation.core.redirects import safe_next_url
from participation.extensions import db, limiter
from participation.notifications import operations, queries
from participation.notifications.models import FollowTarget

blueprint = Blueprint("notifications", __name__)

FOLLOW_LIMIT = "60 per hour"

blueprint.add_app_template_global(queries.unread_count, "unread_notification_count")


@blueprint.app_template_global()
def is_following(target_kind: str, target_id: int) -> bool:
    return queries.is_following(current_user, target_kind, target_id)


@blueprint.app_template_global()
def notification_url(notification) -> str | None:
    """Where a notification leads: the comment, idea, proposal or initiative it is about."""
    kind, target_id = notification.target_kind, notification.target_id
    if kind == "comment":
        return url_for("comments.permalink", comment_id=target_id)
    if kind in ("idea", "proposal"):
        return target_url(kind, target_id)
    slug = (notification.params or {}).get("slug")
    if kind == FollowTarget.INITIATIVE and slug:
        return url_for("programme.initiative", slug=slug)
    return None


def follow_target_url(target_kind: str, target) -> str:
    if target_kind == FollowTarget.INITIATIVE:
        return url_for("programme.initiative", slug=target.slug)
    return target_url(target_kind, target.id)


def _follow_kind(kind: str) -> FollowTarget:
    try:
        return FollowTarget(kind)
    except ValueError:
        abort(404)


def _change_follow(kind: str, target_id: int, following: bool):
    kind = _follow_kind(kind)
    target = queries.follow_target_or_404(kind, target_id)
    if ConfirmForm().validate_on_submit():
        if following:
            operations.follow(current_user, kind, target.id)
        else:
            operations.unfollow(current_user, kind, target.id)
        db.session.commit()
        if following:
            flash(_("You follow this now. We will let you know when there is news."), "success")
        else:
            flash(_("You no longer follow this."), "success")
    return redirect(safe_next_url(request.form.get("next")) or follow_target_url(kind, target))


@blueprint.post("/follow/<kind>/<int:target_id>")
@login_required
@limiter.limit(FOLLOW_LIMIT, key_func=per_account)
def follow(kind: str, target_id: int):
    return _change_follow(kind, target_id, following=True)


@blueprint.post("/unfollow/<kind>/<int:target_id>")
@login_required
@limiter.limit(FOLLOW_LIMIT, key_func=per_account)
def unfollow(kind: str, target_id: int):
    return _change_follow(kind, target_id, following=False)


@blueprint.get("/notifications")
@login_required
def index():
    page = queries.notifications_page(current_user, request.args.get("page"))
    return render_template("notifications/index.html", page=page, form=ConfirmForm())


@blueprint.post("/notifications/read")
@login_required
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        operations.mark_all_read(current_user)
        db.session.commit()
        flash(_("All notifications are marked as read."), "success")
    return redirect(url_for("notifications.index"))
