"""Privacy (AVG/GDPR): download one's data, delete one's account, purge
unconfirmed accounts; and the demo accounts."""
import json
import re
from datetime import timedelta

import pytest
from flask import render_template_string
from sqlalchemy import func, select

from participation.accounts.models import LoginSession, RecoveryCode, Role, User, default_notifications
from participation.accounts.privacy import (
    author_name,
    export_personal_data,
    register_export_section,
    unregister_export_section,
)
from participation.core.types import utcnow
from participation.extensions import db
from participation.mail.models import EmailStatus, OutboundEmail
from participation.programme.models import Municipality, Neighbourhood
from tests.conftest import PASSWORD, form_started, sign_in

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
RECOVERY_HASH = "f" * 64
PENDING_BODY = "Open https://example.org/password/reset/PENDING-TOKEN-abc123 to continue"


# --- helpers -------------------------------------------------------------------

def add_email(app, to_address, status=EmailStatus.PENDING, subject="A pending message"):
    import secrets

    with app.app_context():
        email = OutboundEmail(to_address=to_address, subject=subject, text_body=PENDING_BODY,
                              html_body=f"<p>{PENDING_BODY}</p>", message_id=f"<{secrets.token_hex(8)}@test>",
                              status=status)
        db.session.add(email)
        db.session.commit()
        return email.id


def place(app, municipality_slug="maastricht", neighbourhood_slug="malpertuis"):
    with app.app_context():
        municipality = db.session.scalar(select(Municipality).where(Municipality.slug == municipality_slug))
        neighbourhood = db.session.scalar(select(Neighbourhood).where(
            Neighbourhood.municipality_id == municipality.id, Neighbourhood.slug == neighbourhood_slug))
        return municipality.id, neighbourhood.id


def give_two_factor(app, user_id):
    """Two-factor on, with a recovery code (set after signing in with the password)."""
    with app.app_context():
        user = db.session.get(User, user_id)
        user.totp_secret = TOTP_SECRET
        user.totp_enabled_at = utcnow()
        db.session.add(RecoveryCode(user_id=user_id, code_hash=RECOVERY_HASH))
        db.session.commit()


def fetch_user(app, user_id):
    with app.app_context():
        user = db.session.get(User, user_id)
        if user is not None:
            db.session.expunge(user)
        return user


def count(app, statement):
    with app.app_context():
        return db.session.scalar(statement)


def all_keys(value):
    if isinstance(value, dict):
        for key, inner in value.items():
            yield key
            yield from all_keys(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from all_keys(inner)


@pytest.fixture
def person(app, catalogue, create_user):
    """A resident with a place, custom email choices, and a pending email."""
    municipality_id, neighbourhood_id = place(app)
    user = create_user("resident", email="zoe@example.org", display_name="Zoë Janssen", language="en",
                       municipality_id=municipality_id, neighbourhood_id=neighbourhood_id,
                       consent_version="2026-11", consented_at=utcnow(),
                       notifications={**default_notifications(), "workshops": False})
    return user


# --- access --------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [
    ("get", "/account/data"), ("get", "/account/data/download"), ("get", "/account/delete"),
    ("post", "/account/delete"),
])
def test_privacy_pages_need_sign_in(client, method, path):
    response = getattr(client, method)(path)
    assert response.status_code == 302 and "/signin" in response.location


def test_the_profile_links_to_both_pages(client, resident):
    sign_in(client, resident)
    html = client.get("/account?lang=en").get_data(as_text=True)
    assert 'href="/account/data"' in html and 'href="/account/delete"' in html


def test_data_page_explains_and_links_to_the_download(client, resident):
    sign_in(client, resident)
    html = client.get("/account/data?lang=en").get_data(as_text=True)
    assert "Download your data" in html and 'href="/account/data/download"' in html


# --- download ------------------------------------------------------------------

