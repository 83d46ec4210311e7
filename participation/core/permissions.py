"""Who may do what: named predicates, used by view decorators and templates.

Every rule lives here, so a button shows only when the action is allowed and
the view refuses exactly what the button would not offer.
"""
from datetime import timedelta
from functools import wraps

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from participation.accounts.models import Role
from participation.comments.models import EDIT_WINDOW_MINUTES
from participation.core.types import utcnow
from participation.ideas.models import Idea, IdeaStatus
from participation.proposals.models import ProposalStatus

# --- predicates ------------------------------------------------------------


def is_signed_in(user) -> bool:
    return bool(user and user.is_authenticated)


def is_admin(user) -> bool:
    return is_signed_in(user) and user.role == Role.ADMIN


def is_staff(user) -> bool:
    return is_signed_in(user) and user.is_staff


def is_moderator(user) -> bool:
    return is_signed_in(user) and user.role in (Role.MODERATOR, Role.ADMIN)


def is_coordinator(user) -> bool:
    return is_signed_in(user) and user.role in (Role.COORDINATOR, Role.ADMIN)


def coordinates(user, neighbourhood) -> bool:
    """May act as coordinator in this neighbourhood."""
    if is_admin(user):
        return True
    return (is_signed_in(user) and user.role == Role.COORDINATOR and neighbourhood is not None
            and any(own.id == neighbourhood.id for own in user.coordinated_neighbourhoods))


def moderates(user, municipality) -> bool:
    """May moderate content from this municipality."""
    if is_admin(user):
        return True
    if not (is_signed_in(user) and user.role == Role.MODERATOR):
        return False
    return user.moderates_everywhere or (
        municipality is not None and any(own.id == municipality.id for own in user.moderated_municipalities))


def may_turn_off_two_factor(user) -> bool:
    """Residents may turn two-factor sign-in off again; staff always need it."""
    return is_signed_in(user) and user.has_two_factor and not user.is_staff


def why_cannot_participate(user) -> str | None:
    """None when the person may post, vote, comment and register; otherwise the reason code."""
    if not is_signed_in(user):
        return "anonymous"
    if not user.is_verified:
        return "unverified"
    return None


def can_participate(user) -> bool:
    return why_cannot_participate(user) is None


# --- discussions (comments, reports) ------------------------------------------
# Ideas: published → readable and open; withdrawn by the author (after it was
# public) → readable, closed (the discussion stays as it was); pending,
# rejected, returned, hidden, draft → no discussion at all. Proposals: readable
# unless hidden; open until the official answer is final (done or not
# adopted) — after the vote people still talk about what happens next.

def discussion_is_visible(target) -> bool:
    if isinstance(target, Idea):
        return idea_is_public(target)
    return target is not None and not target.is_hidden


def discussion_is_open(target) -> bool:
    if not discussion_is_visible(target):
        return False
    if isinstance(target, Idea):
        return target.status == IdeaStatus.PUBLISHED
    return target.status not in (ProposalStatus.DONE, ProposalStatus.NOT_ADOPTED)


def can_comment(user, target) -> bool:
    return can_participate(user) and discussion_is_open(target)


def _own(user, author_id) -> bool:
    return is_signed_in(user) and author_id is not None and author_id == user.id


def can_edit_comment(user, comment, now=None) -> bool:
    """Own comments, for EDIT_WINDOW_MINUTES after posting, unless deleted or hidden.
    (Views also check that the discussion is still open.)"""
    if not (_own(user, comment.author_id) and can_participate(user)):
        return False
    if comment.deleted_at is not None or comment.hidden_at is not None:
        return False
    return (now or utcnow()) - comment.created_at <= timedelta(minutes=EDIT_WINDOW_MINUTES)


def can_delete_comment(user, comment) -> bool:
    """Own comments, any time (also when hidden, also in a closed discussion)."""
    return _own(user, comment.author_id) and comment.deleted_at is None


