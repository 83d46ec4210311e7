"""Four languages: how the locale is chosen, complete catalogues, every public page."""
import glob
import re
from datetime import datetime, timezone

import pytest
from babel.messages.pofile import read_po
from flask_babel import format_datetime, force_locale

from participation.i18n import LANGUAGES
from tests.conftest import ROOT

TRANSLATIONS = ROOT / "translations"

# One string per language that must appear on every page (the footer link).
FOOTER_LINK = {"nl": "Privacyverklaring", "de": "Datenschutzerklärung", "fr": "Déclaration de confidentialité",
               "en": "Privacy statement"}


def html_lang(response) -> str:
    return re.search(r'<html lang="([a-z]{2})"', response.get_data(as_text=True)).group(1)


def test_default_language_is_dutch(client):
    assert html_lang(client.get("/", headers={"Accept-Language": ""})) == "nl"


def test_accept_language_header_is_followed(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"})) == "fr"
    assert html_lang(client.get("/", headers={"Accept-Language": "de-DE"})) == "de"


def test_explicit_choice_wins_and_is_remembered(client):
    assert html_lang(client.get("/?lang=de", headers={"Accept-Language": "fr"})) == "de"
    assert html_lang(client.get("/about", headers={"Accept-Language": "fr"})) == "de"


@pytest.mark.parametrize("value", ["xx", "", "nl'--", "DE", "en;", "de&lang=fr"])
def test_unknown_lang_falls_back_to_the_default(client, value):
    response = client.get("/", query_string={"lang": value}, headers={"Accept-Language": ""})
    assert response.status_code == 200
    assert html_lang(response) == "nl"


def test_malformed_query_strings_are_ignored(client):
    for query in ["?lang", "?%zz=%%", "?lang[]=de&&&", "?=&=", "?lang=%ff%fe"]:
        response = client.get("/" + query)
        assert response.status_code == 200, query


@pytest.mark.parametrize("path", sorted(glob.glob(f"{TRANSLATIONS}/*/LC_MESSAGES/messages.po")))
def test_catalogue_has_no_empty_or_fuzzy_entry(path):
    with open(path, "rb") as handle:
        catalogue = read_po(handle)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert problems == []


def test_there_is_a_catalogue_for_every_language():
    found = {path.split("/")[-3] for path in sorted(glob.glob(f"{TRANSLATIONS}/*/LC_MESSAGES/messages.po"))}
    assert found == set(LANGUAGES)


PUBLIC_PAGES = ["/", "/initiatives", "/places", "/about", "/privacy", "/accessibility", "/lines/{line}",
                "/initiatives/{initiative}", "/no-such-page"]


@pytest.mark.parametrize("language", list(LANGUAGES))
@pytest.mark.parametrize("template", PUBLIC_PAGES)
def test_every_public_page_renders_in_each_language(client, catalogue, public_slugs, language, template):
    response = client.get(template.format(**public_slugs), query_string={"lang": language})
    assert response.status_code in (200, 404)
    assert html_lang(response) == language
    assert FOOTER_LINK[language] in response.get_data(as_text=True)


def test_language_switcher_names_each_language_in_its_own_language(client):
    html = client.get("/about?lang=de").get_data(as_text=True)
    for code, name in LANGUAGES.items():
        assert f'lang="{code}" hreflang="{code}"' in html
        assert name in html
    assert 'href="/about?lang=fr"' in html


def test_dates_are_formatted_per_locale_in_amsterdam_time(app):
    moment = datetime(2026, 7, 1, 22, 30, tzinfo=timezone.utc)  # 00:30 on 2 July in Amsterdam
    with app.test_request_context():
        with force_locale("nl"):
            assert format_datetime(moment, "d MMMM y HH:mm") == "2 juli 2026 00:30"
        with force_locale("de"):
            assert format_datetime(moment, "d. MMMM y HH:mm") == "2. Juli 2026 00:30"
