"""Workshops: planning, the public list and pages, calendar files, signing up
and the waiting list, reminders, check-in at the door, privacy, demo content."""
import re
import threading
from datetime import date, datetime, time, timedelta, timezone

import pytest
from babel.dates import format_date as babel_format_date
from icalendar import Calendar
from sqlalchemy import func, select

from participation.accounts.models import User
from participation.core.types import utcnow
from participation.extensions import db
from participation.programme.models import Initiative, Municipality, Neighbourhood
from participation.workshops import operations
from participation.workshops.calendar import LOCAL, NonexistentLocalTime, local_to_utc
from participation.workshops.models import (
    Participant,
    Registration,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
)
from tests.conftest import PASSWORD, sign_in

# --- helpers -----------------------------------------------------------------------


def signed_in(app, user):
    client = app.test_client()
    response = sign_in(client, user)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def place_id(app, slug):
    with app.app_context():
        return db.session.scalar(select(Neighbourhood.id).where(Neighbourhood.slug == slug))


def initiative_slug(app, index=0):
    with app.app_context():
        return db.session.scalars(select(Initiative.slug).order_by(Initiative.id)).all()[index]


def coordinate(app, user, *slugs):
    with app.app_context():
        person = db.session.get(User, user.id)
        person.coordinated_neighbourhoods = list(db.session.scalars(
            select(Neighbourhood).where(Neighbourhood.slug.in_(slugs))))
        db.session.commit()


def state(app, workshop_id):
    """(registered_count, waitlist_count, {email: status})"""
    with app.app_context():
        workshop = db.session.get(Workshop, workshop_id)
        rows = db.session.execute(
            select(User.email, Registration.status).join(Registration.user)
            .where(Registration.workshop_id == workshop_id)).all()
        return workshop.registered_count, workshop.waitlist_count, {email: status for email, status in rows}


def register(client, workshop, follow=False):
    return client.post(f"/workshops/{workshop.id}/register", follow_redirects=follow)


def residents(create_user, count, **fields):
    return [create_user("resident", **fields) for _ in range(count)]


def next_year(month, day):
    return date(utcnow().year + 1, month, day)


def form_data(app, **changes):
    data = {
        "title": "Groen in de wijk",
        "initiative": "",
        "neighbourhood": str(place_id(app, "malpertuis")),
        "description": "We **planten** samen.<script>alert(1)</script>",
        "date": next_year(7, 1).isoformat(),
        "start_time": "19:00",
        "end_time": "21:00",
        "venue_name": "Buurthuis",
        "venue_address": "Voorbeeldplein 1, Maastricht",
        "capacity": "20",
        "languages": ["nl", "de"],
        "accessibility_notes": "Rolstoeltoegankelijk, ringleiding",
        "deadline_date": "",
        "deadline_time": "",
        "previous": "",
    }
    with app.app_context():
        data["initiative"] = str(db.session.scalars(select(Initiative.id).order_by(Initiative.id)).first())
    data.update(changes)
    return data


def only_workshop(app):
    with app.app_context():
        workshop = db.session.scalars(select(Workshop)).one()
        db.session.expunge(workshop)
        return workshop


# --- time zones -----------------------------------------------------------------------

def test_local_times_are_stored_in_utc_on_both_sides_of_daylight_saving():
    assert local_to_utc(date(2026, 7, 1), time(19, 0)) == datetime(2026, 7, 1, 17, 0, tzinfo=timezone.utc)
    assert local_to_utc(date(2026, 1, 15), time(19, 0)) == datetime(2026, 1, 15, 18, 0, tzinfo=timezone.utc)
    # The night the clocks go back, 02:30 happens twice: the first (summer time) is meant.
    assert local_to_utc(date(2026, 10, 25), time(2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=timezone.utc)
    with pytest.raises(NonexistentLocalTime):  # the night the clocks go forward, 02:30 does not exist
        local_to_utc(date(2026, 3, 29), time(2, 30))


# --- planning -----------------------------------------------------------------------------

def test_coordinator_plans_a_draft_in_local_time(app, client, catalogue, coordinator, outbox):
    coordinate(app, coordinator, "malpertuis")
    client = signed_in(app, coordinator)
    page = client.get("/workshops/new").get_data(as_text=True)
    assert "Malpertuis" in page and "Caberg" not in page  # only their own neighbourhoods
    assert 'lang="de">Deutsch' in page or ">Deutsch<" in page  # languages named in their own language
    summer = client.post("/workshops/new", data=form_data(app))
    assert summer.status_code == 302
    workshop = only_workshop(app)
    assert workshop.status == WorkshopStatus.DRAFT
    assert workshop.starts_at == datetime.combine(next_year(7, 1), time(17, 0), tzinfo=timezone.utc)
    assert workshop.ends_at == datetime.combine(next_year(7, 1), time(19, 0), tzinfo=timezone.utc)
    assert workshop.registration_deadline == workshop.starts_at  # default: until the start
    assert workshop.languages == ["nl", "de"]
    assert "<strong>planten</strong>" in workshop.description_html and "<script" not in workshop.description_html
    assert workshop.created_by_id == coordinator.id
    # Drafts are not public.
    assert app.test_client().get(f"/workshops/{workshop.id}").status_code == 404
    assert workshop.title not in app.test_client().get("/workshops").get_data(as_text=True)
    # The edit form shows the local time again, in winter too.
    winter = form_data(app, date=next_year(1, 15).isoformat())
    assert client.post(f"/workshops/{workshop.id}/edit", data=winter).status_code == 302
    workshop = only_workshop(app)
    assert workshop.starts_at == datetime.combine(next_year(1, 15), time(18, 0), tzinfo=timezone.utc)
    edit_page = client.get(f"/workshops/{workshop.id}/edit").get_data(as_text=True)
    assert 'value="19:00"' in edit_page
    # Publishing makes it public.
    assert client.post(f"/workshops/{workshop.id}/publish").status_code == 302
    assert app.test_client().get(f"/workshops/{workshop.id}").status_code == 200
    assert outbox() == []


@pytest.mark.parametrize("changes, message", [
    ({"start_time": "02:30", "date": None}, "This time does not exist on that day"),
    ({"end_time": "18:00"}, "The end time must be after the start time"),
    ({"date": "2020-01-01"}, "The workshop must start in the future"),
    ({"capacity": "0"}, "Enter a number from 1 to 1000"),
    ({"capacity": "many"}, "Enter a whole number"),
    ({"languages": []}, "Choose at least one language"),
    ({"deadline_date": "2030-01-01"}, "Enter both the date and the time"),
    ({"title": ""}, "Enter a title"),
    ({"neighbourhood": "999999"}, "Choose a neighbourhood from the list"),
    ({"neighbourhood": "abc"}, "Choose a neighbourhood from the list"),
])
def test_planning_form_explains_what_is_wrong(app, catalogue, coordinator, changes, message):
    coordinate(app, coordinator, "malpertuis")
    client = signed_in(app, coordinator)
    if changes.get("date", "") is None:  # the night the clocks go forward, next year
        day = next_year(3, 31)
        changes["date"] = (day - timedelta(days=(day.weekday() + 1) % 7)).isoformat()  # last Sunday of March
    response = client.post("/workshops/new", data=form_data(app, **changes))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page and "There is a problem" in page
    with app.app_context():
        assert db.session.scalar(select(func.count(Workshop.id))) == 0


def test_deadline_after_the_start_is_refused(app, catalogue, coordinator):
    coordinate(app, coordinator, "malpertuis")
    client = signed_in(app, coordinator)
    response = client.post("/workshops/new", data=form_data(
        app, deadline_date=next_year(7, 2).isoformat(), deadline_time="10:00"))
    assert "People cannot sign up after the workshop has started" in response.get_data(as_text=True)


def test_coordinator_cannot_plan_in_a_neighbourhood_of_someone_else(app, catalogue, coordinator):
    coordinate(app, coordinator, "malpertuis")
    client = signed_in(app, coordinator)
    response = client.post("/workshops/new", data=form_data(app, neighbourhood=str(place_id(app, "caberg"))))
    assert response.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count(Workshop.id))) == 0


