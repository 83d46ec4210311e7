"""Staff: roles and scopes, the staff page, invitations, `flask users`."""
import logging
import re
import time
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from sqlalchemy import func, select

from participation.accounts.models import LoginSession, Role, User
from participation.accounts.passwords import verify_password
from participation.extensions import db
from participation.programme.models import Municipality, Neighbourhood
from tests.conftest import link_in, sign_in
from tests.routes import fill, rules

NEW_PASSWORD = "de Geul stroomt naar de Maas"


# --- people and places -------------------------------------------------------------

@pytest.fixture
def places(catalogue):
    """Two municipalities with neighbourhoods, one neighbourhood in each."""
    with catalogue.app_context():
        municipalities = db.session.scalars(
            select(Municipality).join(Neighbourhood).group_by(Municipality.id).order_by(Municipality.id).limit(2)).all()
        first, second = (db.session.scalars(select(Neighbourhood).where(Neighbourhood.municipality_id == m.id)
                                            .order_by(Neighbourhood.id)).first() for m in municipalities)
        return SimpleNamespace(m1=municipalities[0].id, m2=municipalities[1].id, n1=first.id, n2=second.id,
                               n1_slug=f"{municipalities[0].slug}/{first.slug}", m1_slug=municipalities[0].slug)


@pytest.fixture
def make_staff(app, create_user, places):
    """make_staff(role, neighbourhoods=[ids], municipalities=[ids], everywhere=False, **fields): like
    create_user (staff get two-factor sign-in), with scopes."""
    def factory(role, neighbourhoods=(), municipalities=(), everywhere=False, **fields):
        user = create_user(role, moderates_everywhere=everywhere, **fields)
        if neighbourhoods or municipalities:
            with app.app_context():
                row = db.session.get(User, user.id)
                row.coordinated_neighbourhoods = [db.session.get(Neighbourhood, i) for i in neighbourhoods]
                row.moderated_municipalities = [db.session.get(Municipality, i) for i in municipalities]
                db.session.commit()
        return user
    return factory


@pytest.fixture
def scoped_coordinator(make_staff, places):
    """A coordinator of one neighbourhood: staff pages are outside that scope."""
    return make_staff("coordinator", neighbourhoods=[places.n1], display_name="Cor Coordinator")


@pytest.fixture
def scoped_moderator(make_staff, places):
    return make_staff("moderator", municipalities=[places.m1], display_name="Mo Moderator")


def signed_in(app, user):
    """A new client, signed in as `user` through the sign-in pages (with the
    code from the app for staff)."""
    client = app.test_client()
    response = sign_in(client, user)
    assert response.status_code == 302 and not response.location.startswith("/signin"), response.location
    return client


