"""Proposals and votes: creating them (staff in scope), voting (one vote per
person, exact counts under concurrency), results, the official answer and
its timeline, notices when voting opens and closes."""
import random
import re
import threading
from datetime import date, datetime, time, timedelta, timezone

import pytest
from flask import render_template
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.notifications.models import Follow, FollowTarget, Notification, NotificationKind
from participation.programme.models import Initiative, Municipality, Neighbourhood
from participation.proposals.models import (Eligibility, Proposal, ProposalStatus, ProposalUpdate, ResultsShown,
                                            Vote, VoteChoice, VotingMethod)
from tests.conftest import sign_in

INITIATIVE = "veerkrachtige-wijken"      # Maastricht, Sittard-Geleen, Vaals
REGION_WIDE = "landelijke-programmas"    # no municipalities


# --- helpers -------------------------------------------------------------------------

def english(path: str) -> str:
    return path + ("&" if "?" in path else "?") + "lang=en"


def page(client, path: str) -> str:
    response = client.get(english(path))
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def neighbourhood(app, slug: str) -> Neighbourhood:
    with app.app_context():
        place = db.session.scalars(select(Neighbourhood).where(Neighbourhood.slug == slug)).one()
        db.session.expunge(place)
        return place


def initiative_id(app, slug: str = INITIATIVE) -> int:
    with app.app_context():
        return db.session.scalars(select(Initiative.id).where(Initiative.slug == slug)).one()


def give_scope(app, user, neighbourhoods=(), municipalities=(), everywhere=False) -> None:
    with app.app_context():
        person = db.session.get(User, user.id)
        person.coordinated_neighbourhoods = list(db.session.scalars(
            select(Neighbourhood).where(Neighbourhood.slug.in_(neighbourhoods))))
        person.moderated_municipalities = list(db.session.scalars(
            select(Municipality).where(Municipality.slug.in_(municipalities))))
        person.moderates_everywhere = everywhere
        db.session.commit()


_PLACES: dict = {}


def living_in(create_user, slug: str | None, **fields):
    """A resident (verified unless verified=False) whose profile names this
    neighbourhood and its municipality; None: no place. Needs the `places` fixture."""
    if slug is None:
        return create_user("resident", **fields)
    return create_user("resident", **fields, **_PLACES[slug])


@pytest.fixture
def places(app, catalogue):
    """Fill the slug → {municipality_id, neighbourhood_id} table living_in() uses."""
    with app.app_context():
        for place in db.session.scalars(select(Neighbourhood)):
            _PLACES[place.slug] = {"municipality_id": place.municipality_id, "neighbourhood_id": place.id}
    yield _PLACES
    _PLACES.clear()


def make_idea(app, author, *, initiative=INITIATIVE, status=IdeaStatus.PUBLISHED, title="Benches in the park",
              language="nl") -> Idea:
    with app.app_context():
        idea = Idea(initiative_id=initiative_id(app, initiative), author_id=author.id if author else None,
                    title=title, body_markdown="More benches.", body_html="<p>More benches.</p>", status=status,
                    language=language, published_at=utcnow() if status == IdeaStatus.PUBLISHED else None)
        db.session.add(idea)
        db.session.commit()
        db.session.refresh(idea)
        db.session.expunge(idea)
        return idea


def fresh(app, proposal_id: int) -> Proposal:
    with app.app_context():
        proposal = db.session.get(Proposal, proposal_id)
        db.session.expunge(proposal)
        return proposal


def votes(app, proposal_id: int) -> list[tuple[int, VoteChoice]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Vote.user_id, Vote.choice).where(Vote.proposal_id == proposal_id).order_by(Vote.user_id))]


def counts(app, proposal_id: int) -> dict:
    p = fresh(app, proposal_id)
    return {"support": p.votes_support, "for": p.votes_for, "against": p.votes_against, "abstain": p.votes_abstain}


def counted_from_rows(app, proposal_id: int) -> dict:
    tally = {"support": 0, "for": 0, "against": 0, "abstain": 0}
    for _user, choice in votes(app, proposal_id):
        tally[choice.value] += 1
    return tally


def notifications(app, kind: NotificationKind | None = None) -> list[Notification]:
    with app.app_context():
        statement = select(Notification).order_by(Notification.id)
        if kind is not None:
            statement = statement.where(Notification.kind == kind)
        rows = db.session.scalars(statement).all()
        db.session.expunge_all()
        return rows


def follow(app, user, kind: FollowTarget, target_id: int) -> None:
    with app.app_context():
        db.session.add(Follow(user_id=user.id, target_kind=kind, target_id=target_id))
        db.session.commit()


def vote(client, proposal_id: int, choice: str | None):
    data = {} if choice is None else {"choice": choice}
    return client.post(english(f"/proposals/{proposal_id}/vote"), data=data)


def form_data(**changes) -> dict:
    data = {
        "title": "Benches on the Markt",
        "body": "We place *three* benches.",
        "language": "en",
        "neighbourhood": "",
        "opens_date": "2030-03-04",
        "opens_time": "09:00",
        "closes_date": "2030-03-18",
        "closes_time": "17:00",
        "method": "for_against",
        "results_shown": "live",
        "eligibility": "all",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def coordinator_malpertuis(app, catalogue, coordinator):
    give_scope(app, coordinator, neighbourhoods=["malpertuis"])
    return coordinator


# --- creating proposals -------------------------------------------------------------------

def test_coordinator_creates_a_proposal_for_their_neighbourhood(app, client, coordinator_malpertuis):
    malpertuis = neighbourhood(app, "malpertuis")
    sign_in(client, coordinator_malpertuis)
    html = page(client, f"/initiatives/{INITIATIVE}/proposals/new")
    assert 'type="date"' in html and 'type="time"' in html
    assert "Malpertuis" in html and "Caberg" not in html.split('id="neighbourhood"')[1].split("</select>")[0]

    response = client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"),
                           data=form_data(neighbourhood=str(malpertuis.id), results_shown="after_closing",
                                          method="support"))
    assert response.status_code == 302
    proposal_id = int(re.search(r"/proposals/(\d+)$", response.location).group(1))
    proposal = fresh(app, proposal_id)
    assert proposal.neighbourhood_id == malpertuis.id
    assert proposal.created_by_id == coordinator_malpertuis.id
    # 4 March 2030 09:00 in Amsterdam is winter time (UTC+1); 18 March too.
    assert proposal.voting_opens_at == datetime(2030, 3, 4, 8, 0, tzinfo=timezone.utc)
    assert proposal.voting_closes_at == datetime(2030, 3, 18, 16, 0, tzinfo=timezone.utc)
    assert (proposal.method, proposal.results_shown, proposal.eligibility) == (
        VotingMethod.SUPPORT, ResultsShown.AFTER_CLOSING, Eligibility.ALL_VERIFIED)
    assert proposal.body_html == "<p>We place <em>three</em> benches.</p>"

    html = page(client, f"/proposals/{proposal_id}")
    assert "Benches on the Markt" in html and "Voting opens on" in html