def test_admin_plans_anywhere(app, catalogue, admin):
    client = signed_in(app, admin)
    response = client.post("/workshops/new", data=form_data(app, neighbourhood=str(place_id(app, "caberg"))))
    assert response.status_code == 302
    assert only_workshop(app).neighbourhood_id == place_id(app, "caberg")


@pytest.mark.parametrize("path", ["/workshops/new", "/workshops/manage"])
def test_residents_cannot_plan(app, catalogue, resident, path):
    client = signed_in(app, resident)
    assert client.get(path).status_code == 403
    assert client.post("/workshops/new", data=form_data(app)).status_code == 403


def test_a_follow_up_shows_the_series_with_outcome_links(app, create_workshop, coordinator):
    first = create_workshop(coordinator=coordinator, title="Eerste sessie",
                            starts_at=utcnow() - timedelta(days=14), ends_at=utcnow() - timedelta(days=14, hours=-2),
                            registration_deadline=utcnow() - timedelta(days=14))
    client = signed_in(app, coordinator)
    page = client.get(f"/workshops/new?previous={first.id}").get_data(as_text=True)
    assert f'<option selected value="{first.id}">' in page or f'value="{first.id}" selected' in page
    response = client.post("/workshops/new", data=form_data(app, title="Tweede sessie", previous=str(first.id)))
    assert response.status_code == 302
    with app.app_context():
        second = db.session.scalar(select(Workshop).where(Workshop.title == "Tweede sessie"))
        assert second.previous_id == first.id
        second.status = WorkshopStatus.PUBLISHED
        closed = db.session.get(Workshop, first.id)
        closed.session_state = "closed"
        closed.outcome_published_at = utcnow()
        db.session.commit()
        second_id = second.id
    page = app.test_client().get(f"/workshops/{second_id}").get_data(as_text=True)
    assert "All sessions in this series" in page
    assert "Eerste sessie" in page and "Tweede sessie" in page
    if "workshop_session.outcome" in app.view_functions or "workshops.outcome" in app.view_functions:
        assert f"/workshops/{first.id}/outcome" in page


def test_a_follow_up_must_start_after_the_workshop_it_follows(app, create_workshop, coordinator):
    later = create_workshop(coordinator=coordinator, starts_at=datetime.combine(
        next_year(12, 1), time(18, 0), tzinfo=timezone.utc))
    client = signed_in(app, coordinator)
    response = client.post("/workshops/new", data=form_data(app, previous=str(later.id)))
    assert "A follow-up must start after the workshop it follows" in response.get_data(as_text=True)


# --- public list and pages -------------------------------------------------------------------

def test_list_shows_upcoming_published_workshops_soonest_first(app, client, create_workshop):
    soon = create_workshop(title="Binnenkort", starts_at=utcnow() + timedelta(days=2))
    later = create_workshop(title="Later", starts_at=utcnow() + timedelta(days=20))
    create_workshop(title="Concept", status=WorkshopStatus.DRAFT)
    create_workshop(title="Afgelast", status=WorkshopStatus.CANCELLED, cancelled_reason="Zaal dicht")
    create_workshop(title="Voorbij", starts_at=utcnow() - timedelta(days=3),
                    ends_at=utcnow() - timedelta(days=3, hours=-2), registration_deadline=utcnow() - timedelta(days=3))
    page = client.get("/workshops").get_data(as_text=True)
    assert page.index(soon.title) < page.index(later.title)
    for hidden in ("Concept", "Afgelast", "Voorbij"):
        assert hidden not in page
    assert "2 workshops coming up" in page


def test_list_filters_by_municipality_neighbourhood_and_initiative(app, client, create_workshop):
    malpertuis = create_workshop(title="In Malpertuis", neighbourhood="malpertuis")
    caberg = create_workshop(title="In Caberg", neighbourhood="caberg")
    geleen = create_workshop(title="In Geleen", neighbourhood="geleen-zuid", initiative=initiative_slug(app, 1))

    def titles(query):
        response = client.get(f"/workshops?{query}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        return {w.title for w in (malpertuis, caberg, geleen) if w.title in page}

    assert titles("municipality=maastricht") == {"In Malpertuis", "In Caberg"}
    assert titles("neighbourhood=caberg") == {"In Caberg"}
    assert titles("municipality=maastricht&neighbourhood=caberg") == {"In Caberg"}
    assert titles(f"initiative={initiative_slug(app, 1)}") == {"In Geleen"}
    assert titles(f"initiative={initiative_slug(app, 0)}&municipality=maastricht") == {"In Malpertuis", "In Caberg"}


@pytest.mark.parametrize("query", [
    "municipality=atlantis", "neighbourhood=nergens", "initiative=%00", "municipality=maastricht&neighbourhood=lemiers",
    "page=abc", "page=-3", "page=0", "page=99999999999999999999999", "page=5", "municipality=a&municipality=b",
    "neighbourhood=%3Cscript%3E", "initiative=" + "x" * 5000,
])
def test_unknown_filters_and_pages_fall_back_to_the_default(app, client, create_workshop, query):
    workshop = create_workshop(title="Altijd zichtbaar")
    response = client.get(f"/workshops?{query}")
    assert response.status_code == 200
    assert workshop.title in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/workshops/0", "/workshops/99999999999999999999999",
                                  "/workshops/99999999999999999999999.ics", "/workshops/424242"])
