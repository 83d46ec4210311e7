"""Flask-Login wiring: the cookie names a server-side sign-in session.
Staff sessions also end after a while without any request."""
import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user

from participation.accounts.operations import end_login_session
from participation.accounts.queries import user_for_session_token
from participation.extensions import db, login_manager
from participation.i18n import SESSION_KEY as LANGUAGE_SESSION_KEY

# Time of the last request, in the signed session cookie: no database write per request.
LAST_ACTIVE_KEY = "last_active"


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(user_for_session_token)
    app.before_request(sign_out_idle_staff)


def sign_out_idle_staff():
    """Staff (coordinators, moderators, admins) are signed out after
    STAFF_IDLE_MINUTES without a request: their sign-in session is revoked,
    and they are asked to sign in again. Residents are not affected."""
    if request.endpoint == "static" or "_user_id" not in session:
        return None  # nobody signed in: no need to load anyone
    if not (current_user.is_authenticated and current_user.is_staff):
        return None
    now = int(time.time())
    last_active = session.get(LAST_ACTIVE_KEY)
    idle_minutes = current_app.config["STAFF_IDLE_MINUTES"]
    if isinstance(last_active, int) and now - last_active > idle_minutes * 60:
        return _sign_out_after_idle(idle_minutes)
    session[LAST_ACTIVE_KEY] = now
    return None


def _sign_out_after_idle(idle_minutes: int):
    end_login_session(current_user.login_session_token)
    db.session.commit()
    message = _("You were signed out because you had not used the website for %(minutes)s minutes. "
                "Sign in again to continue.", minutes=idle_minutes)
    language = session.get(LANGUAGE_SESSION_KEY)
    logout_user()
    session.clear()
    if language:
        session[LANGUAGE_SESSION_KEY] = language
    flash(message, "info")
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect(url_for("accounts.sign_in", next=back))
