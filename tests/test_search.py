"""Search across ideas and proposals: accent-insensitive on SQLite (FTS5) and
PostgreSQL (GIN), only visible content, safe with any input, paged, bounded."""
import pytest
from sqlalchemy import inspect, select, text, update

from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.search import ddl, index_document, remove_document, search
from participation.search.folding import fold, query_terms
from participation.search.models import SearchDocument
from participation.search.snippets import highlight, snippet
from tests.conftest import BACKEND


def results(client, query, **args):
    response = client.get("/search", query_string={"q": query, "lang": "en", **args})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def found(app, query, page=1):
    with app.test_request_context("/search"):
        return [(hit.kind, hit.object_id) for hit in search(query, page).hits]


# --- folding ----------------------------------------------------------------------------

@pytest.mark.parametrize("text, folded", [
    ("Café", "cafe"), ("CAFÉ", "cafe"), ("Straße", "strasse"), ("Œuvre", "oeuvre"), ("Øresund", "oresund"),
    ("Ærø", "aero"), ("Łódź", "lodz"), ("naïve façade", "naive facade"), ("Ĳsselmeer", "ijsselmeer"),
    ("Grüße aus Köln", "grusse aus koln"),
])
def test_folding(text, folded):
    assert fold(text) == folded


def test_query_terms_are_letters_and_digits_only():
    assert query_terms('"café" AND (straße OR *) NEAR/3 col:x -y ^z') == [
        "cafe", "and", "strasse", "or", "near", "3", "col", "x", "y", "z"]
    assert query_terms("!!! ??? ... '\"*") == []
    assert len(query_terms(" ".join(f"woord{n}" for n in range(50)))) == 10


def test_snippets_mark_the_words_in_the_original_spelling():
    assert str(highlight("Het Café aan de Straße", ["cafe", "strasse"])) == \
        "Het <mark>Café</mark> aan de <mark>Straße</mark>"
    assert str(highlight("<b>café</b>", ["cafe"])) == "&lt;b&gt;<mark>café</mark>&lt;/b&gt;"
    long_text = "Begin. " + "vulling " * 60 + "Hier staat het café. " + "einde " * 60
    short = str(snippet(long_text, ["cafe"]))
    assert short.startswith("… ") and short.endswith(" …") and "<mark>café</mark>" in short and len(short) < 300


# --- finding ------------------------------------------------------------------------------

def test_search_is_accent_and_case_insensitive(app, client, create_idea):
    cafe = create_idea(title="Een café op het plein", text="Koffie voor iedereen.")
    street = create_idea(title="Spielplatz", text="Mehr Bäume in der Hauptstraße, bitte.", language="de")
    plain = create_idea(title="Een cafe zonder accent", text="Ook goed.")
    assert set(found(app, "cafe")) == {("idea", cafe.id), ("idea", plain.id)}
    assert set(found(app, "CAFÉ")) == {("idea", cafe.id), ("idea", plain.id)}
    assert found(app, "baume") == [("idea", street.id)]
    assert found(app, "hauptstrasse") == [("idea", street.id)]
    assert found(app, "HAUPTSTRAßE") == [("idea", street.id)]
    assert found(app, "spiel") == [("idea", street.id)]  # the start of a word is enough
    assert found(app, "cafe plein") == [("idea", cafe.id)]  # every word must match
    html = results(client, "cafe")
    assert "Een <mark>café</mark> op het plein" in html and "2 results" in html


def test_titles_rank_above_texts(app, create_idea):
    in_text = create_idea(title="Iets anders", text="Hier gaat het ook over een moestuin.")
    in_title = create_idea(title="Een moestuin", text="Groente kweken.")
    assert found(app, "moestuin") == [("idea", in_title.id), ("idea", in_text.id)]


def test_results_show_title_kind_initiative_and_snippet(app, client, create_idea, public_slugs):
    from participation.programme.models import Initiative

    idea = create_idea(title="Bankjes in het park", text="We willen bankjes onder de bomen.",
                       initiative=public_slugs["initiative"])
    with app.app_context():
        initiative_title = db.session.scalar(select(Initiative.title).where(Initiative.id == idea.initiative_id))["en"]
    html = results(client, "bomen")
    assert f'href="/ideas/{idea.id}" lang="nl">Bankjes in het park</a>' in html
    assert "Idea" in html and initiative_title in html
    assert "We willen bankjes onder de <mark>bomen</mark>." in html