def test_unknown_workshops_are_404(client, app, path):
    assert client.get(path).status_code == 404


def test_list_is_paginated(app, client, create_workshop):
    from participation.workshops.queries import PAGE_SIZE

    for number in range(PAGE_SIZE + 2):
        create_workshop(title=f"W{number:02d}", starts_at=utcnow() + timedelta(days=1 + number))
    first = client.get("/workshops").get_data(as_text=True)
    second = client.get("/workshops?page=2").get_data(as_text=True)
    assert "W00" in first and f"W{PAGE_SIZE:02d}" not in first
    assert f"W{PAGE_SIZE:02d}" in second and "W00" not in second
    assert "Page 2 of 2" in second


def test_list_runs_a_bounded_number_of_queries(app, client, create_workshop, resident, count_queries):
    create_workshop()
    create_workshop(neighbourhood="caberg")
    signed = signed_in(app, resident)
    with count_queries() as few:
        assert signed.get("/workshops").status_code == 200
    for number in range(10):
        create_workshop(neighbourhood=("lemiers", "geleen-zuid", "caberg")[number % 3],
                        initiative=initiative_slug(app, number % 4))
    with count_queries() as many:
        assert signed.get("/workshops").status_code == 200
    assert many.count == few.count <= 12, many.statements


@pytest.mark.parametrize("page", ["detail", "mine", "attendance", "manage", "initiative"])
def test_workshop_pages_run_a_bounded_number_of_queries(app, create_workshop, create_user, coordinator,
                                                        count_queries, page):
    def fill(workshop, count):
        for person in residents(create_user, count):
            with app.app_context():
                operations.register(db.session.get(User, person.id), db.session.get(Workshop, workshop.id))
                db.session.commit()

    previous = create_workshop(coordinator=coordinator)
    workshop = create_workshop(coordinator=coordinator, previous_id=previous.id, capacity=3)
    fill(workshop, 2)
    viewer = create_user("resident")
    with app.app_context():
        operations.register(db.session.get(User, viewer.id), db.session.get(Workshop, workshop.id))
        db.session.commit()
    client = signed_in(app, coordinator if page in ("attendance", "manage") else viewer)
    path = {"detail": f"/workshops/{workshop.id}", "mine": "/my/workshops",
            "attendance": f"/workshops/{workshop.id}/attendance", "manage": "/workshops/manage",
            "initiative": f"/initiatives/{initiative_slug(app)}"}[page]
    with count_queries() as few:
        assert client.get(path).status_code == 200
    fill(workshop, 6)
    for _ in range(3):
        create_workshop(coordinator=coordinator, previous_id=workshop.id)
    with count_queries() as many:
        assert client.get(path).status_code == 200
    assert many.count == few.count, many.statements


def test_upcoming_workshops_puts_the_persons_neighbourhood_then_municipality_first(app, create_workshop,
                                                                                   create_user):
    from participation.workshops.queries import upcoming_workshops

    elsewhere = create_workshop(title="Elders", neighbourhood="lemiers", starts_at=utcnow() + timedelta(days=1))
    same_town = create_workshop(title="Zelfde stad", neighbourhood="caberg", starts_at=utcnow() + timedelta(days=2))
    own = create_workshop(title="Eigen wijk", neighbourhood="malpertuis", starts_at=utcnow() + timedelta(days=3))
    with app.app_context():
        malpertuis = db.session.scalar(select(Neighbourhood).where(Neighbourhood.slug == "malpertuis"))
        place = {"neighbourhood_id": malpertuis.id, "municipality_id": malpertuis.municipality_id}
    person = create_user("resident", **place)
    with app.app_context():
        person = db.session.get(User, person.id)
        assert [w.id for w in upcoming_workshops(3, person)] == [own.id, same_town.id, elsewhere.id]
        assert [w.id for w in upcoming_workshops(3, None)] == [elsewhere.id, same_town.id, own.id]
        assert [w.id for w in upcoming_workshops(1, person)] == [own.id]
        first_initiative = db.session.get(Initiative, own.initiative_id)
        assert len(upcoming_workshops(10, person, initiative=first_initiative)) == 3


def test_initiative_page_shows_its_workshops_and_the_calendar_feed(app, client, create_workshop):
    workshop = create_workshop(title="Op de initiatiefpagina")
    page = client.get(f"/initiatives/{initiative_slug(app)}").get_data(as_text=True)
    assert workshop.title in page
    assert f"/initiatives/{initiative_slug(app)}/workshops.ics" in page


# --- calendar files ---------------------------------------------------------------------------------

