"""The programme catalogue: data file, seeding, public pages."""
import tomllib

import pytest
from sqlalchemy import func, select

from participation.extensions import db
from participation.i18n import LANGUAGES
from participation.programme.models import Initiative, Municipality, Neighbourhood, ProgrammeLine
from participation.programme.operations import load_catalogue

EXPECTED_BUDGETS = {
    1: (98_000_000, 14_500_000),
    2: (19_000_000, 6_400_000),
    3: (38_000_000, 6_000_000),
    4: (47_500_000, 3_100_000),
}


@pytest.fixture
def catalogue_data(app):
    with open(app.config["CATALOGUE_FILE"], "rb") as handle:
        return tomllib.load(handle)


def test_catalogue_file_has_the_four_lines_with_their_budgets(catalogue_data):
    budgets = {line["number"]: (line["investment_eur"], line["regional_contribution_eur"])
               for line in catalogue_data["line"]}
    assert budgets == EXPECTED_BUDGETS


def test_catalogue_file_has_every_initiative_of_the_programme(catalogue_data):
    per_line = {line["number"]: len(line["initiative"]) for line in catalogue_data["line"]}
    assert per_line == {1: 5, 2: 5, 3: 2, 4: 4}


def test_every_catalogue_text_exists_in_four_languages(catalogue_data):
    def check(texts, where):
        assert set(texts) == set(LANGUAGES), where
        assert all(value.strip() for value in texts.values()), where

    for municipality in catalogue_data["municipality"]:
        check(municipality["name"], municipality["slug"])
        assert municipality["country"] in {"NL", "DE", "BE"}
    for line in catalogue_data["line"]:
        check(line["title"], line["slug"])
        check(line["summary"], line["slug"])
        for initiative in line["initiative"]:
            for field in ("title", "summary", "description", "places"):
                check(initiative[field], f"{initiative['slug']}.{field}")


def test_catalogue_includes_cross_border_municipalities(catalogue_data):
    countries = {municipality["country"] for municipality in catalogue_data["municipality"]}
    assert countries == {"NL", "DE", "BE"}


def _row_snapshot():
    snapshot = []
    for model in (Municipality, Neighbourhood, ProgrammeLine, Initiative):
        for row in db.session.execute(select(model).order_by(model.id)).scalars():
            snapshot.append({column.key: getattr(row, column.key) for column in model.__table__.columns})
    return snapshot


def test_seeding_twice_changes_nothing(app):
    with app.app_context():
        first = load_catalogue(app.config["CATALOGUE_FILE"])
        db.session.commit()
        before = _row_snapshot()
        second = load_catalogue(app.config["CATALOGUE_FILE"])
        db.session.commit()
        assert first.changed
        assert not second.changed
        assert _row_snapshot() == before
        assert db.session.scalar(select(func.count(ProgrammeLine.id))) == 4


def test_seed_command_is_idempotent(app, runner):
    assert "created" in runner.invoke(args=["seed"]).output
    assert "already up to date" in runner.invoke(args=["seed"]).output


def test_seeding_updates_a_changed_text(app, catalogue):
    with app.app_context():
        line = db.session.execute(select(ProgrammeLine).filter_by(number=1)).scalar_one()
        original = dict(line.title)
        line.title["en"] = "Something else"
        db.session.commit()
        report = load_catalogue(app.config["CATALOGUE_FILE"])
        db.session.commit()
        assert report.updated == {"programme_line": 1}
        assert db.session.get(ProgrammeLine, line.id).title == original


def _first_initiative(app):
    with app.app_context():
        return db.session.execute(select(Initiative).order_by(Initiative.id)).scalars().first()


def test_home_shows_the_four_lines(client, catalogue):
    html = client.get("/?lang=en").get_data(as_text=True)
    for number in range(1, 5):
        assert f"Line {number}" in html


def test_line_page_formats_budgets_per_locale(client, catalogue, app):
    with app.app_context():
        slug = db.session.execute(select(ProgrammeLine.slug).filter_by(number=1)).scalar_one()
    dutch = client.get(f"/lines/{slug}?lang=nl").get_data(as_text=True)
    german = client.get(f"/lines/{slug}?lang=de").get_data(as_text=True)
    english = client.get(f"/lines/{slug}?lang=en").get_data(as_text=True)
    nbsp = "\xa0"
    assert f"€{nbsp}98{nbsp}mln." in dutch and f"€{nbsp}14,5{nbsp}mln." in dutch
    assert f"98{nbsp}Mio.{nbsp}€" in german and f"14,5{nbsp}Mio.{nbsp}€" in german
    assert "€98M" in english and "€14.5M" in english


def test_initiative_page_uses_its_slug_and_shows_its_line(client, catalogue, app):
    initiative = _first_initiative(app)
    response = client.get(f"/initiatives/{initiative.slug}?lang=de")
    assert response.status_code == 200
    assert initiative.title["de"] in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/lines/no-such-line", "/initiatives/no-such-initiative", "/lines/%00", "/initiatives/'%20OR%201=1"])
def test_unknown_slugs_are_404(client, catalogue, path):
    assert client.get(path).status_code == 404


def test_missing_translation_falls_back_to_dutch_marked_lang_nl(client, catalogue, app):
    with app.app_context():
        initiative = db.session.execute(select(Initiative).order_by(Initiative.id)).scalars().first()
        del initiative.summary["fr"]
        db.session.commit()
        dutch_summary, slug = initiative.summary["nl"], initiative.slug
    html = client.get(f"/initiatives/{slug}?lang=fr").get_data(as_text=True)
    assert f'<span lang="nl">{dutch_summary}</span>' in html


@pytest.mark.parametrize("page", ["home", "line", "initiatives", "initiative", "places"])
def test_catalogue_pages_run_a_bounded_number_of_queries(client, catalogue, app, count_queries, page):
    with app.app_context():
        line_slug = db.session.execute(select(ProgrammeLine.slug).filter_by(number=1)).scalar_one()
        initiative_slug = db.session.execute(select(Initiative.slug).order_by(Initiative.id)).scalars().first()
    path = {"home": "/", "line": f"/lines/{line_slug}", "initiatives": "/initiatives",
            "initiative": f"/initiatives/{initiative_slug}", "places": "/places"}[page]
    with count_queries() as counter:
        assert client.get(path).status_code == 200
    assert counter.count <= 8, counter.statements