@pytest.mark.parametrize("day, clock, expected", [
    (date(2030, 1, 15), time(10, 0), datetime(2030, 1, 15, 9, 0, tzinfo=timezone.utc)),   # winter: UTC+1
    (date(2030, 7, 1), time(10, 0), datetime(2030, 7, 1, 8, 0, tzinfo=timezone.utc)),     # summer: UTC+2
    (date(2030, 3, 31), time(2, 30), None),                                               # skipped hour
    (date(2030, 3, 31), time(3, 0), datetime(2030, 3, 31, 1, 0, tzinfo=timezone.utc)),
    (date(2030, 10, 27), time(2, 30), datetime(2030, 10, 27, 0, 30, tzinfo=timezone.utc)),  # twice: the first
    (date(2030, 10, 27), time(3, 0), datetime(2030, 10, 27, 2, 0, tzinfo=timezone.utc)),
])
def test_local_times_become_utc_safely_around_daylight_saving(app, day, clock, expected):
    from participation.proposals.forms import local_to_utc, utc_to_local

    with app.app_context():
        assert local_to_utc(day, clock) == expected
        if expected is not None and clock != time(2, 30):
            assert utc_to_local(expected) == (day, clock)


def test_a_time_that_does_not_exist_is_refused(app, client, admin, catalogue):
    sign_in(client, admin)
    response = client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"),
                           data=form_data(opens_date="2030-03-31", opens_time="02:30"))
    assert response.status_code == 200
    assert "This time does not exist on that day" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0


@pytest.mark.parametrize("changes, message", [
    ({"closes_date": "2030-03-04", "closes_time": "08:00"}, "Voting must close after it opens"),
    ({"closes_date": "2030-03-04", "closes_time": "09:00"}, "Voting must close after it opens"),
    ({"opens_date": "2020-01-01", "closes_date": "2020-01-02"}, "The closing date and time must be in the future"),
    ({"closes_date": ""}, "Enter the date voting closes"),
    ({"closes_time": ""}, "Enter the time voting closes"),
    ({"closes_date": "2030-13-45"}, "Enter a real date"),
    ({"closes_date": "0001-01-01"}, "Enter a real date"),
    ({"closes_date": "not a date"}, "Enter a real date"),
    ({"opens_time": "25:99"}, "Enter a real time"),
    ({"title": ""}, "Enter a title"),
    ({"title": "x" * 121}, "between 5 and 120 characters"),
    ({"method": "plurality"}, "Not a valid choice"),
    ({"eligibility": "area"}, "Choose at least one municipality or neighbourhood"),
    ({"area_municipalities": "abc", "eligibility": "area"}, "Invalid choice"),
    ({"area_municipalities": "999999", "eligibility": "area"}, "not a valid choice"),
    ({"language": "xx"}, "Not a valid choice"),
    ({"title": "Bad\x00title"}, "Remove the invisible or special characters"),
])
def test_bad_input_gives_a_message_and_keeps_what_was_typed(app, client, admin, catalogue, changes, message):
    sign_in(client, admin)
    response = client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"), data=form_data(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'class="error-summary"' in html
    if "title" not in changes:
        assert 'value="Benches on the Markt"' in html  # nothing typed is lost
    assert "We place *three* benches." in html
    if "opens_date" not in changes:
        assert 'value="2030-03-04"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_area_vote_keeps_the_chosen_places(app, client, admin, catalogue):
    caberg = neighbourhood(app, "caberg")
    with app.app_context():
        vaals = db.session.scalars(select(Municipality.id).where(Municipality.slug == "vaals")).one()
    sign_in(client, admin)
    response = client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"), data=form_data(
        eligibility="area", area_municipalities=[str(vaals)], area_neighbourhoods=[str(caberg.id)]))
    assert response.status_code == 302
    with app.app_context():
        proposal = db.session.scalars(select(Proposal)).one()
        assert proposal.eligibility == Eligibility.AREA
        assert [m.id for m in proposal.municipalities] == [vaals]
        assert [n.id for n in proposal.neighbourhoods] == [caberg.id]


def _staff(create_user, app, kind):
    if kind == "resident":
        return create_user("resident")
    if kind == "coordinator elsewhere":
        person = create_user("coordinator")
        give_scope(app, person, neighbourhoods=["hoensbroek"])  # Heerlen: not in the initiative
        return person
    if kind == "coordinator without neighbourhoods":
        return create_user("coordinator")
    if kind == "moderator elsewhere":
        person = create_user("moderator")
        give_scope(app, person, municipalities=["heerlen"])
        return person
    raise ValueError(kind)


@pytest.mark.parametrize("kind", ["resident", "coordinator elsewhere", "coordinator without neighbourhoods",
                                  "moderator elsewhere"])
def test_people_outside_the_scope_cannot_create_a_proposal(app, client, catalogue, create_user, kind):
    person = _staff(create_user, app, kind)
    sign_in(client, person)
    assert client.get(english(f"/initiatives/{INITIATIVE}/proposals/new")).status_code == 403
    assert client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"), data=form_data()).status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_anonymous_people_are_sent_to_sign_in(client, catalogue):
    response = client.get(f"/initiatives/{INITIATIVE}/proposals/new")
    assert response.status_code == 302 and "/signin" in response.location


def test_coordinator_cannot_attach_a_neighbourhood_they_do_not_coordinate(app, client, coordinator_malpertuis):
    caberg = neighbourhood(app, "caberg")
    sign_in(client, coordinator_malpertuis)
    for value in (str(caberg.id), "", "abc", "99999999999"):
        response = client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"),
                               data=form_data(neighbourhood=value))
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert ("Choose one of the neighbourhoods in the list" in html
                or "Choose the neighbourhood this proposal is for" in html)
    with app.app_context():
        assert db.session.scalar(select(func.count(Proposal.id))) == 0


