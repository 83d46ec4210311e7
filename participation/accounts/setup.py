"""Flask-Login wiring: the cookie names a server-side sign-in session."""
from flask import Flask
from flask_babel import lazy_gettext as _l

from participation.accounts.queries import user_for_session_token
from participation.extensions import login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.sign_in"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(user_for_session_token)