def fresh(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        scopes = (sorted(n.id for n in user.coordinated_neighbourhoods),
                  sorted(m.id for m in user.moderated_municipalities), user.moderates_everywhere)
        db.session.expunge(user)
        return user, scopes


# --- every staff route: who may open it ------------------------------------------------

STAFF_RULES = rules(lambda rule: rule.endpoint.startswith("staff.") and rule.endpoint != "staff.accept_invitation")
CASES = [pytest.param(rule.rule, method, id=f"{method} {rule.rule}")
         for rule in STAFF_RULES for method in sorted(rule.methods & {"GET", "POST"})]
GET_PAGES = [pytest.param(rule.rule, id=rule.rule) for rule in STAFF_RULES if "GET" in rule.methods]


def test_the_walk_covers_the_staff_routes():
    assert {rule.endpoint for rule in STAFF_RULES} >= {"staff.index", "staff.person", "staff.invite",
                                                        "staff.resend_invitation"}


@pytest.mark.parametrize("rule, method", CASES)
def test_anonymous_visitors_are_sent_to_sign_in(client, resident, rule, method):
    response = client.open(fill(rule, person_id=resident.id), method=method)
    assert response.status_code == 302
    assert response.location.startswith("/signin")


@pytest.mark.parametrize("who", ["resident", "coordinator", "moderator"])
@pytest.mark.parametrize("rule, method", CASES)
def test_staff_routes_are_for_admins_only(app, resident, scoped_coordinator, scoped_moderator, who, rule, method):
    person = {"resident": resident, "coordinator": scoped_coordinator, "moderator": scoped_moderator}[who]
    client = signed_in(app, person)
    response = client.open(fill(rule, person_id=resident.id), method=method)
    assert response.status_code == 403


@pytest.mark.parametrize("rule", GET_PAGES)
def test_admins_open_every_staff_page(app, resident, admin, rule):
    client = signed_in(app, admin)
    assert client.get(fill(rule, person_id=resident.id)).status_code == 200


def test_an_admin_without_two_factor_is_sent_to_set_it_up(app, make_staff):
    admin = make_staff("admin", two_factor=False)
    response = signed_in(app, admin).get("/staff")
    assert response.status_code == 302 and response.location.startswith("/account/two-factor")


def test_the_navigation_links_to_the_staff_page_for_admins_only(app, resident, admin, scoped_moderator):
    for person, shown in ((admin, True), (scoped_moderator, False), (resident, False)):
        html = signed_in(app, person).get("/?lang=en").get_data(as_text=True)
        assert ('href="/staff"' in html) is shown


# --- the staff list and the search -----------------------------------------------------

def test_the_staff_page_lists_staff_with_their_scopes(app, resident, admin, scoped_coordinator, make_staff):
    make_staff("moderator", everywhere=True, display_name="Everywhere Moderator")
    html = signed_in(app, admin).get("/staff?lang=en").get_data(as_text=True)
    for person in (admin, scoped_coordinator):
        assert person.email in html and person.display_name in html
    assert "Everywhere Moderator" in html and "All municipalities" in html
    assert resident.email not in html  # residents only through the search


def test_the_search_finds_anyone_by_address_or_name(app, resident, admin, create_user):
    create_user(display_name="Zoë Zuidema", email="zz@example.org")
    client = signed_in(app, admin)
    by_address = client.get("/staff", query_string={"q": resident.email[:8].upper(), "lang": "en"}).get_data(as_text=True)
    assert resident.email in by_address and "1 person found" in by_address
    by_name = client.get("/staff", query_string={"q": "zuidema", "lang": "en"}).get_data(as_text=True)
    assert "zz@example.org" in by_name
    wildcard = client.get("/staff", query_string={"q": "%", "lang": "en"}).get_data(as_text=True)
    assert "0 people found" in wildcard  # % is a character here, not "anything"


def test_the_search_is_paginated(app, admin, create_user):
    for number in range(25):
        create_user(email=f"page{number:02}@example.org")
    client = signed_in(app, admin)
    first = client.get("/staff", query_string={"q": "page", "lang": "en"}).get_data(as_text=True)
    assert "25 people found" in first and "Page 1 of 2" in first
    assert len(re.findall(r"page\d\d@example.org</td>", first)) == 20
    second = client.get("/staff", query_string={"q": "page", "page": 2, "lang": "en"}).get_data(as_text=True)
    assert len(re.findall(r"page\d\d@example.org</td>", second)) == 5 and "Previous page" in second
    beyond = client.get("/staff", query_string={"q": "page", "page": 99, "lang": "en"})
    assert beyond.status_code == 200 and "Page 2 of 2" in beyond.get_data(as_text=True)


def _add_people(app, count, places, role="coordinator", prefix="staff"):
    with app.app_context():
        n1, n2 = db.session.get(Neighbourhood, places.n1), db.session.get(Neighbourhood, places.n2)
        m1 = db.session.get(Municipality, places.m1)
        for number in range(count):
            person = User(email=f"{prefix}{number}@example.org", display_name=f"Person {number}", role=Role(role),
                          language="nl")
            if role == "coordinator":
                person.coordinated_neighbourhoods = [n1, n2]
            elif role == "moderator":
                person.moderated_municipalities = [m1]
            db.session.add(person)
        db.session.commit()


def test_the_staff_list_takes_the_same_number_of_queries_for_5_or_50_staff(app, admin, places, count_queries):
    client = signed_in(app, admin)
    counts = []
    for total in (5, 50):
        _add_people(app, total // 2, places, "coordinator", prefix=f"c{total}-")
        _add_people(app, total - total // 2, places, "moderator", prefix=f"m{total}-")
        with count_queries() as counter:
            assert client.get("/staff").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 12


def test_the_search_takes_the_same_number_of_queries_for_5_or_50_matches(app, admin, places, count_queries):
    client = signed_in(app, admin)
    counts = []
    for total in (5, 50):
        _add_people(app, total, places, "coordinator", prefix=f"found{total}-")
        with count_queries() as counter:
            assert client.get("/staff", query_string={"q": f"found{total}-"}).status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- changing roles and scopes ---------------------------------------------------------

def post_role(client, person, lang="en", **data):
    return client.post(f"/staff/people/{person.id}?lang={lang}", data=data)


def test_an_admin_makes_a_resident_coordinator_and_it_is_logged(app, resident, admin, places, caplog):
    client = signed_in(app, admin)
    with caplog.at_level(logging.INFO, logger="participation.audit"):
        response = post_role(client, resident, role="coordinator", neighbourhoods=[places.n1, places.n2])
    assert response.status_code == 302 and response.location == "/staff"
    user, scopes = fresh(app, resident.id)
    assert user.role == Role.COORDINATOR and scopes == (sorted([places.n1, places.n2]), [], False)
    [record] = [r for r in caplog.records if r.name == "participation.audit"]
    line = record.getMessage()
    assert "staff.role_changed" in line and f'"actor_id": {admin.id}' in line
    assert f'"target_id": {resident.id}' in line
    assert '"role": "resident"' in line and '"role": "coordinator"' in line
    assert resident.email not in line


def test_a_moderator_for_some_or_all_municipalities(app, resident, admin, places):
    client = signed_in(app, admin)
    post_role(client, resident, role="moderator", municipalities=[places.m2], neighbourhoods=[places.n1])
    assert fresh(app, resident.id)[1] == ([], [places.m2], False)  # neighbourhoods are not for moderators
    post_role(client, resident, role="moderator", municipalities=[places.m2], all_municipalities="y")
    assert fresh(app, resident.id)[1] == ([], [], True)


def test_back_to_resident_removes_the_scopes(app, admin, scoped_coordinator):
    client = signed_in(app, admin)
    assert post_role(client, scoped_coordinator, role="resident").status_code == 302
    user, scopes = fresh(app, scoped_coordinator.id)
    assert user.role == Role.RESIDENT and scopes == ([], [], False)


def test_the_edit_page_shows_the_current_role_and_scopes(app, admin, scoped_coordinator, places):
    html = signed_in(app, admin).get(f"/staff/people/{scoped_coordinator.id}?lang=en").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="role"[^>]*value="coordinator"', html)
    assert re.search(rf'name="neighbourhoods" id="neighbourhoods-{places.n1}" value="{places.n1}" checked', html)
    assert not re.search(rf'id="neighbourhoods-{places.n2}" value="{places.n2}" checked', html)


@pytest.mark.parametrize("data, field, message", [
    ({"role": "coordinator", "municipalities": "M1"}, "neighbourhoods",
     "Choose at least one neighbourhood for a coordinator"),
    ({"role": "moderator", "neighbourhoods": "N1"}, "municipalities",
     "Choose at least one municipality, or all municipalities, for a moderator"),
    ({}, "role", "Choose a role"),
    ({"role": "king"}, "role", "Not a valid choice"),
    ({"role": "coordinator", "neighbourhoods": "99999"}, "neighbourhoods", "not a valid choice"),
    ({"role": "coordinator", "neighbourhoods": "abc"}, "neighbourhoods", "could not be coerced"),
])
def test_a_wrong_role_change_is_explained_and_nothing_typed_is_lost(app, resident, admin, places,
                                                                     data, field, message):
    data = {key: {"M1": places.m1, "N1": places.n1}.get(value, value) for key, value in data.items()}
    response = post_role(signed_in(app, admin), resident, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html and f'href="#{field}"' in html
    if "municipalities" in data:
        assert f'id="municipalities-{places.m1}" value="{places.m1}" checked' in html
    if data.get("neighbourhoods") == places.n1:
        assert f'id="neighbourhoods-{places.n1}" value="{places.n1}" checked' in html
    if data.get("role") in ("coordinator", "moderator"):
        assert re.search(rf'<input checked[^>]*name="role"[^>]*value="{data["role"]}"', html)
    assert fresh(app, resident.id)[0].role == Role.RESIDENT


def test_an_admin_cannot_take_away_their_own_admin_role(app, admin):
    response = post_role(signed_in(app, admin), admin, role="moderator", all_municipalities="y")
    assert response.status_code == 200
    assert "You cannot take away your own admin role" in response.get_data(as_text=True)
    assert fresh(app, admin.id)[0].role == Role.ADMIN


def test_another_admin_can_take_the_admin_role_away(app, admin, make_staff):
    other = make_staff("admin")
    assert post_role(signed_in(app, admin), other, role="resident").status_code == 302
    assert fresh(app, other.id)[0].role == Role.RESIDENT


def test_a_role_change_ends_all_sessions_of_that_person(app, admin, scoped_coordinator, places):
    phone, laptop = signed_in(app, scoped_coordinator), signed_in(app, scoped_coordinator)
    assert phone.get("/account").status_code == 200
    admin = signed_in(app, admin)
    post_role(admin, scoped_coordinator, role="coordinator", neighbourhoods=[places.n1, places.n2])  # scopes only
    assert phone.get("/account").status_code == 200
    post_role(admin, scoped_coordinator, role="moderator", municipalities=[places.m1])
    assert phone.get("/account").status_code == 302 and laptop.get("/account").status_code == 302
    assert admin.get("/account").status_code == 200  # the admin's own session stays
    with app.app_context():
        open_sessions = db.session.scalar(select(func.count(LoginSession.id)).where(
            LoginSession.user_id == scoped_coordinator.id, LoginSession.revoked_at.is_(None)))
    assert open_sessions == 0


def test_an_unknown_person_is_404(app, admin):
    assert signed_in(app, admin).get("/staff/people/999999").status_code == 404


# --- invitations ---------------------------------------------------------------------

def invite(client, lang="en", **changes):
    data = {"email": "New.Person@Example.org", "language": "de", "role": "coordinator", **changes}
    return client.post(f"/staff/invite?lang={lang}", data={k: v for k, v in data.items() if v is not None})


def test_an_invitation_creates_the_account_and_emails_a_link_in_the_invitees_language(
        app, admin, places, outbox, caplog):
    with caplog.at_level(logging.INFO, logger="participation.audit"):
        response = invite(signed_in(app, admin), neighbourhoods=[places.n1])
    assert response.status_code == 302 and response.location == "/staff"
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
        assert person.role == Role.COORDINATOR and [n.id for n in person.coordinated_neighbourhoods] == [places.n1]
        assert person.password_hash is None and not person.is_verified and person.language == "de"
    [email] = outbox()
    assert email.to_address == "new.person@example.org"
    assert '<html lang="de">' in email.html_body  # rendered in German, whoever sent it
    assert "Ada Admin" in email.text_body
    link = link_in(email, "/staff/invitation/")
    assert link.split("/")[-1] not in caplog.text


def test_inviting_an_existing_address_is_refused_with_a_way_to_edit_that_person(app, admin, resident, outbox):
    response = invite(signed_in(app, admin), email=resident.email.upper(), role="admin")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "There is already an account with this email address" in html
    assert f'href="/staff/people/{resident.id}"' in html
    assert fresh(app, resident.id)[0].role == Role.RESIDENT and outbox() == []


@pytest.mark.parametrize("changes, message", [
    ({"neighbourhoods": None}, "Choose at least one neighbourhood for a coordinator"),
    ({"role": "moderator"}, "Choose at least one municipality, or all municipalities, for a moderator"),
    ({"role": "resident"}, "Not a valid choice"),
    ({"email": "not an address"}, "Enter an email address in the right format"),
    ({"email": ""}, "Enter the email address of the person you invite"),
    ({"language": "xx"}, "Not a valid choice"),
])
def test_a_wrong_invitation_is_explained_and_nothing_typed_is_lost(app, admin, outbox, changes, message):
    response = invite(signed_in(app, admin), **changes)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and message in html
    if changes.get("email") is None:
        assert 'value="New.Person@Example.org"' in html
    assert outbox() == []


def accepted_invitation(app, client, admin, places, outbox, role="coordinator"):
    invite(signed_in(app, admin), role=role, neighbourhoods=[places.n1], all_municipalities="y")
    return link_in(outbox()[-1], "/staff/invitation/")


def test_the_invitation_link_sets_name_and_password_and_signs_in(app, client, admin, places, outbox):
    link = accepted_invitation(app, client, admin, places, outbox)
    page = client.get(link + "?lang=en")
    assert page.status_code == 200 and "new.person@example.org" in page.get_data(as_text=True)
    response = client.post(link, data={"display_name": "Nieuwe Collega", "password": NEW_PASSWORD})
    assert response.status_code == 302 and response.location.startswith("/account/two-factor")
    with app.app_context():
        person = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
        assert person.display_name == "Nieuwe Collega" and person.is_verified
        assert verify_password(person.password_hash, NEW_PASSWORD)
    assert client.get("/account").status_code == 200  # signed in
    # Staff pages wait for two-factor sign-in; a coordinator is not an admin anyway.
    assert client.get("/staff").status_code == 403
    again = client.post(link + "?lang=en", data={"display_name": "Someone Else", "password": NEW_PASSWORD})
    assert again.status_code == 400 and "already been used" in again.get_data(as_text=True)
    assert client.get(link + "?lang=en").status_code == 400


def test_an_invited_admin_must_set_up_two_factor_first(app, client, admin, places, outbox):
    link = accepted_invitation(app, client, admin, places, outbox, role="admin")
    client.post(link, data={"display_name": "Nieuwe Admin", "password": NEW_PASSWORD})
    response = client.get("/staff")
    assert response.status_code == 302 and response.location.startswith("/account/two-factor")


def test_a_weak_password_is_refused_and_the_link_still_works(app, client, admin, places, outbox):
    link = accepted_invitation(app, client, admin, places, outbox)
    response = client.post(link + "?lang=en", data={"display_name": "Nieuwe Collega", "password": "1234567890"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "used by many people" in html and 'value="Nieuwe Collega"' in html
    assert client.post(link, data={"display_name": "Nieuwe Collega", "password": NEW_PASSWORD}).status_code == 302


def test_an_expired_invitation_is_refused(app, client, admin, places, outbox):
    link = accepted_invitation(app, client, admin, places, outbox)
    later = time.time() + timedelta(days=7, minutes=1).total_seconds()
    with mock.patch("itsdangerous.timed.time.time", return_value=later):
        response = client.post(link + "?lang=en", data={"display_name": "Nieuwe Collega", "password": NEW_PASSWORD})
    assert response.status_code == 400 and "too old" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(User.password_hash).where(User.email == "new.person@example.org")) is None


def test_a_forged_invitation_is_refused(app, client, admin, places, outbox):
    link = accepted_invitation(app, client, admin, places, outbox)
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.get(forged + "?lang=en")
    assert response.status_code == 400 and "not complete or not right" in response.get_data(as_text=True)
    assert client.get("/staff/invitation/x").status_code == 400


def test_an_invitation_can_be_sent_again_until_it_is_accepted(app, client, admin, places, outbox):
    link = accepted_invitation(app, client, admin, places, outbox)
    with app.app_context():
        person_id = db.session.scalar(select(User.id).where(User.email == "new.person@example.org"))
    admin = signed_in(app, admin)
    assert "Send the invitation again" in admin.get(f"/staff/people/{person_id}?lang=en").get_data(as_text=True)
    assert admin.post(f"/staff/people/{person_id}/invitation").status_code == 302
    assert len(outbox()) == 2
    client.post(link, data={"display_name": "Nieuwe Collega", "password": NEW_PASSWORD})
    admin.post(f"/staff/people/{person_id}/invitation")
    assert len(outbox()) == 2
    # The second link, never used, stops working once a password is chosen.
    second = link_in(outbox()[-1], "/staff/invitation/")
    assert client.get(second).status_code == 400


# --- flask users ----------------------------------------------------------------------

def create_command(runner, *args, env=None, input=None):
    return runner.invoke(args=["users", "create", *args], env=env, input=input)


def test_cli_creates_the_first_admin_with_the_password_from_the_environment(app, runner):
    result = create_command(runner, "--email", " Boss@Example.ORG ", "--role", "admin", "--name", "De Baas",
                            "--password-env", "FIRST_ADMIN_PASSWORD", env={"FIRST_ADMIN_PASSWORD": NEW_PASSWORD})
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "boss@example.org"))
        assert user.role == Role.ADMIN and user.is_verified and user.display_name == "De Baas"
        assert verify_password(user.password_hash, NEW_PASSWORD)
    listing = runner.invoke(args=["users", "list-staff"])
    assert listing.exit_code == 0 and "boss@example.org" in listing.output and "admin" in listing.output


def test_cli_asks_for_the_password_twice(app, runner):
    result = create_command(runner, "--email", "mod@example.org", "--role", "moderator", "--all-municipalities",
                            input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert NEW_PASSWORD not in result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "mod@example.org"))
        assert user.role == Role.MODERATOR and user.moderates_everywhere
        assert verify_password(user.password_hash, NEW_PASSWORD)


def test_cli_gives_a_coordinator_neighbourhoods(app, runner, places):
    result = create_command(runner, "--email", "coor@example.org", "--role", "coordinator",
                            "--neighbourhood", places.n1_slug, "--password-env", "PW", env={"PW": NEW_PASSWORD})
    assert result.exit_code == 0, result.output
    assert fresh(app, fresh_id(app, "coor@example.org"))[1] == ([places.n1], [], False)
    assert places.n1_slug in runner.invoke(args=["users", "list-staff"]).output


def fresh_id(app, email):
    with app.app_context():
        return db.session.scalar(select(User.id).where(User.email == email))


@pytest.mark.parametrize("args, env, message", [
    (["--role", "admin", "--password-env", "PW"], {"PW": "1234567890"}, "used by many people"),
    (["--role", "admin", "--password-env", "PW"], {"PW": "short"}, "at least 10 characters"),
    (["--role", "admin", "--password-env", "PW"], {"PW": ""}, "PW is not set"),
    (["--role", "coordinator", "--password-env", "PW"], {"PW": NEW_PASSWORD}, "at least one neighbourhood"),
    (["--role", "moderator", "--password-env", "PW"], {"PW": NEW_PASSWORD}, "at least one municipality"),
    (["--role", "coordinator", "--neighbourhood", "nowhere/none", "--password-env", "PW"], {"PW": NEW_PASSWORD},
     "Not in the catalogue: nowhere/none"),
    (["--role", "emperor", "--password-env", "PW"], {"PW": NEW_PASSWORD}, "Invalid value for '--role'"),
])
def test_cli_refuses_what_the_website_would_refuse(app, runner, catalogue, args, env, message):
    result = create_command(runner, "--email", "new@example.org", *args, env=env)
    assert result.exit_code != 0 and message in result.output
    assert fresh_id(app, "new@example.org") is None


def test_cli_refuses_an_address_that_has_an_account(app, runner, resident):
    result = create_command(runner, "--email", resident.email.upper(), "--role", "admin", "--password-env", "PW",
                            env={"PW": NEW_PASSWORD})
    assert result.exit_code == 1
    assert "There is already an account with the address" in result.output
    assert fresh(app, resident.id)[0].role == Role.RESIDENT


def test_cli_list_staff_without_staff(runner):
    result = runner.invoke(args=["users", "list-staff"])
    assert result.exit_code == 0 and "flask users create" in result.output


@pytest.mark.parametrize("term, message", [("a\x00b", "Remove the invisible or special characters"),
                                           ("x" * 101, "Search for at most 100 characters")])
def test_a_wrong_search_is_explained(app, admin, term, message):
    response = signed_in(app, admin).get("/staff", query_string={"q": term, "lang": "en"})
    assert response.status_code == 200 and message in response.get_data(as_text=True)