def test_moderator_may_create_without_neighbourhood_and_coordinator_outside_scope_may_not_edit(
        app, client, catalogue, create_user, create_proposal, coordinator_malpertuis):
    moderator = create_user("moderator")
    give_scope(app, moderator, municipalities=["maastricht"])
    sign_in(client, moderator)
    assert client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"), data=form_data()).status_code == 302

    in_caberg = create_proposal(neighbourhood="caberg")
    in_malpertuis = create_proposal(neighbourhood="malpertuis")
    other = app.test_client()
    sign_in(other, coordinator_malpertuis)
    assert other.get(f"/proposals/{in_caberg.id}/edit").status_code == 403
    assert other.post(f"/proposals/{in_caberg.id}/edit", data=form_data()).status_code == 403
    assert other.get(f"/proposals/{in_caberg.id}/updates/new").status_code == 403
    assert other.get(f"/proposals/{in_malpertuis.id}/edit").status_code == 200
    assert "Edit proposal" not in page(other, f"/proposals/{in_caberg.id}")
    assert "Edit proposal" in page(other, f"/proposals/{in_malpertuis.id}")


def test_region_wide_initiative_needs_a_moderator_of_everywhere_or_a_neighbourhood(app, client, catalogue,
                                                                                    create_user):
    moderator = create_user("moderator")
    give_scope(app, moderator, municipalities=["heerlen"])
    sign_in(client, moderator)
    assert client.post(english(f"/initiatives/{REGION_WIDE}/proposals/new"),
                       data=form_data()).status_code == 200  # must choose a neighbourhood in Heerlen
    hoensbroek = neighbourhood(app, "hoensbroek")
    assert client.post(english(f"/initiatives/{REGION_WIDE}/proposals/new"),
                       data=form_data(neighbourhood=str(hoensbroek.id))).status_code == 302


# --- from ideas -------------------------------------------------------------------------------

def test_proposal_from_ideas_credits_and_notifies_their_authors(app, client, admin, catalogue, create_user, outbox):
    anna = create_user("resident", display_name="Anna Schmidt", language="de")
    odile = create_user("resident", display_name="Odile Martin", language="fr")
    first = make_idea(app, anna, title="Schaukeln im Park")
    second = make_idea(app, odile, title="Des bancs au soleil")
    third = make_idea(app, anna, title="Mehr Bäume")
    draft = make_idea(app, anna, status=IdeaStatus.DRAFT, title="Secret draft")
    elsewhere = make_idea(app, anna, initiative=REGION_WIDE, title="Other initiative")

    sign_in(client, admin)
    html = page(client, f"/initiatives/{INITIATIVE}/proposals/new?idea={first.id}&idea={draft.id}&idea={elsewhere.id}")
    assert "Schaukeln im Park" in html and "Secret draft" not in html and "Other initiative" not in html
    assert re.search(rf'value="{first.id}" checked', html)

    for bad in (draft.id, elsewhere.id):
        response = client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"),
                               data=form_data(ideas=[str(first.id), str(bad)]))
        assert response.status_code == 200 and "not a valid choice" in response.get_data(as_text=True)

    response = client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"),
                           data=form_data(ideas=[str(first.id), str(second.id), str(third.id)]))
    assert response.status_code == 302
    proposal_id = int(response.location.rsplit("/", 1)[1])

    html = page(client, f"/proposals/{proposal_id}")
    for text in ("Schaukeln im Park", "Des bancs au soleil", "Mehr Bäume", "Anna Schmidt", "Odile Martin"):
        assert text in html

    sent = notifications(app, NotificationKind.IDEA_IN_PROPOSAL)
    assert sorted(n.user_id for n in sent) == sorted([anna.id, odile.id])  # each author once
    assert all(n.target_kind == "proposal" and n.target_id == proposal_id for n in sent)
    emails = {email.to_address: email for email in outbox()}
    assert set(emails) == {anna.email, odile.email}
    # In each author's own language: the page language and the dates (4 March 2030).
    assert 'lang="de"' in emails[anna.email].html_body and "März" in emails[anna.email].text_body
    assert 'lang="fr"' in emails[odile.email].html_body and "mars" in emails[odile.email].text_body
    assert "Schaukeln im Park" in emails[anna.email].text_body and "Mehr Bäume" in emails[anna.email].text_body
    assert f"/proposals/{proposal_id}" in emails[anna.email].text_body


# --- voting -------------------------------------------------------------------------------------

def test_vote_change_and_withdraw_adjust_the_counts(app, client, resident, create_proposal):
    proposal = create_proposal()
    sign_in(client, resident)
    assert vote(client, proposal.id, "for").status_code == 302
    assert counts(app, proposal.id) == {"support": 0, "for": 1, "against": 0, "abstain": 0}
    assert "Thank you! Your vote is counted." in page(client, f"/proposals/{proposal.id}")

    vote(client, proposal.id, "for")
    assert counts(app, proposal.id)["for"] == 1
    vote(client, proposal.id, "against")
    assert counts(app, proposal.id) == {"support": 0, "for": 0, "against": 1, "abstain": 0}
    assert votes(app, proposal.id) == [(resident.id, VoteChoice.AGAINST)]
    html = page(client, f"/proposals/{proposal.id}")
    assert "Your vote is changed." in html and "Your vote: Against." in html and "Withdraw my vote" in html

    assert client.post(english(f"/proposals/{proposal.id}/vote/withdraw")).status_code == 302
    assert counts(app, proposal.id) == {"support": 0, "for": 0, "against": 0, "abstain": 0}
    assert votes(app, proposal.id) == []
    assert "Your vote is withdrawn." in page(client, f"/proposals/{proposal.id}")
    client.post(english(f"/proposals/{proposal.id}/vote/withdraw"))
    assert "You had not voted on this proposal." in page(client, f"/proposals/{proposal.id}")


def test_support_vote(app, client, resident, create_proposal):
    proposal = create_proposal(method=VotingMethod.SUPPORT)
    sign_in(client, resident)
    assert "I support this proposal" in page(client, f"/proposals/{proposal.id}")
    vote(client, proposal.id, "for")  # not a choice of a support vote
    assert votes(app, proposal.id) == []
    vote(client, proposal.id, "support")
    assert counts(app, proposal.id)["support"] == 1
    assert "You support this proposal." in page(client, f"/proposals/{proposal.id}")


