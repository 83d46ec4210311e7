"""Public profiles: /people/<id> shows only what anyone may see."""
import pytest
from sqlalchemy import select

from participation.accounts.models import User
from participation.comments import operations as comments
from participation.comments.models import Comment
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.programme.models import Municipality
from participation.proposals.models import Proposal
from tests.content_helpers import change, make_idea, make_proposal
from tests.test_comments import add_comment


@pytest.fixture
def person(app, catalogue, create_user):
    with app.app_context():
        municipality = db.session.scalars(select(Municipality).order_by(Municipality.id)).first()
        municipality_id, municipality_name = municipality.id, municipality.name["en"]
    person = create_user(display_name="Petra Publiek", email="petra@example.org", municipality_id=municipality_id)
    person.municipality_name = municipality_name
    return person


def profile(client, person, query="", lang="en"):
    response = client.get(f"/people/{person.id}?lang={lang}&{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_profile_shows_name_month_and_public_contributions_only(app, client, person, create_user):
    idea_id = make_idea(app, person, title="Een moestuin op het plein")
    comment_id = add_comment(app, person, make_idea(app, create_user(), title="Fietspad"), "Goed plan")
    html = profile(client, person)
    assert "<h1>Petra Publiek</h1>" in html
    assert "Taking part since" in html and str(utcnow().year) in html
    assert "1 idea" in html and "1 comment" in html
    assert f'href="/ideas/{idea_id}"' in html and "Een moestuin op het plein" in html
    comments_html = profile(client, person, "show=comments")
    assert "Goed plan" in comments_html and f'href="/comments/{comment_id}"' in comments_html
    assert "On the idea “Fietspad”" in comments_html
    for page in (html, comments_html):
        assert "petra@example.org" not in page and person.municipality_name not in page


@pytest.mark.parametrize("status", ["draft", "pending", "returned", "rejected", "hidden", "withdrawn"])
def test_ideas_that_are_not_published_are_never_shown(app, client, person, status):
    make_idea(app, person, title="Geheim idee", status=IdeaStatus(status))
    html = profile(client, person)
    assert "Geheim idee" not in html and "0 ideas" in html


@pytest.mark.parametrize("case", ["deleted", "hidden", "idea hidden", "idea pending", "proposal hidden"])
def test_comments_that_are_not_public_are_never_shown(app, client, person, create_user, case):
    if case.startswith("proposal"):
        target_id, kind = make_proposal(app), "proposal"
    else:
        target_id, kind = make_idea(app, create_user()), "idea"
    comment_id = add_comment(app, person, target_id, "Niet voor iedereen", kind=kind)
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        if case == "deleted":
            comments.delete_comment(comment)
        elif case == "hidden":
            comments.hide_comment(comment, "offensive")
        db.session.commit()
    if case == "idea hidden":
        change(app, Idea, target_id, status=IdeaStatus.HIDDEN)
    elif case == "idea pending":
        change(app, Idea, target_id, status=IdeaStatus.PENDING)
    elif case == "proposal hidden":
        change(app, Proposal, target_id, hidden_at=utcnow(), hidden_reason="spam")
    html = profile(client, person, "show=comments")
    assert "Niet voor iedereen" not in html and "0 comments" in html


def test_staff_profiles_list_their_visible_proposals(app, client, catalogue, create_user):
    coordinator = create_user("coordinator", display_name="Cora")
    shown = make_proposal(app, coordinator, title="Zichtbaar voorstel")
    hidden = make_proposal(app, coordinator, title="Verborgen voorstel")
    change(app, Proposal, hidden, hidden_at=utcnow(), hidden_reason="spam")
    html = profile(client, coordinator, "show=proposals")
    assert "1 proposal" in html and "Zichtbaar voorstel" in html and "Verborgen voorstel" not in html
    assert f'href="/proposals/{shown}"' in html


def test_residents_have_no_proposal_section(app, client, person):
    make_proposal(app, person, title="Van een bewoner")
    html = profile(client, person, "show=proposals")
    assert "Van een bewoner" not in html and "proposal" not in html.split("<main", 1)[1].lower().split("</main>")[0]


def test_a_deleted_account_shows_as_former_participant_without_contributions(app, client, person):
    from participation.accounts.privacy import delete_account
    make_idea(app, person, title="Oud idee")
    with app.app_context():
        delete_account(db.session.get(User, person.id))
        db.session.commit()
    html = profile(client, person)
    assert "former participant" in html and "Petra" not in html and "Oud idee" not in html


def test_unknown_and_unconfirmed_people_have_no_profile(client, unverified_resident):
    assert client.get("/people/999999").status_code == 404
    assert client.get(f"/people/{unverified_resident.id}").status_code == 404
    assert client.get("/people/abc").status_code == 404


def test_author_names_link_to_profiles_except_for_deleted_accounts(app, client, person, create_user):
    from participation.accounts.privacy import delete_account
    idea_id = make_idea(app, create_user())
    add_comment(app, person, idea_id, "Van Petra")
    gone = create_user(display_name="Vertrokken")
    add_comment(app, gone, idea_id, "Van iemand die wegging")
    with app.app_context():
        delete_account(db.session.get(User, gone.id))
        db.session.commit()
    html = client.get(f"/ideas/{idea_id}/comments?lang=en").get_data(as_text=True)
    assert f'<a href="/people/{person.id}">Petra Publiek</a>' in html
    assert f"/people/{gone.id}" not in html and "former participant" in html


def test_profiles_are_paged_bounded_and_ignore_bad_parameters(app, client, person, create_user, count_queries):
    other_idea = make_idea(app, create_user())

    def queries_for(query):
        with count_queries() as counter:
            profile(client, person, query)
        return counter.count

    make_idea(app, person, title="Idee 0")
    add_comment(app, person, other_idea, "Reactie 0")
    small = {query: queries_for(query) for query in ("", "show=comments")}
    for n in range(1, 25):
        make_idea(app, person, title=f"Idee {n}")
        add_comment(app, person, other_idea, f"Reactie {n}")
    assert {query: queries_for(query) for query in small} == small
    assert max(small.values()) <= 3  # person, counts, one page
    first = profile(client, person)
    assert first.count("<li>\n    <a href=\"/ideas/") == 20 and "Page 1 of 2" in first
    second = profile(client, person, "page=2")
    assert second.count("<li>\n    <a href=\"/ideas/") == 5
    assert profile(client, person, "show=comments&page=2").count('href="/comments/') == 5
    for bad in ("show=secrets", "show=proposals", "page=abc", "page=-1", "show=&page=%00"):
        assert profile(client, person, bad).count("<li>\n    <a href=\"/ideas/") == 20