def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def test_ics_per_workshop_in_amsterdam_time_with_a_stable_uid(app, client, create_workshop, admin):
    start = datetime.combine(next_year(7, 1), time(17, 0), tzinfo=timezone.utc)
    workshop = create_workshop(title="Kalender", starts_at=start, venue_name="Buurthuis",
                               venue_address="Plein 1, Maastricht")
    first = parse(client.get(f"/workshops/{workshop.id}.ics"))
    [event] = first.events
    assert str(event["SUMMARY"]) == "Kalender"
    assert event.start == start.astimezone(LOCAL)
    assert event.decoded("DTSTART").tzinfo is not None and event["DTSTART"].params["TZID"] == "Europe/Amsterdam"
    assert event.start.hour == 19  # summer time
    assert "Buurthuis" in str(event["LOCATION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert first.timezones and first.timezones[0].tz_name == "Europe/Amsterdam"
    uid = str(event["UID"])
    # Cancelled: the same UID, STATUS:CANCELLED and a higher SEQUENCE.
    client = signed_in(app, admin)
    client.post(f"/workshops/{workshop.id}/cancel", data={"reason": "De zaal is niet beschikbaar."})
    [cancelled] = parse(client.get(f"/workshops/{workshop.id}.ics")).events
    assert str(cancelled["UID"]) == uid
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert int(cancelled["SEQUENCE"]) > int(event.get("SEQUENCE", 0))


def test_initiative_feed_lists_its_workshops(app, client, create_workshop):
    own = create_workshop(title="Van dit initiatief")
    cancelled = create_workshop(title="Afgelast", status=WorkshopStatus.CANCELLED)
    create_workshop(title="Concept", status=WorkshopStatus.DRAFT)
    create_workshop(title="Ander initiatief", initiative=initiative_slug(app, 1))
    feed = parse(client.get(f"/initiatives/{initiative_slug(app)}/workshops.ics"))
    events = {str(e["SUMMARY"]): e for e in feed.events}
    assert set(events) == {own.title, cancelled.title}
    assert str(events["Afgelast"]["STATUS"]) == "CANCELLED"
    assert client.get("/initiatives/bestaat-niet/workshops.ics").status_code == 404


def test_draft_has_no_calendar_file(app, client, create_workshop):
    draft = create_workshop(status=WorkshopStatus.DRAFT)
    assert client.get(f"/workshops/{draft.id}.ics").status_code == 404


# --- signing up -------------------------------------------------------------------------------------

def test_one_tap_gives_a_place_an_email_with_the_ics_and_a_check_in_code(app, create_workshop, resident, outbox):
    workshop = create_workshop(title="Aanmelden")
    client = signed_in(app, resident)
    response = register(client, workshop)
    assert response.status_code == 302 and response.location.endswith(f"/workshops/{workshop.id}#your-place")
    registered, waiting, people = state(app, workshop.id)
    assert (registered, waiting) == (1, 0) and people == {resident.email: RegistrationStatus.REGISTERED}
    with app.app_context():
        code = db.session.scalar(select(Registration.checkin_code))
    assert re.fullmatch(r"[ACDEFGHJKMNPQRTUVWXY34679]{6}", code)
    [email] = outbox()
    assert email.to_address == resident.email and "Aanmelden" in email.subject
    assert code in email.text_body and code in email.html_body and "<svg" in email.html_body
    [attachment] = email.attachments
    assert attachment["filename"] == f"workshop-{workshop.id}.ics" and attachment["content_type"] == "text/calendar"
    import base64
    [event] = Calendar.from_ical(base64.b64decode(attachment["data_base64"])).events
    assert str(event["SUMMARY"]) == "Aanmelden"
    # The person's page and "My workshops" show the code and the QR code, with an accessible name.
    for path in (f"/workshops/{workshop.id}", "/my/workshops"):
        page = client.get(path).get_data(as_text=True)
        assert code in page
        assert re.search(r'role="img" aria-label="[^"]*' + code, page) and "<svg" in page


def test_the_sign_up_button_carries_the_csrf_token(make_app, app, create_workshop, resident):
    workshop = create_workshop()
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    sign_in_page = client.get("/signin").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', sign_in_page).group(1)
    assert client.post("/signin", data={"email": resident.email, "password": PASSWORD,
                                        "csrf_token": token}).status_code == 302
    page = client.get(f"/workshops/{workshop.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert client.post(f"/workshops/{workshop.id}/register").status_code == 400
    assert state(app, workshop.id)[:2] == (0, 0)
    assert client.post(f"/workshops/{workshop.id}/register", data={"csrf_token": token}).status_code == 302
    assert state(app, workshop.id)[:2] == (1, 0)


def test_signing_up_twice_is_harmless(app, create_workshop, resident, outbox):
    workshop = create_workshop()
    client = signed_in(app, resident)
    register(client, workshop)
    response = register(client, workshop, follow=True)
    assert "You had already signed up for this workshop." in response.get_data(as_text=True)
    assert state(app, workshop.id)[:2] == (1, 0)
    assert len(outbox()) == 1


@pytest.mark.parametrize("case, message", [
    ("deadline", "The time to sign up for this workshop has passed."),
    ("started", "This workshop has already started."),
    ("cancelled", "This workshop is cancelled. You cannot sign up for it."),
])
def test_signing_up_is_refused_with_a_clear_message(app, create_workshop, resident, outbox, case, message):
    now = utcnow()
    fields = {
        "deadline": {"registration_deadline": now - timedelta(hours=1)},
        "started": {"starts_at": now - timedelta(minutes=10), "ends_at": now + timedelta(hours=2),
                    "registration_deadline": now - timedelta(minutes=10)},
        "cancelled": {"status": WorkshopStatus.CANCELLED, "cancelled_reason": "Ziek"},
    }[case]
    workshop = create_workshop(**fields)
    client = signed_in(app, resident)
    assert message in client.get(f"/workshops/{workshop.id}").get_data(as_text=True)  # no button, the reason
    response = register(client, workshop, follow=True)
    assert message in response.get_data(as_text=True)
    assert state(app, workshop.id) == (0, 0, {})
    assert outbox() == []


def test_drafts_cannot_be_signed_up_for(app, create_workshop, resident):
    draft = create_workshop(status=WorkshopStatus.DRAFT)
    client = signed_in(app, resident)
    assert register(client, draft).status_code == 404  # for residents a draft does not exist
    with app.test_request_context(headers={"Accept-Language": "en"}):
        with pytest.raises(operations.RegistrationRefused) as refused:
            operations.register(db.session.get(User, resident.id), db.session.get(Workshop, draft.id))
        assert refused.value.reason == "draft"
        assert "not been published" in str(refused.value.message)


def test_only_verified_people_sign_up(app, client, create_workshop, unverified_resident):
    workshop = create_workshop()
    anonymous = register(client, workshop)
    assert anonymous.status_code == 302 and "/signin" in anonymous.location
    unverified = signed_in(app, unverified_resident)
    assert register(unverified, workshop).status_code == 403
    assert state(app, workshop.id) == (0, 0, {})


def test_signing_up_is_rate_limited_per_account(app, create_workshop, resident):
    from participation.workshops.views import REGISTER_RATE_LIMIT

    limit = int(REGISTER_RATE_LIMIT.split()[0])
    workshop = create_workshop()
    client = signed_in(app, resident)
    statuses = [register(client, workshop).status_code for _ in range(limit + 1)]
    assert statuses[:limit] == [302] * limit and statuses[-1] == 429


def test_full_workshop_puts_people_on_the_waiting_list(app, create_workshop, create_user, outbox):
    workshop = create_workshop(capacity=1)
    first, second = residents(create_user, 2)
    register(signed_in(app, first), workshop)
    response = register(signed_in(app, second), workshop, follow=True)
    assert "you are on the waiting list" in response.get_data(as_text=True)
    assert state(app, workshop.id) == (1, 1, {first.email: RegistrationStatus.REGISTERED,
                                              second.email: RegistrationStatus.WAITLISTED})
    waiting_email = outbox()[-1]
    assert waiting_email.to_address == second.email and "waiting list" in waiting_email.subject
    assert waiting_email.attachments == []


def test_giving_up_a_place_promotes_the_first_on_the_waiting_list(app, create_workshop, create_user, outbox):
    workshop = create_workshop(capacity=1)
    first, second, third = residents(create_user, 3)
    first_client = signed_in(app, first)
    register(first_client, workshop)
    register(signed_in(app, second), workshop)
    register(signed_in(app, third), workshop)
    before = len(outbox())
    response = first_client.post(f"/workshops/{workshop.id}/unregister", follow_redirects=True)
    assert "You are no longer signed up" in response.get_data(as_text=True)
    assert state(app, workshop.id) == (1, 1, {first.email: RegistrationStatus.CANCELLED,
                                              second.email: RegistrationStatus.REGISTERED,
                                              third.email: RegistrationStatus.WAITLISTED})
    [promoted] = outbox()[before:]
    assert promoted.to_address == second.email and "A place for you" in promoted.subject
    assert promoted.attachments  # the .ics
    # Signing up again: back in line, at the end.
    register(first_client, workshop)
    assert state(app, workshop.id)[2][first.email] == RegistrationStatus.WAITLISTED


def test_more_places_promote_people_from_the_waiting_list(app, create_workshop, create_user, coordinator, outbox):
    workshop = create_workshop(coordinator=coordinator, capacity=1)
    people = residents(create_user, 4)
    for person in people:
        register(signed_in(app, person), workshop)
    before = len(outbox())
    client = signed_in(app, coordinator)
    page = client.get(f"/workshops/{workshop.id}/edit").get_data(as_text=True)
    data = {name: value for name, value in re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page)}
    data.update(capacity="3", languages=["nl"], description="Over groen.",
                initiative=str(workshop.initiative_id), neighbourhood=str(workshop.neighbourhood_id), previous="")
    assert client.post(f"/workshops/{workshop.id}/edit", data=data).status_code == 302
    registered, waiting, statuses = state(app, workshop.id)
    assert (registered, waiting) == (3, 1)
    assert [statuses[p.email] for p in people] == [RegistrationStatus.REGISTERED] * 3 + [RegistrationStatus.WAITLISTED]
    assert sorted(e.to_address for e in outbox()[before:]) == sorted([people[1].email, people[2].email])


def test_fewer_places_move_the_latest_to_the_waiting_list_and_tell_them(app, create_workshop, create_user, outbox):
    workshop = create_workshop(capacity=4)
    people = residents(create_user, 5)
    for person in people:
        register(signed_in(app, person), workshop)
    assert state(app, workshop.id)[:2] == (4, 1)
    before = len(outbox())
    with app.app_context():
        moved = operations.change_capacity(db.session.get(Workshop, workshop.id), 2)
        db.session.commit()
        assert {r.user_id for r in moved} == {people[2].id, people[3].id}
    registered, waiting, statuses = state(app, workshop.id)
    assert (registered, waiting) == (2, 3)
    assert [statuses[p.email] for p in people] == [RegistrationStatus.REGISTERED] * 2 + [RegistrationStatus.WAITLISTED] * 3
    told = outbox()[before:]
    assert sorted(e.to_address for e in told) == sorted([people[2].email, people[3].email])
    assert all("waiting list" in e.subject for e in told)
    # They are first in line (before the one who was waiting already).
    with app.app_context():
        operations.change_capacity(db.session.get(Workshop, workshop.id), 3)
        db.session.commit()
    assert state(app, workshop.id)[2][people[2].email] == RegistrationStatus.REGISTERED
    assert state(app, workshop.id)[2][people[4].email] == RegistrationStatus.WAITLISTED


def test_capacity_cannot_drop_below_the_people_checked_in(app, create_workshop, create_user, coordinator):
    workshop = create_workshop(coordinator=coordinator, capacity=2)
    people = residents(create_user, 2)
    for person in people:
        register(signed_in(app, person), workshop)
    client = signed_in(app, coordinator)
    with app.app_context():
        ids = db.session.scalars(select(Registration.id)).all()
    for registration_id in ids:
        client.post(f"/workshops/{workshop.id}/attendance/{registration_id}")
    page = client.get(f"/workshops/{workshop.id}/edit").get_data(as_text=True)
    data = {name: value for name, value in re.findall(r'name="([a-z_]+)"[^>]*value="([^"]*)"', page)}
    data.update(capacity="1", languages=["nl"], description="Over groen.", previous="",
                initiative=str(workshop.initiative_id), neighbourhood=str(workshop.neighbourhood_id))
    response = client.post(f"/workshops/{workshop.id}/edit", data=data)
    assert "2 people have already checked in" in response.get_data(as_text=True)


def race_for_places(app, create_workshop, create_user, capacity, people):
    """`people` verified residents press "Sign up" at the same moment."""
    workshop = create_workshop(capacity=capacity)
    clients = [signed_in(app, person) for person in residents(create_user, people)]
    barrier = threading.Barrier(len(clients))
    statuses, errors = [], []

    def press(client):
        try:
            barrier.wait(timeout=10)
            statuses.append(register(client, workshop).status_code)
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=press, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert statuses == [302] * people
    return state(app, workshop.id)


def test_two_people_for_the_last_place_exactly_one_gets_it(app, create_workshop, create_user):
    """Runs on SQLite and (TEST_DB=postgresql) on PostgreSQL."""
    registered, waiting, statuses = race_for_places(app, create_workshop, create_user, capacity=1, people=2)
    assert (registered, waiting) == (1, 1)
    assert sorted(statuses.values()) == sorted([RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED])


def test_many_people_at_once_never_overfill_a_workshop(app, create_workshop, create_user):
    registered, waiting, statuses = race_for_places(app, create_workshop, create_user, capacity=3, people=8)
    assert (registered, waiting) == (3, 5)
    assert list(statuses.values()).count(RegistrationStatus.REGISTERED) == 3


def test_the_last_place_race_on_postgresql_uses_the_row_lock(app, create_workshop, create_user):
    """On PostgreSQL, the second UPDATE waits for the first transaction and
    then sees the new count: two sessions in the same instant, held open."""
    from sqlalchemy.orm import Session

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("needs PostgreSQL (run with TEST_DB=postgresql)")
        engine = db.engine
    workshop = create_workshop(capacity=1)
    first, second = residents(create_user, 2)
    outcome = {}

    def take(user_id, hold: threading.Event | None, done: threading.Event | None):
        with app.app_context():
            user = db.session.get(User, user_id)
            registration, _ = operations.register(user, db.session.get(Workshop, workshop.id))
            outcome[user_id] = registration.status
            if done:
                done.set()
            if hold:
                hold.wait(timeout=10)
            db.session.commit()

    hold, first_done = threading.Event(), threading.Event()
    one = threading.Thread(target=take, args=(first.id, hold, first_done))
    one.start()
    assert first_done.wait(timeout=10)  # the first holds its place, uncommitted
    two = threading.Thread(target=take, args=(second.id, None, None))
    two.start()
    two.join(timeout=1)
    assert two.is_alive()  # waiting for the first transaction's row lock
    hold.set()
    one.join(timeout=10)
    two.join(timeout=10)
    assert outcome == {first.id: RegistrationStatus.REGISTERED, second.id: RegistrationStatus.WAITLISTED}
    with Session(engine) as session:
        assert session.get(Workshop, workshop.id).registered_count == 1


# --- cancelling a workshop --------------------------------------------------------------------------

def test_cancelling_emails_everyone_in_their_own_language(app, create_workshop, create_user, coordinator, outbox):
    workshop = create_workshop(coordinator=coordinator, capacity=3,
                               starts_at=datetime.combine(next_year(6, 2), time(17, 0), tzinfo=timezone.utc))
    people = [create_user("resident", language=language) for language in ("nl", "de", "fr", "en")]
    for person in people:
        register(signed_in(app, person), workshop)
    before = len(outbox())
    client = signed_in(app, coordinator)
    assert client.get(f"/workshops/{workshop.id}/cancel").status_code == 200
    assert "Tell people why" in client.post(f"/workshops/{workshop.id}/cancel", data={"reason": ""}).get_data(as_text=True)
    response = client.post(f"/workshops/{workshop.id}/cancel", data={"reason": "De zaal is overstroomd."},
                           follow_redirects=True)
    assert "We are emailing 4 people." in response.get_data(as_text=True)
    told = {email.to_address: email for email in outbox()[before:]}
    assert set(told) == {person.email for person in people}  # three with a place and one waiting
    for person in people:
        email = told[person.email]
        weekday = babel_format_date(next_year(6, 2), "EEEE", locale=person.language)
        assert weekday in email.text_body, (person.language, email.text_body)
        assert f'<html lang="{person.language}">' in email.html_body
        assert "De zaal is overstroomd." in email.text_body
        [attachment] = email.attachments
        import base64
        [event] = Calendar.from_ical(base64.b64decode(attachment["data_base64"])).events
        assert str(event["STATUS"]) == "CANCELLED"
    with app.app_context():
        cancelled = db.session.get(Workshop, workshop.id)
        assert cancelled.status == WorkshopStatus.CANCELLED and cancelled.cancelled_reason == "De zaal is overstroomd."
    # Nobody can sign up any more, and the public page says why.
    page = app.test_client().get(f"/workshops/{workshop.id}").get_data(as_text=True)
    assert "This workshop is cancelled." in page and "De zaal is overstroomd." in page


def test_the_confirmation_arrives_over_smtp_with_the_calendar_file(app, make_mail_app, smtp_server,
                                                                   create_workshop, resident):
    workshop = create_workshop(title="Via SMTP")
    mail_app = make_mail_app()
    client = mail_app.test_client()
    assert sign_in(client, resident).status_code == 302
    assert client.post(f"/workshops/{workshop.id}/register").status_code == 302
    [message] = smtp_server.messages
    assert message["To"] == resident.email and "Via SMTP" in message["Subject"]
    [attachment] = [part for part in message.iter_attachments()]
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == f"workshop-{workshop.id}.ics"
    [event] = Calendar.from_ical(attachment.get_content()).events
    assert str(event["SUMMARY"]) == "Via SMTP"
    assert str(event["UID"]).startswith(f"workshop-{workshop.id}@")
    with mail_app.app_context():
        code = db.session.scalar(select(Registration.checkin_code))
    assert code in message.get_body(preferencelist=("plain",)).get_content()


def test_changing_the_time_tells_everyone_with_a_new_calendar_version(app, create_workshop, create_user,
                                                                     coordinator, outbox):
    workshop = create_workshop(coordinator=coordinator)
    person = create_user("resident")
    register(signed_in(app, person), workshop)
    before = len(outbox())
    with app.app_context():
        saved = db.session.get(Workshop, workshop.id)
        data = {name: getattr(saved, name) for name in operations.WORKSHOP_FIELDS}
        data["starts_at"] = saved.starts_at + timedelta(days=1)
        data["ends_at"] = saved.ends_at + timedelta(days=1)
        data["registration_deadline"] = data["starts_at"]
        changed = operations.update_workshop(db.session.get(User, coordinator.id), saved,
                                             description=saved.description_markdown, capacity=saved.capacity, **data)
        db.session.commit()
        assert set(changed) == {"starts_at", "ends_at", "registration_deadline"}
        assert saved.calendar_sequence == 1
    [email] = outbox()[before:]
    assert email.to_address == person.email and email.subject.startswith("Changed")


# --- reminders ------------------------------------------------------------------------------------------

def test_reminders_go_out_once_to_people_with_a_place(app, runner, create_workshop, create_user, outbox):
    tomorrow = create_workshop(title="Morgen", capacity=2, starts_at=utcnow() + timedelta(hours=20),
                               ends_at=utcnow() + timedelta(hours=22), registration_deadline=utcnow() + timedelta(hours=20))
    next_week = create_workshop(title="Volgende week")
    people = residents(create_user, 3)
    for person in people:
        client = signed_in(app, person)
        register(client, tomorrow)
        register(client, next_week)
    quiet = create_user("resident", notifications={"workshops": False})
    with app.app_context():
        db.session.get(Workshop, tomorrow.id).capacity = 3
        db.session.commit()
    register(signed_in(app, quiet), tomorrow)
    before = len(outbox())
    result = runner.invoke(args=["workshops", "send-reminders"])
    assert result.exit_code == 0, result.output
    reminders = outbox()[before:]
    assert sorted(e.to_address for e in reminders) == sorted([people[0].email, people[1].email])
    assert all("Morgen" in e.subject and e.attachments for e in reminders)
    with app.app_context():
        code = db.session.scalar(select(Registration.checkin_code).where(
            Registration.user_id == people[0].id, Registration.workshop_id == tomorrow.id))
    assert code in next(e for e in reminders if e.to_address == people[0].email).text_body
    # Again (cron every hour): nothing more.
    assert runner.invoke(args=["workshops", "send-reminders"]).exit_code == 0
    assert len(outbox()) == before + 2


def test_reminder_runs_at_the_same_time_remind_each_person_once(app, create_workshop, create_user, outbox):
    workshop = create_workshop(capacity=10, starts_at=utcnow() + timedelta(hours=5),
                               ends_at=utcnow() + timedelta(hours=7), registration_deadline=utcnow() + timedelta(hours=5))
    people = residents(create_user, 6)
    for person in people:
        register(signed_in(app, person), workshop)
    before = len(outbox())
    barrier = threading.Barrier(3)
    errors = []

    def run():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                while operations.send_reminders():
                    db.session.commit()
                db.session.commit()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(e.to_address for e in outbox()[before:]) == sorted(p.email for p in people)


# --- the door ---------------------------------------------------------------------------------------------

def test_check_in_by_tap_by_code_and_walk_ins(app, create_workshop, create_user, coordinator):
    workshop = create_workshop(coordinator=coordinator, capacity=2)
    anna, bert, chris = (create_user("resident", display_name=name) for name in ("Anna Appel", "Bert Boom", "Chris Cox"))
    for person in (anna, bert, chris):
        register(signed_in(app, person), workshop)
    walker = create_user("resident", display_name="Wim Wandel")
    with app.app_context():
        codes = dict(db.session.execute(select(Registration.user_id, Registration.checkin_code)).all())
        anna_registration = db.session.scalar(select(Registration.id).where(Registration.user_id == anna.id))
    client = signed_in(app, coordinator)
    page = client.get(f"/workshops/{workshop.id}/attendance").get_data(as_text=True)
    assert "Anna Appel" in page and "Chris Cox" in page
    assert 'inputmode="text"' in page and 'autocapitalize="characters"' in page and 'autocomplete="off"' in page
    # Search by name (GET, no JavaScript).
    found = client.get(f"/workshops/{workshop.id}/attendance?q=bert").get_data(as_text=True)
    assert "Bert Boom" in found and "Anna Appel" not in found
    # Tap.
    response = client.post(f"/workshops/{workshop.id}/attendance/{anna_registration}", follow_redirects=True)
    assert "Anna Appel is checked in." in response.get_data(as_text=True)
    again = client.post(f"/workshops/{workshop.id}/attendance/{anna_registration}", follow_redirects=True)
    assert "Anna Appel was already checked in." in again.get_data(as_text=True)
    # A code, as a camera app or a person types it.
    typed = " ".join(codes[bert.id].lower()[i:i + 3] for i in (0, 3))
    response = client.post(f"/workshops/{workshop.id}/attendance/code", data={"code": typed}, follow_redirects=True)
    assert "Bert Boom is checked in." in response.get_data(as_text=True)
    wrong = client.post(f"/workshops/{workshop.id}/attendance/code", data={"code": "ZZZZZZ"})
    assert "No one signed up for this workshop has this code" in wrong.get_data(as_text=True)
    # Someone from the waiting list who came anyway.
    waiting = client.post(f"/workshops/{workshop.id}/attendance/code", data={"code": codes[chris.id]},
                          follow_redirects=True)
    assert "they were on the waiting list" in waiting.get_data(as_text=True)
    # Walk-ins: with an account (by email) and by name only.
    assert client.post(f"/workshops/{workshop.id}/attendance/walk-in",
                       data={"email": walker.email.upper(), "name": ""}).status_code == 302
    assert client.post(f"/workshops/{workshop.id}/attendance/walk-in",
                       data={"email": "", "name": "Marie"}).status_code == 302
    unknown = client.post(f"/workshops/{workshop.id}/attendance/walk-in",
                          data={"email": "niemand@example.org", "name": ""})
    assert "There is no account with this email address" in unknown.get_data(as_text=True)
    empty = client.post(f"/workshops/{workshop.id}/attendance/walk-in", data={"email": "", "name": ""})
    assert "Enter an email address or a name" in empty.get_data(as_text=True)
    page = client.get(f"/workshops/{workshop.id}/attendance").get_data(as_text=True)
    assert re.search(r"Checked in</dt><dd>3</dd>", page) and re.search(r"Walk-ins</dt><dd>2</dd>", page)
    assert re.search(r"Signed up</dt><dd>2</dd>", page)
    with app.app_context():
        participants = db.session.scalars(select(Participant).order_by(Participant.id)).all()
        assert [(p.user_id, p.name, p.is_walk_in) for p in participants] == [
            (anna.id, None, False), (bert.id, None, False), (chris.id, None, False),
            (walker.id, None, True), (None, "Marie", True)]


def test_no_check_in_for_a_cancelled_workshop(app, create_workshop, resident, coordinator):
    workshop = create_workshop(coordinator=coordinator)
    register(signed_in(app, resident), workshop)
    with app.app_context():
        db.session.get(Workshop, workshop.id).status = WorkshopStatus.CANCELLED
        db.session.commit()
        registration_id = db.session.scalar(select(Registration.id))
    client = signed_in(app, coordinator)
    response = client.post(f"/workshops/{workshop.id}/attendance/{registration_id}", follow_redirects=True)
    assert "Check-in is only possible for a published workshop." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Participant.id))) == 0


