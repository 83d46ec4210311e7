"""Who may do what: named predicates, used by view decorators and templates.

Every rule lives here, so a button shows only when the action is allowed and
the view refuses exactly what the button would not offer.
"""
from functools import wraps

from flask import abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from participation.accounts.models import Role

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