@pytest.mark.parametrize("choice", [None, "", "support", "bogus", "x" * 5000])
def test_a_bad_choice_is_refused_without_error(app, client, resident, create_proposal, choice):
    proposal = create_proposal()
    sign_in(client, resident)
    response = vote(client, proposal.id, choice)
    assert response.status_code == 302
    assert votes(app, proposal.id) == []
    assert "Choose your vote" in page(client, f"/proposals/{proposal.id}")


@pytest.mark.parametrize("window, message", [
    ("before", "Voting opens on"),
    ("after", "Voting closed on"),
])
def test_no_votes_outside_the_window(app, client, resident, create_proposal, window, message):
    now = utcnow()
    if window == "before":
        proposal = create_proposal(voting_opens_at=now + timedelta(days=1), voting_closes_at=now + timedelta(days=8))
    else:
        proposal = create_proposal(voting_opens_at=now - timedelta(days=8), voting_closes_at=now - timedelta(days=1))
    html = page(client, f"/proposals/{proposal.id}")
    assert message in html and 'name="choice"' not in html
    sign_in(client, resident)
    assert vote(client, proposal.id, "for").status_code == 302
    assert client.post(english(f"/proposals/{proposal.id}/vote/withdraw")).status_code == 302
    assert votes(app, proposal.id) == []
    html = page(client, f"/proposals/{proposal.id}")
    assert 'class="notice notice--error"' in html and message in html


def test_the_window_closes_at_its_closing_moment(app, resident, create_proposal):
    from participation.proposals.policy import why_cannot_vote

    proposal = create_proposal()
    with app.app_context():
        p = db.session.get(Proposal, proposal.id)
        user = db.session.get(User, resident.id)
        assert why_cannot_vote(user, p, p.voting_opens_at) is None
        assert why_cannot_vote(user, p, p.voting_opens_at - timedelta(seconds=1)) == "not_open"
        assert why_cannot_vote(user, p, p.voting_closes_at - timedelta(seconds=1)) is None
        assert why_cannot_vote(user, p, p.voting_closes_at) == "closed"


def test_anonymous_and_unverified_people_see_why_they_cannot_vote(app, client, unverified_resident,
                                                                   create_proposal):
    proposal = create_proposal()
    html = page(client, f"/proposals/{proposal.id}")
    assert "Sign in to vote" in html and 'name="choice"' not in html
    response = vote(client, proposal.id, "for")
    assert response.status_code == 302 and response.location == f"/signin?next=/proposals/{proposal.id}"

    sign_in(client, unverified_resident)
    html = page(client, f"/proposals/{proposal.id}")
    assert "First confirm your email address" in html and "Send the email again" in html
    vote(client, proposal.id, "for")
    assert votes(app, proposal.id) == []
    assert "First confirm your email address" in page(client, f"/proposals/{proposal.id}")


def test_area_votes_only_for_residents_of_the_area(app, client, places, create_user, create_proposal):
    proposal = create_proposal(area=["maastricht", "lemiers"])  # Lemiers is in Vaals
    inside = living_in(create_user, "caberg")                     # Maastricht
    in_lemiers = living_in(create_user, "lemiers")
    elsewhere = living_in(create_user, "hoensbroek")              # Heerlen
    nowhere = living_in(create_user, None)

    for person, allowed in ((inside, True), (in_lemiers, True), (elsewhere, False), (nowhere, False)):
        person_client = app.test_client()
        sign_in(person_client, person)
        html = page(person_client, f"/proposals/{proposal.id}")
        assert "Only residents of Maastricht, Lemiers (Vaals) can vote on this proposal." in html
        if allowed:
            assert 'name="choice"' in html
        else:
            assert 'name="choice"' not in html and "Set your place in your profile" in html
            assert ("Have you moved?" in html) == (person is elsewhere)
        vote(person_client, proposal.id, "for")
    assert sorted(user_id for user_id, _ in votes(app, proposal.id)) == sorted([inside.id, in_lemiers.id])
    assert counts(app, proposal.id)["for"] == 2


def test_municipality_only_profile_is_asked_for_the_neighbourhood(app, client, places, create_user, create_proposal):
    proposal = create_proposal(area=["caberg"])
    person = create_user("resident", municipality_id=places["caberg"]["municipality_id"])
    sign_in(client, person)
    html = page(client, f"/proposals/{proposal.id}")
    assert "Set your place in your profile to vote" in html


def test_voting_is_rate_limited_per_account(make_app, _schema, app, create_user, create_proposal):
    proposal = create_proposal()
    limited = make_app(PROPOSAL_VOTE_RATE_LIMIT="3 per minute")
    first, second = limited.test_client(), limited.test_client()
    sign_in(first, create_user("resident"))
    sign_in(second, create_user("resident"))
    statuses = [vote(first, proposal.id, choice).status_code for choice in ("for", "against", "for", "abstain")]
    assert statuses == [302, 302, 302, 429]
    assert vote(second, proposal.id, "for").status_code == 302  # another account is not held up
    assert counts(app, proposal.id) == counted_from_rows(app, proposal.id)


# --- concurrency -----------------------------------------------------------------------------------

def _concurrent_app(make_app):
    return make_app(PROPOSAL_VOTE_RATE_LIMIT="10000 per minute", SQLITE_BUSY_TIMEOUT_MS=60000)


