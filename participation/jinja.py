"""Template globals and filters shared by every page."""
from urllib.parse import urlencode

from babel.numbers import format_compact_currency
from flask import Flask, request
from flask_babel import format_date, format_datetime

from participation.accounts.privacy import author_name
from participation.core.pagination import url_with
from participation.core.translated import localized_html, localized_paragraphs, localized_text
from participation.i18n import LANGUAGES, current_language


def url_in_language(language: str) -> str:
    """The current page in another language; other query arguments are kept."""
    arguments = request.args.to_dict(flat=False)
    arguments["lang"] = [language]
    return f"{request.path}?{urlencode(arguments, doseq=True)}"


def money(amount_eur: int) -> str:
    """A euro amount for people, e.g. "€ 14,5 mln." (nl) or "14,5 Mio. €" (de)."""
    return format_compact_currency(amount_eur, "EUR", locale=current_language(), fraction_digits=1)


def compact(attributes: dict) -> dict:
    """Drop attributes whose value is None (WTForms would print "None")."""
    return {name: value for name, value in attributes.items() if value is not None}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(
        LANGUAGES=LANGUAGES,
        current_language=current_language,
        url_in_language=url_in_language,
        url_with=url_with,
        author_name=author_name,
    )
    app.jinja_env.filters.update(
        localized=localized_html,
        localized_text=localized_text,
        paragraphs=localized_paragraphs,
        money=money,
        compact=compact,
        author_name=author_name,
        date=format_date,
        datetime=format_datetime,
    )