# --- who may do what -------------------------------------------------------------------------------------

def staff_rules(app):
    """Every staff-only route of this feature (staff_required marks its views)."""
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.startswith("workshops.")
             and getattr(app.view_functions[rule.endpoint], "staff_only", False)]
    assert len(rules) >= 9
    return rules


def build(rule, workshop_id):
    values = {name: (workshop_id if name in ("workshop_id", "id") else 1) for name in rule.arguments}
    return rule.build(values)[1]


def test_coordinators_outside_the_neighbourhood_and_residents_get_403_everywhere(
        app, create_workshop, create_user, coordinator, resident):
    workshop = create_workshop(coordinator=coordinator)
    outsider = create_user("coordinator")
    coordinate(app, outsider, "caberg")
    as_outsider, as_resident, anonymous = signed_in(app, outsider), signed_in(app, resident), app.test_client()
    checked = 0
    for rule in staff_rules(app):
        path = build(rule, workshop.id)
        for method in sorted(rule.methods & {"GET", "POST"}):
            call = getattr(as_outsider, method.lower())
            if "workshop_id" in rule.arguments or "id" in rule.arguments:
                assert call(path).status_code == 403, (method, path)
                checked += 1
            assert getattr(as_resident, method.lower())(path).status_code == 403, (method, path)
            response = getattr(anonymous, method.lower())(path)
            assert response.status_code == 302 and "/signin" in response.location, (method, path)
    assert checked >= 9
    assert state(app, workshop.id) == (0, 0, {})
    with app.app_context():
        assert db.session.get(Workshop, workshop.id).status == WorkshopStatus.PUBLISHED


