"""Languages of the interface and how the locale of a request is chosen.

Order: an explicit choice (`?lang=xx`, remembered in the session; signing
in sets it to the person's preference) → the signed-in person's preference →
the browser's Accept-Language → Dutch.
"""
from flask import request, session
from flask_login import current_user
from flask_babel import get_locale as babel_locale

# Each language named in its own language, for the switcher.
LANGUAGES = {"nl": "Nederlands", "de": "Deutsch", "fr": "Français", "en": "English"}
DEFAULT_LANGUAGE = "nl"
SESSION_KEY = "lang"


def remember_explicit_choice() -> None:
    """Keep a valid `?lang=` in the session; anything else is ignored."""
    chosen = request.args.get("lang", type=str)
    if chosen in LANGUAGES and session.get(SESSION_KEY) != chosen:
        session[SESSION_KEY] = chosen


def select_locale() -> str:
    chosen = request.args.get("lang", type=str)
    if chosen in LANGUAGES:
        return chosen
    if session.get(SESSION_KEY) in LANGUAGES:
        return session[SESSION_KEY]
    if current_user and current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    return request.accept_languages.best_match(list(LANGUAGES)) or DEFAULT_LANGUAGE


def current_language() -> str:
    return str(babel_locale() or DEFAULT_LANGUAGE)