def test_proposals_are_found_through_the_same_interface(app, client, create_idea):
    from participation.proposals.models import Proposal
    from tests.content_helpers import make_proposal

    create_idea(title="Speeltuin idee")
    proposal_id = make_proposal(app, title="Speeltuin voorstel")
    other_id = make_proposal(app, title="Nog een voorstel")
    with app.test_request_context("/"):
        index_document("proposal", proposal_id, None, "Speeltuin voorstel", "<p>Een <em>voorstel</em></p>", "nl", True)
        index_document("proposal", other_id, None, "Nog een voorstel", "Tekst", "nl", True)
        db.session.commit()
    assert set(found(app, "speeltuin")) >= {("proposal", proposal_id)}
    html = results(client, "speeltuin voorstel")
    assert f'href="/proposals/{proposal_id}"' in html and "Proposal" in html
    with app.test_request_context("/"):
        index_document("proposal", proposal_id, None, "Speeltuin voorstel", "", "nl", visible=False)
        remove_document("proposal", other_id)
        db.session.commit()
    assert found(app, "voorstel") == []
    # A hidden proposal whose row was not removed still never shows (the kind's own check).
    with app.test_request_context("/"):
        index_document("proposal", other_id, None, "Nog een voorstel", "Tekst", "nl", True)
        db.session.execute(update(Proposal).where(Proposal.id == other_id).values(hidden_at=db.func.now()))
        db.session.commit()
    assert found(app, "voorstel") == []


# --- only what may be seen --------------------------------------------------------------------

@pytest.mark.parametrize("status", ["draft", "pending", "returned", "rejected", "hidden"])
def test_only_visible_ideas_are_found(app, client, create_idea, status, resident):
    create_idea(title="Zichtbaar idee over kastanjes")
    hidden = create_idea(title="Verborgen idee over kastanjes", status=status, author=resident)
    assert len(found(app, "kastanjes")) == 1
    assert "Verborgen" not in results(client, "kastanjes")
    assert ("idea", hidden.id) not in found(app, "verborgen")


def test_withdrawn_ideas_stay_findable(app, create_idea):
    idea = create_idea(title="Ingetrokken idee over vlinders", status="withdrawn")
    assert found(app, "vlinders") == [("idea", idea.id)]


def test_an_idea_hidden_without_reindexing_is_still_not_shown(app, create_idea):
    """Second line of defence: each kind's own visibility check runs with the search."""
    idea = create_idea(title="Idee over egels")
    with app.app_context():
        db.session.execute(update(Idea).where(Idea.id == idea.id).values(status=IdeaStatus.HIDDEN))
        db.session.commit()
    assert found(app, "egels") == []


def test_sync_search_follows_state_changes(app, create_idea, resident):
    from participation.ideas.operations import sync_search

    idea = create_idea(title="Idee over mussen", status="pending", author=resident)
    assert found(app, "mussen") == []
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        row.status, row.published_at = IdeaStatus.PUBLISHED, row.submitted_at
        sync_search(row)
        db.session.commit()
    assert found(app, "mussen") == [("idea", idea.id)]
    with app.app_context():
        row = db.session.get(Idea, idea.id)
        row.title = "Idee over spreeuwen"
        sync_search(row)
        db.session.commit()
    assert found(app, "mussen") == [] and found(app, "spreeuwen") == [("idea", idea.id)]


# --- any input ------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "", " ", "!!!", "...", "'", '"', '""', "*", "-", "^", "(", ")", "AND", "OR NOT", "NEAR(a b)", "col:term",
    'a" OR "b', "x*", "'; DROP TABLE idea; --", "a & b | !c", "a:*", "<script>alert(1)</script>", "\x00", "🌳🌳",
    "木", "x" * 201, "woord " * 100, "%", "_", "\\", "café" * 60,
])
def test_any_query_gives_a_page_and_never_an_error(app, client, create_idea, query):
    create_idea(title="Een idee over bomen")
    html = results(client, query)
    assert "<script>alert(1)</script>" not in html
    if len(query) > 200 and query.strip():
        assert "We searched for its first 200 characters" in html