def test_download_holds_the_persons_data_and_no_secret(app, client, person, outbox):
    add_email(app, person.email, subject="Your workshop starts soon")
    add_email(app, "someone.else@example.org", subject="Not about Zoë")
    sign_in(client, person)
    give_two_factor(app, person.id)
    cookie = client.get_cookie("session").value

    response = client.get("/account/data/download")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert re.fullmatch(r'attachment; filename="meedoen-data-\d{4}-\d{2}-\d{2}\.json"',
                        response.headers["Content-Disposition"])
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)

    account = data["account"]
    assert account["email"] == "zoe@example.org" and account["display_name"] == "Zoë Janssen"
    assert account["language"] == "en"
    assert account["place"]["municipality"]["slug"] == "maastricht"
    assert account["place"]["neighbourhood"]["slug"] == "malpertuis"
    assert account["notifications"]["workshops"] is False and account["notifications"]["replies"] is True
    assert account["consent"]["privacy_statement_version"] == "2026-11" and account["consent"]["agreed_at"]
    assert account["email_verified_at"] and account["created_at"]
    assert account["role"] == "resident"
    assert account["coordinates_neighbourhoods"] == [] and account["moderates_municipalities"] == []
    assert account["two_factor"]["enabled"] is True and account["two_factor"]["recovery_codes_left"] == 1
    [session] = data["sign_in_sessions"]
    assert session["active"] is True and session["started_at"] and session["ended_at"] is None
    assert [(e["subject"], e["status"]) for e in data["emails"]] == [("Your workshop starts soon", "pending")]
    assert data["exported_at"]

    # No secret, token or hash: neither as a key nor as a value.
    for key in all_keys(data):
        assert not re.search(r"hash|secret|token|password|body|code$", key), key
    with app.app_context():
        user = db.session.get(User, person.id)
        stored = [user.password_hash, user.totp_secret, RECOVERY_HASH,
                  *db.session.scalars(select(LoginSession.token_hash)).all()]
    for value in [*stored, cookie, "PENDING-TOKEN", "Not about Zoë"]:
        assert value and value not in text


def test_download_of_a_staff_member_lists_their_scopes(app, client, catalogue, create_user):
    municipality_id, neighbourhood_id = place(app)
    coordinator = create_user("coordinator")
    with app.app_context():
        user = db.session.get(User, coordinator.id)
        user.coordinated_neighbourhoods = [db.session.get(Neighbourhood, neighbourhood_id)]
        db.session.commit()
    sign_in(client, coordinator)
    data = export_data(app, coordinator.id)
    assert data["account"]["role"] == "coordinator"
    assert [p["neighbourhood"]["slug"] for p in data["account"]["coordinates_neighbourhoods"]] == ["malpertuis"]


def export_data(app, user_id):
    with app.test_request_context("/?lang=en"):
        from participation.accounts.privacy import json_default

        return json.loads(json.dumps(export_personal_data(db.session.get(User, user_id)), default=json_default))


def test_a_registered_section_shows_up_in_the_download(app, client, resident):
    @register_export_section("test_probe")
    def probe(user):
        return {"user": user.id, "at": utcnow()}

    try:
        assert register_export_section("test_probe", probe) is probe  # the same again is harmless
        with pytest.raises(ValueError):
            register_export_section("test_probe", lambda user: None)  # another under a taken name is not
        with pytest.raises(ValueError):
            register_export_section("exported_at", lambda user: None)
        sign_in(client, resident)
        data = client.get("/account/data/download").get_json(force=True)
        assert data["test_probe"]["user"] == resident.id and data["test_probe"]["at"]
    finally:
        unregister_export_section("test_probe")
    assert "test_probe" not in client.get("/account/data/download").get_json(force=True)


# --- deletion ------------------------------------------------------------------

def test_the_delete_page_says_what_happens(client, resident):
    sign_in(client, resident)
    html = client.get("/account/delete?lang=en").get_data(as_text=True)
    assert "This cannot be undone" in html and "former participant" in html
    assert 'autocomplete="current-password"' in html


def test_delete_with_a_wrong_password_is_refused_and_changes_nothing(app, client, person):
    sign_in(client, person)
    response = client.post("/account/delete?lang=en", data={"password": "not the password at all"})
    assert response.status_code == 200
    assert "This password is not right. Nothing has been deleted." in response.get_data(as_text=True)
    user = fetch_user(app, person.id)
    assert user.deleted_at is None and user.email == "zoe@example.org" and user.password_hash
    assert client.get("/account").status_code == 200  # still signed in
    assert client.post("/account/delete?lang=en", data={"password": ""}).status_code == 200
    assert fetch_user(app, person.id).deleted_at is None