def test_the_coordinator_of_the_neighbourhood_may_use_every_staff_page(app, create_workshop, coordinator):
    workshop = create_workshop(coordinator=coordinator)
    client = signed_in(app, coordinator)
    for rule in staff_rules(app):
        if "GET" in rule.methods:
            assert client.get(build(rule, workshop.id)).status_code == 200, rule.rule


def test_staff_without_two_factor_set_up_it_first(app, create_workshop, staff_without_two_factor):
    workshop = create_workshop(coordinator=staff_without_two_factor)
    client = signed_in(app, staff_without_two_factor)
    response = client.get(f"/workshops/{workshop.id}/attendance")
    with app.test_request_context():
        from flask import url_for
        setup = url_for("two_factor.setup")
    assert response.status_code == 302 and response.location.startswith(setup)


def test_coordinators_see_their_drafts_others_do_not(app, create_workshop, create_user, coordinator, resident):
    draft = create_workshop(coordinator=coordinator, status=WorkshopStatus.DRAFT, title="Geheim concept")
    outsider = create_user("coordinator")
    coordinate(app, outsider, "caberg")
    assert signed_in(app, coordinator).get(f"/workshops/{draft.id}").status_code == 200
    assert "Geheim concept" in signed_in(app, coordinator).get("/workshops/manage").get_data(as_text=True)
    assert signed_in(app, outsider).get(f"/workshops/{draft.id}").status_code == 404
    assert "Geheim concept" not in signed_in(app, outsider).get("/workshops/manage").get_data(as_text=True)
    assert signed_in(app, resident).get(f"/workshops/{draft.id}").status_code == 404