def test_punctuation_only_asks_for_a_word(client, catalogue):
    assert "Type at least one word" in results(client, "?!")


@pytest.mark.parametrize("page", ["-1", "0", "abc", "99999", "1" * 40, "2.5"])
def test_bad_page_numbers_give_the_first_page(app, client, create_idea, page):
    for number in range(3):
        create_idea(title=f"Tuin {number}")
    html = results(client, "tuin", page=page)
    assert html.count('class="search-result"') == 3


def test_results_come_twenty_a_page(app, client, create_idea):
    for number in range(25):
        create_idea(title=f"Boom nummer {number}", author=None)
    first, second = results(client, "boom"), results(client, "boom", page=2)
    assert first.count('class="search-result"') == 20 and "Page 1 of 2" in first and "25 results" in first
    assert second.count('class="search-result"') == 5
    assert 'href="/search?q=boom&amp;lang=en&amp;page=2"' in first or "page=2" in first


def test_search_runs_a_bounded_number_of_queries(app, client, create_idea, count_queries):
    counts = []
    for size in (2, 30):
        while len(found(app, "groen")) < min(size, 20):
            create_idea(title="Groen plein", text="Meer groen in de straat.")
        with count_queries() as counter:
            assert client.get("/search?q=groen").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] <= 3, counts


# --- the database-specific index ---------------------------------------------------------------------

def test_the_full_text_index_exists_and_can_be_created_again(app, catalogue):
    with app.app_context():
        engine = db.engine
        with engine.begin() as connection:
            ddl.create_search_index(connection)  # idempotent (the migration may run it again)
        inspector = inspect(engine)
        if BACKEND == "sqlite":
            assert ddl.FTS_TABLE in inspector.get_table_names()
            with engine.connect() as connection:
                sql = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = :n"),
                                         {"n": ddl.FTS_TABLE}).scalar()
            assert "remove_diacritics 2" in sql
        else:
            indexes = {index["name"] for index in inspector.get_indexes("search_document")}
            assert ddl.GIN_INDEX in indexes
        assert ddl.search_index_ddl(engine.dialect.name)


def test_alembic_filter_leaves_the_full_text_objects_alone():
    assert not ddl.include_object(None, "search_fts", "table", True, None)
    assert not ddl.include_object(None, "search_fts_data", "table", True, None)
    assert not ddl.include_object(None, ddl.GIN_INDEX, "index", True, None)
    assert ddl.include_object(None, "search_document", "table", True, None)
    assert ddl.include_object(None, "idea", "table", True, None)
    assert not ddl.include_name("search_fts_idx", "table", {})
    assert ddl.include_name("search_document", "table", {})


@pytest.mark.skipif(BACKEND != "postgresql", reason="the query plan is PostgreSQL's")
def test_postgresql_uses_the_gin_index(app, create_idea):
    for number in range(30):
        create_idea(title=f"Idee {number}", author=None)
    with app.app_context():
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(db.session.execute(text(
            f"EXPLAIN SELECT id FROM search_document WHERE {ddl.PG_TSVECTOR} @@ "
            "to_tsquery('simple'::regconfig, 'idee:*')")).scalars())
    assert ddl.GIN_INDEX in plan, plan


def test_rows_follow_the_search_document_table(app, create_idea):
    """On SQLite the FTS table follows search_document through triggers (insert, update, delete)."""
    idea = create_idea(title="Idee over dassen")
    with app.app_context():
        db.session.execute(update(SearchDocument).where(SearchDocument.object_id == idea.id)
                           .values(folded_title="idee over reigers"))
        db.session.commit()
    assert found(app, "dassen") == [] and found(app, "reigers") == [("idea", idea.id)]
    with app.app_context():
        db.session.execute(SearchDocument.__table__.delete())
        db.session.commit()
    assert found(app, "reigers") == []