def test_delete_erases_the_person_and_keeps_the_row(app, client, person):
    other_device = app.test_client()
    sign_in(other_device, person)
    sign_in(client, person)
    give_two_factor(app, person.id)
    pending = add_email(app, person.email)
    sent = add_email(app, person.email, status=EmailStatus.SENT)
    someone_else = add_email(app, "someone.else@example.org")

    response = client.post("/account/delete?lang=en", data={"password": PASSWORD})
    assert response.status_code == 302 and response.location == "/account/deleted"
    page = client.get(response.location)
    assert page.status_code == 200 and "Your account is deleted" in page.get_data(as_text=True)
    assert client.get("/account/deleted").status_code == 302  # shown once

    # Signed out here and on the other device.
    assert client.get("/account").status_code == 302
    assert other_device.get("/account").status_code == 302

    user = fetch_user(app, person.id)
    assert user is not None and user.deleted_at is not None
    assert (user.email, user.display_name, user.password_hash) == (None, None, None)
    assert (user.municipality_id, user.neighbourhood_id) == (None, None)
    assert (user.totp_secret, user.totp_enabled_at, user.totp_last_step) == (None, None, None)
    assert user.notifications == default_notifications()
    assert user.role == Role.RESIDENT
    assert count(app, select(func.count()).select_from(RecoveryCode).where(RecoveryCode.user_id == person.id)) == 0
    assert count(app, select(func.count()).select_from(LoginSession).where(LoginSession.user_id == person.id)) == 0
    with app.app_context():
        left = set(db.session.scalars(select(OutboundEmail.id)).all())
    assert pending not in left and sent not in left and someone_else in left

    # The old password opens nothing; the address is free for a new account.
    assert client.post("/signin", data={"email": "zoe@example.org", "password": PASSWORD}).status_code == 200
    response = client.post("/register", data={
        "email": "Zoe@Example.org", "display_name": "Zoë again", "password": "een nieuw begin in Malpertuis",
        "language": "nl", "municipality": "", "neighbourhood": "", "consent": "y",
        "form_started": form_started(client, "/register")})
    assert response.status_code == 302
    with app.app_context():
        again = db.session.scalar(select(User).where(User.email == "zoe@example.org"))
        assert again is not None and again.id != person.id and again.deleted_at is None


def test_a_staff_member_who_deletes_their_account_loses_the_role(app, client, catalogue, create_user):
    municipality_id, _ = place(app)
    moderator = create_user("moderator")
    with app.app_context():
        user = db.session.get(User, moderator.id)
        user.moderated_municipalities = [db.session.get(Municipality, municipality_id)]
        from participation.accounts.privacy import delete_account
        delete_account(user)
        db.session.commit()
    user = fetch_user(app, moderator.id)
    assert user.role == Role.RESIDENT
    with app.app_context():
        assert db.session.get(User, moderator.id).moderated_municipalities == []


@pytest.mark.parametrize("language, expected", [
    ("en", "former participant"),
    ("nl", "oud-deelnemer"),
    ("de", "ehemaliges Mitglied"),
    ("fr", "ancien participant"),
])
def test_author_name_of_a_deleted_account(app, create_user, language, expected):
    gone = create_user("resident", display_name="Gone Soon", deleted_at=utcnow())
    here = create_user("resident", display_name="Still Here")
    with app.test_request_context(f"/?lang={language}"):
        assert author_name(gone) == expected
        assert author_name(None) == expected
        assert author_name(here) == "Still Here"
        assert render_template_string("{{ author_name(a) }}|{{ b|author_name }}", a=gone, b=here) == \
            f"{expected}|Still Here"


def test_the_privacy_statement_says_what_happens_to_votes(client):
    html = client.get("/privacy?lang=en").get_data(as_text=True)
    assert "your votes on proposals that are still open keep counting" in html
    assert "deleted after seven days" in html


# --- purging unconfirmed accounts ----------------------------------------------

def test_purge_removes_only_unconfirmed_accounts_older_than_seven_days(app, runner, client, create_user):
    now = utcnow()
    old_unconfirmed = create_user("resident", verified=False, created_at=now - timedelta(days=8))
    sign_in(client, old_unconfirmed)  # a sign-in session, removed along with the account
    add_email(app, old_unconfirmed.email, subject="Confirm your email address")
    fresh_unconfirmed = create_user("resident", verified=False, created_at=now - timedelta(days=2))
    old_confirmed = create_user("resident", created_at=now - timedelta(days=30))
    old_staff = create_user("moderator", verified=False, created_at=now - timedelta(days=30))
    deleted = create_user("resident", verified=False, created_at=now - timedelta(days=30), deleted_at=now)

    result = runner.invoke(args=["accounts", "purge"])
    assert result.exit_code == 0, result.output
    assert "Deleted 1 account(s)" in result.output
    assert fetch_user(app, old_unconfirmed.id) is None
    for kept in (fresh_unconfirmed, old_confirmed, old_staff, deleted):
        assert fetch_user(app, kept.id) is not None
    assert count(app, select(func.count()).select_from(LoginSession)) == 0
    assert count(app, select(func.count()).select_from(OutboundEmail)) == 0

    again = runner.invoke(args=["accounts", "purge"])
    assert again.exit_code == 0 and "Deleted 0 account(s)" in again.output

    shorter = runner.invoke(args=["accounts", "purge", "--days", "1"])
    assert "Deleted 1 account(s)" in shorter.output and fetch_user(app, fresh_unconfirmed.id) is None
    assert runner.invoke(args=["accounts", "purge", "--days", "0"]).exit_code == 2