# --- privacy -------------------------------------------------------------------------------------------------

def test_registrations_are_in_the_data_download(app, create_workshop, resident):
    from participation.accounts.privacy import export_personal_data, export_section_names

    assert "workshop_registrations" in export_section_names()
    workshop = create_workshop(title="In mijn gegevens")
    register(signed_in(app, resident), workshop)
    with app.app_context():
        [row] = export_personal_data(db.session.get(User, resident.id))["workshop_registrations"]
    assert row["workshop"]["title"] == "In mijn gegevens" and row["status"] == RegistrationStatus.REGISTERED
    assert len(row["checkin_code"]) == 6


def test_deleting_an_account_frees_its_places(app, create_workshop, create_user):
    from participation.accounts.privacy import delete_account

    workshop = create_workshop(capacity=1)
    leaving, waiting = residents(create_user, 2)
    register(signed_in(app, leaving), workshop)
    register(signed_in(app, waiting), workshop)
    with app.app_context():
        delete_account(db.session.get(User, leaving.id))
        db.session.commit()
    registered, waitlisted, statuses = state(app, workshop.id)
    assert (registered, waitlisted) == (1, 0) and statuses[waiting.email] == RegistrationStatus.REGISTERED


# --- demo content ----------------------------------------------------------------------------------------------