def _run_together(jobs) -> list:
    """Start every job at the same moment (a barrier) and return their results."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)
    errors = []

    def run(index, job):
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except Exception as error:  # reported below, with the others
            errors.append(error)

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_fifty_concurrent_votes_by_one_person_count_once(make_app, _schema, app, resident, create_proposal):
    proposal = create_proposal()
    concurrent = _concurrent_app(make_app)
    clients = []
    for _ in range(50):
        person_client = concurrent.test_client()
        assert sign_in(person_client, resident).status_code == 302
        clients.append(person_client)
    choices = [random.choice(["for", "against", "abstain"]) for _ in clients]
    responses = _run_together([lambda c=c, choice=choice: vote(c, proposal.id, choice).status_code
                               for c, choice in zip(clients, choices)])
    assert responses == [302] * 50
    [(user_id, choice)] = votes(app, proposal.id)
    assert user_id == resident.id
    expected = {"support": 0, "for": 0, "against": 0, "abstain": 0}
    expected[choice.value] = 1
    assert counts(app, proposal.id) == expected


def test_concurrent_votes_and_withdrawals_by_one_person_keep_counts_exact(make_app, _schema, app, resident,
                                                                         create_proposal):
    proposal = create_proposal()
    concurrent = _concurrent_app(make_app)
    clients = []
    for _ in range(30):
        person_client = concurrent.test_client()
        sign_in(person_client, resident)
        clients.append(person_client)

    def job(person_client, index):
        if index % 3 == 0:
            return person_client.post(f"/proposals/{proposal.id}/vote/withdraw").status_code
        return vote(person_client, proposal.id, ("for", "against", "abstain")[index % 3]).status_code

    responses = _run_together([lambda c=c, i=i: job(c, i) for i, c in enumerate(clients)])
    assert set(responses) == {302}
    assert len(votes(app, proposal.id)) <= 1
    assert counts(app, proposal.id) == counted_from_rows(app, proposal.id)


def test_twenty_people_voting_at_once_give_twenty_votes(make_app, _schema, app, create_user, create_proposal):
    proposal = create_proposal()
    concurrent = _concurrent_app(make_app)
    clients = []
    for _ in range(20):
        person_client = concurrent.test_client()
        sign_in(person_client, create_user("resident"))
        clients.append(person_client)
    responses = _run_together([lambda c=c: vote(c, proposal.id, "for").status_code for c in clients])
    assert responses == [302] * 20
    assert counts(app, proposal.id) == {"support": 0, "for": 20, "against": 0, "abstain": 0}
    assert len(votes(app, proposal.id)) == 20


def test_a_lost_race_on_the_unique_constraint_becomes_a_change(app, resident, create_proposal):
    """The same person's vote inserted by another transaction between our read
    and our insert: the savepoint catches it and the vote is changed instead."""
    from participation.proposals import operations

    proposal = create_proposal()
    with app.test_request_context("/", method="POST"):
        p = db.session.get(Proposal, proposal.id)
        user = db.session.get(User, resident.id)
        real_current = operations._current_choice
        calls = []

        def stale_then_real(proposal_id, user_id):
            calls.append(1)
            if len(calls) == 1:
                # Another request of this person wins the race in between.
                db.session.execute(Vote.__table__.insert().values(
                    proposal_id=proposal_id, user_id=user_id, choice=VoteChoice.FOR, created_at=utcnow(),
                    updated_at=utcnow()))
                db.session.execute(Proposal.__table__.update().where(Proposal.id == proposal_id)
                                   .values(votes_for=Proposal.votes_for + 1))
                return None
            return real_current(proposal_id, user_id)

        operations._current_choice = stale_then_real
        try:
            assert operations.cast_vote(user, p, VoteChoice.AGAINST) == "changed"
        finally:
            operations._current_choice = real_current
        db.session.commit()
    assert votes(app, proposal.id) == [(resident.id, VoteChoice.AGAINST)]
    assert counts(app, proposal.id) == {"support": 0, "for": 0, "against": 1, "abstain": 0}


# --- results --------------------------------------------------------------------------------------

def test_results_hidden_until_closing_when_so_chosen(app, client, resident, create_proposal):
    proposal = create_proposal(results_shown=ResultsShown.AFTER_CLOSING, votes_for=7, votes_against=2)
    html = page(client, f"/proposals/{proposal.id}")
    assert "The numbers are shown after voting closes on" in html
    assert "7 votes" not in html and "bar-chart" not in html
    html = page(client, f"/proposals/{proposal.id}/results")
    assert "The results are shown here after voting closes" in html and "<table" not in html

    live = create_proposal(votes_for=7, votes_against=2)
    html = page(client, f"/proposals/{live.id}")
    assert "Votes so far" in html and "7 votes" in html


def test_results_page_after_closing_with_turnout_chart_and_table(app, client, places, create_user,
                                                                 create_proposal):
    now = utcnow()
    proposal = create_proposal(area=["maastricht"], results_shown=ResultsShown.AFTER_CLOSING,
                               voting_opens_at=now - timedelta(days=10), voting_closes_at=now - timedelta(days=1),
                               votes_for=2, votes_against=1, votes_abstain=1)
    for slug in ("caberg", "caberg", "malpertuis", "randwyck", "pottenberg", "malberg", "caberg", "caberg"):
        living_in(create_user, slug)
    living_in(create_user, "caberg", verified=False)  # cannot vote: not counted
    living_in(create_user, "hoensbroek")              # lives elsewhere: not counted

    response = client.get(english(f"/proposals/{proposal.id}/results"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "style=" not in html  # the CSP forbids inline styles
    figures = re.findall(r"<dt>(.*?)</dt>\s*<dd>(.*?)</dd>", html)
    assert ("Votes cast", "4") in figures
    assert ("Residents who could vote", "8") in figures
    assert ("Turnout", "50%") in figures
    assert "2 votes (50%)" in html and "1 vote (25%)" in html  # the chart's numbers as text
    assert re.search(r'<rect class="bar-chart__fill bar-chart__fill--for" [^>]*width="50"', html)
    assert re.search(r'<rect class="bar-chart__fill bar-chart__fill--against" [^>]*width="25"', html)
    assert 'aria-hidden="true"' in html
    rows = re.findall(r'<tr><th scope="row">(\w+)</th><td class="table__number">(\d+)</td>'
                      r'<td class="table__number">([^<]+)</td></tr>', html)
    assert rows == [("For", "2", "50%"), ("Against", "1", "25%"), ("Abstain", "1", "25%"), ("Total", "4", "100%")]

    everyone = create_proposal(voting_opens_at=now - timedelta(days=10), voting_closes_at=now - timedelta(days=1))
    html = page(client, f"/proposals/{everyone.id}/results")
    assert "Everyone with a confirmed account could vote." in html and "Residents who could vote" not in html
    assert "0 votes cast" in html


# --- the official answer -------------------------------------------------------------------------

def test_status_updates_make_a_timeline_and_notify_everyone_involved(app, client, create_user, places,
                                                                     create_proposal, coordinator_malpertuis,
                                                                     outbox):
    from participation.proposals import operations

    author = create_user("resident", display_name="Idea Author", language="de")
    voter = create_user("resident", display_name="Vera Voter", language="fr")
    follower = create_user("resident", display_name="Fiona Follower", language="en")
    idea = make_idea(app, author, title="Trees for the square")
    proposal = create_proposal(neighbourhood="malpertuis", ideas=[idea])
    with app.test_request_context("/", method="POST"):
        operations.cast_vote(db.session.get(User, voter.id), db.session.get(Proposal, proposal.id), VoteChoice.FOR)
        db.session.commit()
    follow(app, follower, FollowTarget.PROPOSAL, proposal.id)
    with app.app_context():  # voting closes
        row = db.session.get(Proposal, proposal.id)
        row.voting_opens_at, row.voting_closes_at = utcnow() - timedelta(days=8), utcnow() - timedelta(minutes=1)
        db.session.commit()

    resident_client = app.test_client()
    sign_in(resident_client, voter)
    assert resident_client.get(f"/proposals/{proposal.id}/updates/new").status_code == 403
    assert resident_client.post(f"/proposals/{proposal.id}/updates/new",
                                data={"status": "adopted", "explanation": "x", "language": "en"}).status_code == 403

    sign_in(client, coordinator_malpertuis)
    response = client.post(english(f"/proposals/{proposal.id}/updates/new"), data={
        "status": "adopted", "language": "en",
        "explanation": "The council said **yes**. <script>alert(1)</script> Work starts in May."})
    assert response.status_code == 302
    assert fresh(app, proposal.id).status == ProposalStatus.ADOPTED

    html = page(client, f"/proposals/{proposal.id}")
    timeline = html.split('id="timeline"')[1]
    assert "Adopted" in timeline and "<strong>yes</strong>" in timeline
    assert "<script>" not in html and "alert(1)" in timeline  # the tag is stripped, the text stays
    for step in ("The proposal was published.", "Voting opened.", "Voting closed."):
        assert step in timeline

    # "What happened with my idea": the partial the idea page includes.
    with app.test_request_context("/?lang=en"):
        partial = render_template("_partials/idea_timeline.html", idea=db.session.get(Idea, idea.id))
    assert "What happened with this idea" in partial
    assert "The idea became part of the proposal" in partial and f"/proposals/{proposal.id}" in partial
    assert "Adopted" in partial and "<strong>yes</strong>" in partial
    html = page(app.test_client(), f"/ideas/{idea.id}")  # the idea page includes it
    assert "What happened with this idea" in html and "The council said" in html

    changes = notifications(app, NotificationKind.STATUS_CHANGE)
    assert sorted(n.user_id for n in changes) == sorted([author.id, voter.id, follower.id])
    assert changes[0].params == {"title": fresh(app, proposal.id).title, "status": "adopted"}
    emails = {email.to_address: email for email in outbox()
              if f"/proposals/{proposal.id}#timeline" in email.text_body}
    assert {author.email, voter.email, follower.email} <= set(emails)
    assert 'lang="de"' in emails[author.email].html_body and 'lang="fr"' in emails[voter.email].html_body
    assert coordinator_malpertuis.email not in emails  # the actor is not told about their own update

    # Next steps: only the ones that may follow.
    html = page(client, f"/proposals/{proposal.id}/updates/new")
    assert 'value="in_progress"' in html and 'value="not_adopted"' not in html
    response = client.post(english(f"/proposals/{proposal.id}/updates/new"),
                           data={"status": "under_consideration", "explanation": "Oops", "language": "en"})
    assert response.status_code == 200 and "Not a valid choice" in response.get_data(as_text=True)


def test_no_decision_before_voting_closes(app, client, admin, create_proposal):
    proposal = create_proposal()
    sign_in(client, admin)
    html = page(client, f"/proposals/{proposal.id}/updates/new")
    assert 'value="under_consideration"' in html and 'value="adopted"' not in html
    response = client.post(english(f"/proposals/{proposal.id}/updates/new"),
                           data={"status": "adopted", "explanation": "Yes", "language": "en"})
    assert response.status_code == 200
    assert fresh(app, proposal.id).status == ProposalStatus.UNDER_CONSIDERATION
    response = client.post(english(f"/proposals/{proposal.id}/updates/new"),
                           data={"status": "under_consideration", "explanation": "We are looking at it.",
                                 "language": "en"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count(ProposalUpdate.id))) == 1


# --- editing -------------------------------------------------------------------------------------

def test_editing_an_open_proposal_keeps_the_voting_settings(app, client, admin, create_proposal, create_user,
                                                            outbox):
    author = create_user("resident", language="en")
    idea = make_idea(app, author, title="Added later")
    proposal = create_proposal(title="Old title")
    sign_in(client, admin)
    html = page(client, f"/proposals/{proposal.id}/edit")
    assert 'value="Old title"' in html
    assert 'name="method"' not in html and 'name="opens_date"' not in html and 'name="closes_date"' in html
    assert "Voting has started, so how and who votes can no longer change." in html

    later = (utcnow() + timedelta(days=20)).astimezone().date().isoformat()
    response = client.post(english(f"/proposals/{proposal.id}/edit"), data={
        "title": "New title", "body": "Changed text.", "language": "en", "neighbourhood": "",
        "ideas": [str(idea.id)], "closes_date": later, "closes_time": "12:00",
        "method": "support"})  # ignored: voting has started
    assert response.status_code == 302
    edited = fresh(app, proposal.id)
    assert edited.title == "New title" and edited.method == VotingMethod.FOR_AGAINST
    assert edited.voting_closes_at.date() >= (utcnow() + timedelta(days=19)).date()
    assert [n.user_id for n in notifications(app, NotificationKind.IDEA_IN_PROPOSAL)] == [author.id]

    response = client.post(english(f"/proposals/{proposal.id}/edit"), data={
        "title": "New title", "body": "Changed text.", "language": "en", "neighbourhood": "",
        "closes_date": "2020-01-01", "closes_time": "12:00"})
    assert response.status_code == 200
    assert "Voting must close after it opens" in response.get_data(as_text=True)


def test_a_proposal_still_to_open_can_change_everything(app, client, admin, create_proposal):
    now = utcnow()
    proposal = create_proposal(voting_opens_at=now + timedelta(days=2), voting_closes_at=now + timedelta(days=9))
    sign_in(client, admin)
    assert 'name="method"' in page(client, f"/proposals/{proposal.id}/edit")
    response = client.post(english(f"/proposals/{proposal.id}/edit"), data=form_data(method="support"))
    assert response.status_code == 302
    assert fresh(app, proposal.id).method == VotingMethod.SUPPORT


# --- voting opened / closed notices ------------------------------------------------------------------

def test_notify_windows_sends_each_notice_once(app, runner, create_user, create_proposal, outbox):
    now = utcnow()
    fan = create_user("resident", language="de")
    initiative_fan = create_user("resident", language="en")
    voter = create_user("resident", language="en")
    opened = create_proposal(title="Open now")
    closed = create_proposal(title="Closed now", voting_opens_at=now - timedelta(days=8),
                             voting_closes_at=now - timedelta(minutes=5), opening_notified_at=now - timedelta(days=8))
    later = create_proposal(title="Later", voting_opens_at=now + timedelta(days=1),
                            voting_closes_at=now + timedelta(days=8))
    hidden = create_proposal(title="Hidden", hidden_at=now, hidden_reason="spam")
    for proposal in (opened, closed, later, hidden):
        follow(app, fan, FollowTarget.PROPOSAL, proposal.id)
    follow(app, initiative_fan, FollowTarget.INITIATIVE, opened.initiative_id)
    with app.app_context():
        db.session.add(Vote(proposal_id=closed.id, user_id=voter.id, choice=VoteChoice.FOR))
        db.session.commit()

    result = runner.invoke(args=["proposals", "notify-windows"])
    assert result.exit_code == 0, result.output
    assert "Voting opened: 2, closed: 1" in result.output  # the hidden one is marked, not announced

    opened_notices = notifications(app, NotificationKind.VOTING_OPENED)
    assert sorted((n.target_id, n.user_id) for n in opened_notices) == sorted(
        [(opened.id, fan.id), (opened.id, initiative_fan.id)])
    closed_notices = notifications(app, NotificationKind.VOTING_CLOSED)
    assert sorted((n.target_id, n.user_id) for n in closed_notices) == sorted([(closed.id, fan.id),
                                                                               (closed.id, voter.id)])
    emails = outbox()
    assert len(emails) == 4
    assert any(email.to_address == fan.email and 'lang="de"' in email.html_body for email in emails)
    assert fresh(app, opened.id).opening_notified_at is not None
    assert fresh(app, later.id).opening_notified_at is None

    again = runner.invoke(args=["proposals", "notify-windows"])
    assert again.exit_code == 0 and "Voting opened: 0, closed: 0" in again.output
    assert len(notifications(app)) == 4 and len(outbox()) == 4


# --- hidden proposals -------------------------------------------------------------------------------

def test_hidden_proposals_never_show_to_the_public(app, client, resident, create_proposal, create_user):
    author = create_user("resident")
    idea = make_idea(app, author)
    visible = create_proposal(title="Visible proposal")
    hidden = create_proposal(title="Secret proposal", hidden_at=utcnow(), hidden_reason="spam", ideas=[idea],
                             body_markdown="Secret body")
    html = page(client, f"/initiatives/{INITIATIVE}/proposals")
    assert "Visible proposal" in html and "Secret proposal" not in html
    assert "Visible proposal" in page(client, f"/initiatives/{INITIATIVE}")
    assert "Secret proposal" not in page(client, f"/initiatives/{INITIATIVE}")

    html = page(client, f"/proposals/{hidden.id}")
    assert "This proposal is hidden by the moderators: spam or advertising." in html
    assert "Secret proposal" not in html and "Secret body" not in html
    assert "Secret proposal" not in page(client, f"/proposals/{hidden.id}/results")

    sign_in(client, resident)
    vote(client, hidden.id, "for")
    assert votes(app, hidden.id) == []
    with app.test_request_context("/?lang=en"):
        from participation.proposals import queries
        assert [p.id for p in queries.open_proposals(10)] == [visible.id]
        assert queries.proposals_for_idea(idea.id) == [] and queries.timeline_for_idea(idea.id) == []


def test_proposals_are_found_by_search_until_hidden(app, client, admin, catalogue, create_proposal):
    from participation.proposals.operations import sync_search
    from participation.search import search

    sign_in(client, admin)
    response = client.post(english(f"/initiatives/{INITIATIVE}/proposals/new"), data=form_data(
        title="Zonnepanelen op het buurthuis", body="Wij leggen panelen op het dak van het buurthuis."))
    proposal_id = int(response.location.rsplit("/", 1)[1])
    create_proposal(title="Zonnepanelen verborgen", hidden_at=utcnow(), hidden_reason="spam")
    with app.test_request_context("/"):
        assert [(hit.kind, hit.object_id) for hit in search("zonnepanelen").hits] == [("proposal", proposal_id)]
        row = db.session.get(Proposal, proposal_id)
        row.hidden_at, row.hidden_reason = utcnow(), "offensive"
        sync_search(row)
        db.session.commit()
        assert search("zonnepanelen").hits == []


# --- lists ------------------------------------------------------------------------------------------

def test_initiative_list_shows_open_first_then_upcoming_then_closed(app, client, create_proposal):
    now = utcnow()
    create_proposal(title="Closed long ago", voting_opens_at=now - timedelta(days=30),
                    voting_closes_at=now - timedelta(days=20))
    create_proposal(title="Closes later", voting_closes_at=now + timedelta(days=9))
    create_proposal(title="Closes soon", voting_closes_at=now + timedelta(days=1))
    create_proposal(title="Not yet open", voting_opens_at=now + timedelta(days=2),
                    voting_closes_at=now + timedelta(days=9))
    create_proposal(title="Just closed", voting_opens_at=now - timedelta(days=10),
                    voting_closes_at=now - timedelta(days=1))
    create_proposal(title="Elsewhere", initiative=REGION_WIDE)
    html = page(client, f"/initiatives/{INITIATIVE}/proposals")
    titles = re.findall(r'lang="nl">(.*?)</a></h3>', html)
    assert titles == ["Closes soon", "Closes later", "Not yet open", "Just closed", "Closed long ago"]
    assert "Vote until" in html


def test_open_proposals_put_the_persons_place_first(app, places, create_user, create_proposal):
    from participation.proposals import queries

    now = utcnow()
    general = create_proposal(title="General", voting_closes_at=now + timedelta(days=1))
    municipal = create_proposal(title="Maastricht", area=["maastricht"], voting_closes_at=now + timedelta(days=3))
    local = create_proposal(title="Caberg", neighbourhood="caberg", voting_closes_at=now + timedelta(days=5))
    create_proposal(title="Closed", voting_opens_at=now - timedelta(days=9), voting_closes_at=now - timedelta(days=2))
    person = living_in(create_user, "caberg")
    with app.test_request_context("/"):
        user = db.session.get(User, person.id)
        user.is_authenticated  # noqa: B018
        assert [p.id for p in queries.open_proposals(10, user)] == [local.id, municipal.id, general.id]
        assert [p.id for p in queries.open_proposals(10)] == [general.id, municipal.id, local.id]
        assert [p.id for p in queries.open_proposals(2, user)] == [local.id, municipal.id]


def _list_and_detail_queries(app, client, count_queries, create_proposal, create_user, size):
    now = utcnow()
    author = create_user("resident")
    ideas = [make_idea(app, author, title=f"Idea {n}") for n in range(size)]
    for n in range(size):
        create_proposal(title=f"Open {n}", neighbourhood="caberg", ideas=ideas)
        create_proposal(title=f"Closed {n}", neighbourhood="malpertuis", voting_opens_at=now - timedelta(days=9),
                        voting_closes_at=now - timedelta(days=2))
    detail = create_proposal(title="Detail", neighbourhood="caberg", ideas=ideas, area=["maastricht", "lemiers"])
    with app.app_context():
        for n in range(size):
            db.session.add(ProposalUpdate(proposal_id=detail.id, status=ProposalStatus.UNDER_CONSIDERATION,
                                          explanation_markdown=f"Step {n}", explanation_html=f"<p>Step {n}</p>"))
        db.session.commit()
    client.get("/")  # warm up
    with count_queries() as on_list:
        assert client.get(f"/initiatives/{INITIATIVE}/proposals").status_code == 200
    with count_queries() as on_detail:
        assert client.get(f"/proposals/{detail.id}").status_code == 200
    with count_queries() as on_initiative:
        assert client.get(f"/initiatives/{INITIATIVE}").status_code == 200
    return on_list.count, on_detail.count, on_initiative.count


@pytest.mark.parametrize("signed_in", [False, True])
def test_list_and_detail_need_a_fixed_number_of_queries(make_app, _schema, app, count_queries, create_proposal,
                                                        create_user, places, signed_in):
    results = []
    for size in (2, 8):
        client = app.test_client()
        if signed_in:
            sign_in(client, living_in(create_user, "caberg"))
        results.append(_list_and_detail_queries(app, client, count_queries, create_proposal, create_user, size))
    assert results[0] == results[1], results


# --- bad parameters -----------------------------------------------------------------------------------

BAD_PARAMETERS = [
    ("/proposals/0", 404),
    ("/proposals/99999999999999999999", 404),
    ("/proposals/2147483648", 404),
    ("/proposals/abc", 404),
    ("/proposals/-1", 404),
    ("/proposals/99999/results", 404),
    ("/proposals/99999999999999999999/results", 404),
    ("/initiatives/does-not-exist/proposals", 404),
    (f"/initiatives/{INITIATIVE}/proposals?page=abc", 200),
    (f"/initiatives/{INITIATIVE}/proposals?page=-3", 200),
    (f"/initiatives/{INITIATIVE}/proposals?page=99999999999999999999999", 200),
    (f"/initiatives/{INITIATIVE}/proposals?page=5000", 200),
]


def test_bad_parameters_never_cause_an_error(client, catalogue, create_proposal):
    create_proposal()
    assert [(path, client.get(path).status_code) for path, _status in BAD_PARAMETERS] == BAD_PARAMETERS


def test_bad_posts_never_cause_an_error(app, client, resident, admin, create_proposal):
    proposal = create_proposal()
    sign_in(client, resident)
    assert client.post("/proposals/99999999999999999999/vote", data={"choice": "for"}).status_code == 404
    assert client.post("/proposals/99999/vote/withdraw").status_code == 404
    assert client.get(f"/proposals/{proposal.id}/vote").status_code == 405
    staff = app.test_client()
    sign_in(staff, admin)
    assert staff.get(f"/initiatives/{INITIATIVE}/proposals/new?idea=abc&idea=99999999999999").status_code == 200
    assert staff.post(f"/initiatives/{INITIATIVE}/proposals/new",
                      data=form_data(ideas=["99999999999999", "x"])).status_code == 200
    assert staff.post(f"/proposals/{proposal.id}/updates/new", data={"status": "??"}).status_code == 200
    assert staff.get("/proposals/99999999999999999999/edit").status_code == 404


# --- page details --------------------------------------------------------------------------------------

def test_proposal_page_marks_the_language_of_the_text(app, client, create_proposal):
    proposal = create_proposal(title="Mehr Grün", language="de")
    html = page(client, f"/proposals/{proposal.id}")
    assert '<h1 lang="de">Mehr Grün</h1>' in html
    assert "written in Deutsch" in html and '<div class="prose" lang="de">' in html
    same = create_proposal(title="More green", language="en")
    assert "written in" not in page(client, f"/proposals/{same.id}")


def test_pages_have_no_inline_styles_or_scripts(app, client, admin, create_proposal):
    proposal = create_proposal()
    sign_in(client, admin)
    for path in (f"/proposals/{proposal.id}", f"/initiatives/{INITIATIVE}/proposals",
                 f"/initiatives/{INITIATIVE}/proposals/new", f"/proposals/{proposal.id}/edit",
                 f"/proposals/{proposal.id}/updates/new", f"/proposals/{proposal.id}/results"):
        html = page(client, path)
        assert "style=" not in html and "<script" not in html, path


def test_counts_stay_exact_when_many_people_change_their_votes_at_once(make_app, _schema, app, create_user,
                                                                        create_proposal):
    """Ten people each send five different votes at once. (On PostgreSQL the
    requests really overlap; SQLite queues writers with BEGIN IMMEDIATE.)"""
    proposal = create_proposal()
    concurrent = _concurrent_app(make_app)
    jobs = []
    for _ in range(10):
        person = create_user("resident")
        for choice in ("for", "against", "abstain", "for", "against"):
            person_client = concurrent.test_client()
            sign_in(person_client, person)
            jobs.append(lambda c=person_client, choice=choice: vote(c, proposal.id, choice).status_code)
    assert set(_run_together(jobs)) == {302}
    assert len(votes(app, proposal.id)) == 10
    assert counts(app, proposal.id) == counted_from_rows(app, proposal.id)