# --- demo accounts ---------------------------------------------------------------

DEMO_EMAILS = ["demo.admin@example.org", "demo.bewoner@example.org", "demo.coordinator@example.org",
               "demo.einwohner@example.org", "demo.moderator@example.org"]


def demo_rows(app):
    with app.app_context():
        # The demo accounts of each role (the demo content adds more residents).
        users = db.session.scalars(select(User).where(User.email.in_(DEMO_EMAILS)).order_by(User.email)).all()
        return [(u.id, u.email, u.display_name, u.role, u.language, u.password_hash, u.municipality_id,
                 u.neighbourhood_id, u.email_verified_at, u.consented_at, u.totp_secret, u.totp_enabled_at,
                 sorted(n.slug for n in u.coordinated_neighbourhoods),
                 sorted(m.slug for m in u.moderated_municipalities)) for u in users]


def test_demo_seed_is_idempotent_and_prints_how_to_sign_in(app, runner, catalogue):
    from participation.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    first = runner.invoke(args=["seed", "--demo"])
    assert first.exit_code == 0, first.output
    rows = demo_rows(app)
    assert [row[1] for row in rows] == DEMO_EMAILS
    for text in [DEMO_PASSWORD, DEMO_TOTP_SECRET, "pyotp.TOTP", *DEMO_EMAILS]:
        assert text in first.output

    second = runner.invoke(args=["seed", "--demo"])
    assert second.exit_code == 0 and "Demo accounts: already up to date." in second.output
    assert demo_rows(app) == rows

    by_email = {row[1]: row for row in rows}
    maastricht, malpertuis = place(app)
    aachen, _ = place(app, "aachen", "burtscheid")
    assert by_email["demo.bewoner@example.org"][6:8] == (maastricht, malpertuis)
    assert by_email["demo.einwohner@example.org"][4] == "de"
    assert by_email["demo.einwohner@example.org"][6] == aachen
    assert len(by_email["demo.coordinator@example.org"][12]) == 2
    assert by_email["demo.moderator@example.org"][13] == ["maastricht"]
    for email, row in by_email.items():
        staff = row[3] != Role.RESIDENT
        assert (row[10] == DEMO_TOTP_SECRET) is staff and (row[11] is not None) is staff, email
        assert row[8] is not None  # confirmed

    # The shared password signs a demo resident in.
    client = app.test_client()
    assert client.post("/signin", data={"email": "demo.bewoner@example.org", "password": DEMO_PASSWORD}).status_code == 302


def test_demo_staff_sign_in_with_the_published_two_factor_key(app, runner, catalogue):
    import pyotp

    from participation.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET

    runner.invoke(args=["seed", "--demo"])
    client = app.test_client()
    response = client.post("/signin", data={"email": "demo.moderator@example.org", "password": DEMO_PASSWORD})
    assert response.status_code == 302 and "/signin/code" in response.location
    assert client.post("/signin/code", data={"code": pyotp.TOTP(DEMO_TOTP_SECRET).now()}).status_code == 302
    assert client.get("/account").status_code == 200


def test_demo_seed_resets_what_testers_changed(app, runner, catalogue):
    runner.invoke(args=["seed", "--demo"])
    rows = demo_rows(app)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "demo.bewoner@example.org"))
        user.display_name = "Changed"
        db.session.commit()
    result = runner.invoke(args=["seed", "--demo"])
    assert "reset 1" in result.output
    assert demo_rows(app) == rows


def test_demo_accounts_without_the_catalogue_fall_back_gracefully(app):
    from participation.accounts.demo import seed_demo_accounts

    with app.app_context():
        report = seed_demo_accounts()
        db.session.commit()
        assert "maastricht" in report.missing and len(report.created) == 5
        coordinator = db.session.scalar(select(User).where(User.email == "demo.coordinator@example.org"))
        assert coordinator.role == Role.COORDINATOR and coordinator.coordinated_neighbourhoods == []


def test_demo_seed_is_refused_in_production(make_app, app):
    production = make_app(APP_ENV="production")
    result = production.test_cli_runner().invoke(args=["seed", "--demo"])
    assert result.exit_code == 1
    assert "never added in production" in result.output
    assert count(app, select(func.count()).select_from(User)) == 0

    from participation.accounts.demo import DemoRefused, seed_demo_accounts
    with production.app_context(), pytest.raises(DemoRefused):
        seed_demo_accounts()