def test_demo_workshops_are_idempotent(app, catalogue):
    from participation.workshops.demo import DEMO_WORKSHOPS, seed_demo_workshops

    def snapshot():
        with app.app_context():
            workshops = db.session.execute(select(
                Workshop.id, Workshop.title, Workshop.starts_at, Workshop.capacity, Workshop.registered_count,
                Workshop.waitlist_count, Workshop.previous_id).order_by(Workshop.id)).all()
            registrations = db.session.execute(select(
                Registration.id, Registration.workshop_id, Registration.user_id, Registration.status,
                Registration.checkin_code).order_by(Registration.id)).all()
            people = db.session.scalar(select(func.count(User.id)))
            return workshops, registrations, people

    with app.app_context():
        report = seed_demo_workshops()
        db.session.commit()
        assert len(report.created) == len(DEMO_WORKSHOPS) and not report.missing
    first = snapshot()
    with app.app_context():
        again = seed_demo_workshops()
        db.session.commit()
        assert not again.changed
    assert snapshot() == first
    workshops, _, _ = first
    assert all(w.starts_at > utcnow() for w in workshops)
    nearly_full = [w for w in workshops if 0 < w.capacity - w.registered_count <= 2]
    with_waiting_list = [w for w in workshops if w.waitlist_count > 0 and w.registered_count == w.capacity]
    assert nearly_full and with_waiting_list
    assert any(w.previous_id for w in workshops)
    with app.app_context():
        municipalities = db.session.scalar(
            select(func.count(func.distinct(Municipality.id))).select_from(Workshop)
            .join(Neighbourhood, Workshop.neighbourhood_id == Neighbourhood.id)
            .join(Municipality, Neighbourhood.municipality_id == Municipality.id))
    assert municipalities >= 3
