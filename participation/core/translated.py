"""Multilingual content stored in the database.

Storage choice: one JSON column per translatable field, holding a mapping
from language code to text, e.g. ``{"nl": "Groene wijken", "de": "Grüne
Viertel"}``. A field is read whole with its row (no join per language, no
query per field), admins edit all four languages in one form, and adding a
language needs no migration. Dutch is the source language: when a
translation is missing, the Dutch text is shown and marked ``lang="nl"`` so
screen readers pronounce it right.
"""
from dataclasses import dataclass

from markupsafe import Markup, escape
from sqlalchemy import JSON
from sqlalchemy.ext.mutable import MutableDict

from participation.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language

TranslatedText = MutableDict.as_mutable(JSON())


@dataclass(frozen=True)
class Localized:
    text: str
    lang: str

    def __str__(self) -> str:
        return self.text


def localize(value: dict | None, language: str) -> Localized:
    """The text in `language`, else Dutch, else any language present."""
    value = value or {}
    for candidate in (language, DEFAULT_LANGUAGE, *LANGUAGES):
        text = (value.get(candidate) or "").strip()
        if text:
            return Localized(text, candidate)
    return Localized("", language)


def missing_languages(value: dict | None) -> list[str]:
    value = value or {}
    return [code for code in LANGUAGES if not (value.get(code) or "").strip()]


def localized_html(value: dict | None) -> Markup:
    """Escaped text for the page; wrapped in a `lang` span when it is a fallback."""
    language = current_language()
    localized = localize(value, language)
    if localized.lang == language:
        return escape(localized.text)
    return Markup('<span lang="{}">{}</span>').format(localized.lang, localized.text)


def localized_text(value: dict | None) -> str:
    """Plain text, for places where markup is not allowed (<title>, attributes)."""
    return localize(value, current_language()).text


def localized_paragraphs(value: dict | None) -> Markup:
    """Text with blank-line paragraphs as <p> elements, marked when a fallback."""
    language = current_language()
    localized = localize(value, language)
    lang_attr = Markup(' lang="{}"').format(localized.lang) if localized.lang != language else Markup("")
    paragraphs = [part.strip() for part in localized.text.split("\n\n") if part.strip()]
    return Markup("").join(Markup("<p{}>{}</p>").format(lang_attr, part) for part in paragraphs)