def can_report(user, author_id) -> bool:
    """Verified people report what others wrote (reporting one's own makes no sense)."""
    return can_participate(user) and not _own(user, author_id)


# --- ideas -------------------------------------------------------------------
# Public: published, or withdrawn after having been published. Drafts, pending,
# returned, rejected and hidden ideas (and ideas withdrawn before they were
# ever published) only their author and staff see — staff never see others'
# drafts. ideas/queries.py `visible_ideas_condition` is the same rule in SQL.

EDITABLE_IDEA_STATUSES = (IdeaStatus.DRAFT, IdeaStatus.PENDING, IdeaStatus.RETURNED)
WITHDRAWABLE_IDEA_STATUSES = (IdeaStatus.DRAFT, IdeaStatus.PENDING, IdeaStatus.RETURNED, IdeaStatus.PUBLISHED)


def idea_is_public(idea) -> bool:
    return idea.status == IdeaStatus.PUBLISHED or (
        idea.status == IdeaStatus.WITHDRAWN and idea.published_at is not None)


def can_see_idea(user, idea) -> bool:
    if idea_is_public(idea) or _own(user, idea.author_id):
        return True
    return is_staff(user) and idea.status != IdeaStatus.DRAFT


def can_edit_idea(user, idea) -> bool:
    """The author, while it is a draft, waits for review or was returned."""
    return _own(user, idea.author_id) and can_participate(user) and idea.status in EDITABLE_IDEA_STATUSES


def can_withdraw_idea(user, idea) -> bool:
    """The author, any time before a moderator rejected or hid it (then it is out of sight already)."""
    return _own(user, idea.author_id) and idea.status in WITHDRAWABLE_IDEA_STATUSES


def can_support_idea(user, idea) -> bool:
    return can_participate(user) and idea.status == IdeaStatus.PUBLISHED


def can_translate_idea(user, idea) -> bool:
    return is_staff(user) and idea_is_public(idea)


# --- decorators ------------------------------------------------------------


def _to_sign_in():
    return current_app.login_manager.unauthorized()


def staff_required(predicate=is_staff):
    """Anonymous → sign-in page; signed in without the role → 403; staff who
    have not set up two-factor sign-in → the set-up page first."""
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not is_signed_in(current_user):
                return _to_sign_in()
            if not predicate(current_user):
                abort(403)
            if not current_user.has_two_factor:
                back = request.full_path.rstrip("?") if request.method == "GET" else None
                return redirect(url_for("two_factor.setup", next=back))
            return view(*args, **kwargs)
        wrapped.staff_only = True  # lets tests find every staff route (walk app.url_map)
        return wrapped
    return decorator


def participation_required(view):
    """Posting, voting, commenting and registering: verified people only.
    Others see why, and (when unverified) a button to resend the email."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        reason = why_cannot_participate(current_user)
        if reason == "anonymous":
            return _to_sign_in()
        if reason:
            return render_template("accounts/cannot_participate.html", reason=reason), 403
        return view(*args, **kwargs)
    return wrapped


def init_app(app) -> None:
    app.jinja_env.globals.update(
        is_admin=is_admin, is_staff=is_staff, is_moderator=is_moderator, is_coordinator=is_coordinator,
        coordinates=coordinates, moderates=moderates, can_participate=can_participate,
        why_cannot_participate=why_cannot_participate, may_turn_off_two_factor=may_turn_off_two_factor,
    )
    app.jinja_env.globals.update(
        discussion_is_open=discussion_is_open, can_comment=can_comment, can_edit_comment=can_edit_comment,
        can_delete_comment=can_delete_comment, can_report=can_report,
    )
    app.jinja_env.globals.update(
        idea_is_public=idea_is_public, can_see_idea=can_see_idea, can_edit_idea=can_edit_idea,
        can_withdraw_idea=can_withdraw_idea, can_support_idea=can_support_idea, can_translate_idea=can_translate_idea,
    )
