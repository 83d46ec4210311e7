"""Accounts: sign up, verify, sign in and out, passwords, email, profile."""
from datetime import timedelta
from unittest import mock

import pytest
from flask import Blueprint
from sqlalchemy import func, select

from participation.accounts.models import LoginSession, User
from participation.core.permissions import participation_required
from participation.extensions import db
from tests.conftest import PASSWORD, form_started, link_in, sign_in

GOOD = {
    "email": "Anna.Schmidt@Example.DE",
    "display_name": "Anna Schmidt",
    "password": "mijn fiets staat bij de Maas",
    "language": "de",
    "municipality": "",
    "neighbourhood": "",
    "consent": "y",
}


def register(client, **changes):
    data = {**GOOD, "form_started": form_started(client, "/register"), **changes}
    data = {key: value for key, value in data.items() if value is not None}
    return client.post("/register?lang=en", data=data)


def user_with_email(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        if user is not None:
            db.session.expunge(user)
        return user


def user_count(app):
    with app.app_context():
        return db.session.scalar(select(func.count(User.id)))


# --- registration ------------------------------------------------------------

def test_registration_creates_an_unverified_account_and_sends_a_link(client, app, catalogue, outbox):
    response = register(client)
    assert response.status_code == 302 and response.location.endswith("/register/check-email")
    user = user_with_email(app, "anna.schmidt@example.de")
    assert user.display_name == "Anna Schmidt" and user.language == "de"
    assert not user.is_verified
    assert user.consent_version and user.consented_at is not None
    assert user.password_hash.startswith("$argon2id$")
    [email] = outbox()
    assert email.to_address == "anna.schmidt@example.de"
    assert "E-Mail" in email.subject  # in the person's language (German)
    assert "/verify/" in email.text_body


def test_registration_with_a_place(client, app, catalogue):
    from participation.programme.models import Neighbourhood
    with app.app_context():
        neighbourhood = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.id)).first()
        neighbourhood_id, municipality_id = neighbourhood.id, neighbourhood.municipality_id
    assert register(client, neighbourhood=str(neighbourhood_id)).status_code == 302
    user = user_with_email(app, "anna.schmidt@example.de")
    assert (user.municipality_id, user.neighbourhood_id) == (municipality_id, neighbourhood_id)


def test_neighbourhood_outside_the_chosen_municipality_is_refused(client, app, catalogue):
    from participation.programme.models import Municipality, Neighbourhood
    with app.app_context():
        neighbourhood = db.session.scalars(select(Neighbourhood).order_by(Neighbourhood.id)).first()
        other = db.session.scalars(select(Municipality).where(Municipality.id != neighbourhood.municipality_id)).first()
        ids = (str(other.id), str(neighbourhood.id))
    response = register(client, municipality=ids[0], neighbourhood=ids[1])
    assert response.status_code == 200
    assert "This neighbourhood is not in the municipality you chose" in response.get_data(as_text=True)
    assert user_count(app) == 0


def test_duplicate_email_in_another_case_is_refused(client, app, catalogue, create_user):
    create_user(email="anna.schmidt@example.de")
    response = register(client, email="ANNA.Schmidt@example.de")
    assert response.status_code == 200
    assert "There is already an account with this email address" in response.get_data(as_text=True)
    assert user_count(app) == 1


@pytest.mark.parametrize("field, value, message", [
    ("email", "not-an-address", "Enter an email address in the right format"),
    ("email", "", "Enter your email address"),
    ("email", "a" * 250 + "@example.org", "at most 254 characters"),
    ("display_name", "", "Enter the name others will see"),
    ("display_name", "x", "between 2 and 50 characters"),
    ("display_name", "x" * 51, "between 2 and 50 characters"),
    ("display_name", "Anna\x00Schmidt", "Remove the invisible or special characters"),
    ("password", "short", "at least 10 characters"),
    ("password", "1234567890", "used by many people"),
    ("password", "x" * 129, "at most 128 characters"),
    ("consent", None, "You need to agree to the privacy statement"),
    ("language", "xx", "Not a valid choice"),
    ("municipality", "99999", "Not a valid choice"),
    ("municipality", "abc", "Not a valid choice"),
])
def test_bad_registration_input_gives_a_message_and_keeps_what_was_typed(client, app, catalogue, field, value, message):
    response = register(client, **{field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'class="error-summary"' in html and f'href="#{field}"' in html
    if field != "email":
        assert 'value="Anna.Schmidt@Example.DE"' in html  # nothing typed is lost
    assert user_count(app) == 0


def test_html_in_the_display_name_is_shown_escaped(client, app, catalogue):
    register(client, display_name='<script>alert(1)</script>')
    client.get("/account")
    html = client.get("/account?lang=en").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_names_and_addresses_are_unicode_normalised(client, app, catalogue):
    decomposed = "Jose\u0301 Mu\u0308ller-Straße ĳ"  # é and ü as combining characters
    register(client, email="JOSÉ@Straße.example", display_name=decomposed)
    user = user_with_email(app, "josé@straße.example")
    assert user is not None
    assert user.display_name == "José Müller-Straße ĳ"


def test_honeypot_stops_bots(client, app, catalogue):
    response = register(client, website="http://spam.example")
    assert response.status_code == 200
    assert user_count(app) == 0


def test_a_form_filled_in_too_fast_is_refused(make_app, catalogue):
    app = make_app(FORM_MIN_FILL_SECONDS=3)
    client = app.test_client()
    response = register(client)
    assert "That was very fast" in response.get_data(as_text=True)
    assert user_count(app) == 0


# --- verification ------------------------------------------------------------

def verification_link(outbox):
    return link_in(outbox()[-1], "/verify/")


def test_verification_link_confirms_once(client, app, catalogue, outbox):
    register(client)
    link = verification_link(outbox)
    assert client.get(link).status_code == 200  # a page with a button: opening the link changes nothing
    assert not user_with_email(app, "anna.schmidt@example.de").is_verified
    assert client.post(link).status_code == 302
    assert user_with_email(app, "anna.schmidt@example.de").is_verified
    again = client.post(link + "?lang=en")
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)


def test_verification_link_expires_after_48_hours(client, app, catalogue, outbox):
    register(client)
    link = verification_link(outbox)
    later = __import__("time").time() + timedelta(hours=48, minutes=1).total_seconds()
    with mock.patch("itsdangerous.timed.time.time", return_value=later):
        response = client.post(link + "?lang=en")
    assert response.status_code == 400 and "too old" in response.get_data(as_text=True)
    assert not user_with_email(app, "anna.schmidt@example.de").is_verified


def test_forged_verification_link_is_refused(client, app, catalogue, outbox):
    register(client)
    link = verification_link(outbox)
    forged = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")
    response = client.post(forged + "?lang=en")
    assert response.status_code == 400 and "not complete or not right" in response.get_data(as_text=True)


def test_verification_can_be_resent(client, app, catalogue, outbox):
    register(client)
    client.post("/verify/resend")
    assert len(outbox()) == 2


def test_unverified_person_cannot_participate_and_is_told_why(make_app, create_user, unverified_resident):
    app = make_app()
    extra = Blueprint("participate_probe", __name__)

    @extra.post("/probe/participate")
    @participation_required
    def participate():
        return "done"

    app.register_blueprint(extra)
    client = app.test_client()
    assert client.post("/probe/participate").status_code == 302  # anonymous → sign in
    sign_in(client, unverified_resident)
    response = client.post("/probe/participate?lang=en")
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "First confirm your email address" in html and "/verify/resend" in html


# --- signing in and out --------------------------------------------------------

def test_sign_in_and_out(client, resident):
    response = sign_in(client, resident)
    assert response.status_code == 302
    assert "Your account" in client.get("/?lang=en").get_data(as_text=True)
    client.post("/signout")
    assert client.get("/account").status_code == 302


def test_email_is_matched_case_insensitively_at_sign_in(client, resident):
    response = client.post("/signin", data={"email": resident.email.upper(), "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_gives_one_message_for_both_fields(client, resident):
    response = client.post("/signin?lang=en", data={"email": resident.email, "password": "wrong password!"})
    assert "The email address or password is not right" in response.get_data(as_text=True)
    response = client.post("/signin?lang=en", data={"email": "nobody@example.org", "password": "wrong password!"})
    assert "The email address or password is not right" in response.get_data(as_text=True)


def test_a_cookie_copied_before_sign_out_no_longer_works(app, client, resident):
    sign_in(client, resident)
    copied = client.get_cookie("session").value
    client.post("/signout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get("/account").status_code == 302


def test_sign_in_starts_a_new_session(client, resident):
    client.get("/?lang=de")
    before = client.get_cookie("session").value
    sign_in(client, resident)
    assert client.get_cookie("session").value != before
    with client.session_transaction() as session:
        assert session.get("lang") == resident.language


@pytest.mark.parametrize("target, expected", [
    ("/account", "/account"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_only_leads_to_this_site(client, resident, target, expected):
    response = client.post("/signin", query_string={"next": target},
                           data={"email": resident.email, "password": PASSWORD})
    assert response.location == expected


def test_wrong_password_repeatedly_gives_429_in_the_persons_language(client, resident):
    for _ in range(10):
        client.post("/signin", data={"email": resident.email, "password": "wrong password!"})
    response = client.post("/signin?lang=de", data={"email": resident.email, "password": "wrong password!"})
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert 'lang="de"' in html and "Minuten" in html
    assert int(response.headers["Retry-After"]) > 60
    # Another account from the same address is not blocked yet.
    other = client.post("/signin", data={"email": "someone@example.org", "password": "wrong password!"})
    assert other.status_code == 200


def test_sign_in_is_throttled_per_address_too(client, create_user):
    for number in range(30):
        client.post("/signin", data={"email": f"guess{number}@example.org", "password": "wrong password!"})
    assert client.post("/signin", data={"email": "last@example.org", "password": "x" * 10}).status_code == 429


# --- passwords ---------------------------------------------------------------

def test_password_reset_gives_the_same_answer_for_unknown_addresses(client, resident, outbox):
    started = form_started(client, "/password/forgot")
    known = client.post("/password/forgot?lang=en", data={"email": resident.email, "form_started": started}).get_data(as_text=True)
    unknown = client.post("/password/forgot?lang=en", data={"email": "nobody@example.org", "form_started": started}).get_data(as_text=True)
    assert known.replace(resident.email, "X") == unknown.replace("nobody@example.org", "X")
    assert len(outbox()) == 1


def test_password_reset_link_works_once_and_signs_out_everywhere(app, client, resident, outbox):
    other_device = app.test_client()
    sign_in(other_device, resident)
    client.post("/password/forgot", data={"email": resident.email, "form_started": form_started(client, "/password/forgot")})
    link = link_in(outbox()[-1], "/password/reset/")
    assert client.post(link, data={"password": "een heel nieuw wachtwoord"}).status_code == 302
    assert other_device.get("/account").status_code == 302
    assert client.post(link + "?lang=en", data={"password": "nog een ander wachtwoord"}).status_code == 400
    assert client.post("/signin", data={"email": resident.email, "password": "een heel nieuw wachtwoord"}).status_code == 302


def test_password_reset_link_expires_after_an_hour(client, resident, outbox):
    client.post("/password/forgot", data={"email": resident.email, "form_started": form_started(client, "/password/forgot")})
    link = link_in(outbox()[-1], "/password/reset/")
    later = __import__("time").time() + 3601
    with mock.patch("itsdangerous.timed.time.time", return_value=later):
        response = client.post(link + "?lang=en", data={"password": "een heel nieuw wachtwoord"})
    assert response.status_code == 400 and "too old" in response.get_data(as_text=True)


def test_changing_the_password_asks_the_current_one_and_signs_out_other_sessions(app, client, resident):
    other_device = app.test_client()
    sign_in(other_device, resident)
    sign_in(client, resident)
    wrong = client.post("/account/password?lang=en", data={"current_password": "not it at all", "password": "een heel nieuw wachtwoord"})
    assert "Your current password is not right" in wrong.get_data(as_text=True)
    assert client.post("/account/password", data={"current_password": PASSWORD, "password": "een heel nieuw wachtwoord"}).status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302


# --- email address and profile -------------------------------------------------

def test_changing_the_email_address_needs_confirmation_of_the_new_one(app, client, resident, outbox):
    sign_in(client, resident)
    client.post("/account/email", data={"email": "Nieuw@Example.org", "current_password": PASSWORD})
    assert user_with_email(app, resident.email) is not None  # unchanged until confirmed
    to_new, to_old = outbox()[-2:]
    assert to_new.to_address == "nieuw@example.org" and to_old.to_address == resident.email
    client.post(link_in(to_new, "/account/email/confirm/"))
    assert user_with_email(app, "nieuw@example.org") is not None


def test_profile_language_drives_the_interface(client, resident):
    sign_in(client, resident)
    client.post("/account", data={"display_name": "Resi", "language": "fr", "municipality": "", "neighbourhood": "",
                                  "notify_replies": "y"})
    assert '<html lang="fr">' in client.get("/about").get_data(as_text=True)


def test_profile_saves_notification_preferences(app, client, resident, catalogue):
    sign_in(client, resident)
    client.post("/account", data={"display_name": "Resi", "language": "nl", "municipality": "", "neighbourhood": "",
                                  "notify_replies": "y"})
    user = user_with_email(app, resident.email)
    assert user.notifications == {"replies": True, "status_changes": False, "moderation": False, "workshops": False}


def test_sessions_are_stored_hashed(app, client, resident):
    sign_in(client, resident)
    with app.app_context():
        stored = db.session.scalars(select(LoginSession.token_hash)).all()
    assert len(stored) == 1 and len(stored[0]) == 64
    assert stored[0] not in client.get_cookie("session").value
