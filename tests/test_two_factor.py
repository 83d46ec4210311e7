"""Two-factor sign-in (TOTP) and the idle timeout of staff sessions."""
import logging
import re
import time

import pyotp
import pytest
from flask import Blueprint
from sqlalchemy import func, select

from participation.accounts import operations
from participation.accounts.models import LoginSession, RecoveryCode, User
from participation.accounts.operations import TOTP_INTERVAL
from participation.accounts.setup import LAST_ACTIVE_KEY
from participation.accounts.two_factor import PENDING_KEY, SETUP_KEY
from participation.core.permissions import staff_required
from participation.extensions import db
from tests.conftest import PASSWORD, sign_in, totp_code

RECOVERY_CODE = re.compile(r"\b[A-HJ-NP-Z2-9]{5}-[A-HJ-NP-Z2-9]{5}\b")


def fetch(app, user_id) -> User:
    with app.app_context():
        user = db.session.get(User, user_id)
        db.session.expunge(user)
        return user


def code_at(secret: str, step: int) -> str:
    return pyotp.TOTP(secret, interval=TOTP_INTERVAL).generate_otp(step)


def now_step() -> int:
    return int(time.time()) // TOTP_INTERVAL


def wrong_code(secret: str) -> str:
    """A well-formed code that is not valid now (nor a moment before or after)."""
    valid = {code_at(secret, now_step() + offset) for offset in range(-2, 3)}
    return next(code for code in ("123456", "654321", "111111", "999999") if code not in valid)


def start_sign_in(client, user, **query):
    response = client.post("/signin", query_string=query, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response.location == "/signin/code"
    return response


def is_signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def give_recovery_codes(app, user) -> list[str]:
    with app.app_context():
        codes = operations.replace_recovery_codes(db.session.get(User, user.id))
        db.session.commit()
    return codes


def pending_setup_secret(client) -> str:
    with client.session_transaction() as session:
        return session[SETUP_KEY]["secret"]


# --- setting it up -------------------------------------------------------------------

def test_setup_shows_the_key_as_text_and_as_an_inline_qr_code(client, resident):
    sign_in(client, resident)
    response = client.get("/account/two-factor?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    secret = pending_setup_secret(client)
    grouped = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    assert grouped in html
    assert '<svg' in html and 'role="img"' in html and 'aria-label="QR code' in html
    assert "<script" not in html and "http" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert "otpauth://totp/" in html and f"secret={secret}" in html
    # The same secret on every visit until it is confirmed.
    client.get("/account/two-factor")
    assert pending_setup_secret(client) == secret


def test_setup_with_a_wrong_code_fails_and_with_the_right_one_shows_ten_recovery_codes_once(app, client, resident):
    other_device = app.test_client()
    sign_in(other_device, resident)
    sign_in(client, resident)
    client.get("/account/two-factor")
    secret = pending_setup_secret(client)

    wrong = client.post("/account/two-factor?lang=en", data={"code": wrong_code(secret)})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "This code is not right" in html
    assert 'class="error-summary"' in html and 'href="#code"' in html
    assert not fetch(app, resident.id).has_two_factor
    assert "Enter the 6-digit code" in client.post("/account/two-factor?lang=en", data={"code": ""}).get_data(as_text=True)
    assert "The code has 6 digits" in client.post("/account/two-factor?lang=en", data={"code": "12ab56"}).get_data(as_text=True)

    right = client.post("/account/two-factor?lang=en", data={"code": code_at(secret, now_step())})
    html = right.get_data(as_text=True)
    assert right.status_code == 200 and right.headers["Cache-Control"] == "no-store"
    codes = RECOVERY_CODE.findall(html)
    assert len(codes) == 10 == len(set(codes))
    assert "Two-factor sign-in is on" in html and "only now" in html

    user = fetch(app, resident.id)
    assert user.has_two_factor and user.totp_secret == secret and user.totp_last_step == now_step()
    with app.app_context():
        stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == resident.id)).all()
    assert len(stored) == 10 and not any(code in stored_hash or code.replace("-", "") in stored_hash
                                         for code in codes for stored_hash in stored)
    with client.session_transaction() as session:
        assert SETUP_KEY not in session
        assert not any(code in repr(dict(session)) for code in codes)

    # Shown once: the page afterwards manages two-factor sign-in and shows no codes.
    page = client.get("/account/two-factor?lang=en").get_data(as_text=True)
    assert "Two-factor sign-in is on" in page and not RECOVERY_CODE.search(page)
    # Resending the form does not show them again either.
    again = client.post("/account/two-factor", data={"code": code_at(secret, now_step())})
    assert again.status_code == 302 and not RECOVERY_CODE.search(client.get(again.location).get_data(as_text=True))
    # A session started with the password alone ends when two-factor sign-in is turned on.
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302


def test_the_profile_page_links_to_two_factor_sign_in(client, resident):
    sign_in(client, resident)
    html = client.get("/account?lang=en").get_data(as_text=True)
    assert "Security" in html and 'href="/account/two-factor"' in html


# --- staff pages ---------------------------------------------------------------------

@pytest.fixture
def probe_app(make_app):
    """An app with a tiny staff page, for checking `staff_required`."""
    app = make_app()
    extra = Blueprint("staff_probe", __name__)

    @extra.get("/probe/staff")
    @staff_required()
    def staff_page():
        return "staff page"

    app.register_blueprint(extra)
    return app


def test_anonymous_people_are_sent_to_sign_in_and_residents_refused(probe_app, resident):
    client = probe_app.test_client()
    response = client.get("/probe/staff")
    assert response.status_code == 302 and response.location.startswith("/signin?next=")
    sign_in(client, resident)
    assert client.get("/probe/staff").status_code == 403


@pytest.mark.parametrize("role", ["coordinator", "moderator", "admin"])
def test_staff_with_two_factor_sign_in_open_staff_pages(probe_app, request, role):
    person = request.getfixturevalue(role)
    assert person.totp_secret and person.has_two_factor
    client = probe_app.test_client()
    assert sign_in(client, person).status_code == 302
    response = client.get("/probe/staff")
    assert response.status_code == 200 and response.get_data(as_text=True) == "staff page"


def test_staff_without_two_factor_use_resident_pages_but_staff_pages_send_them_to_set_up(
        probe_app, staff_without_two_factor):
    client = probe_app.test_client()
    response = sign_in(client, staff_without_two_factor)
    assert response.status_code == 302 and response.location == "/"  # no code asked: none set up yet
    assert client.get("/account").status_code == 200

    response = client.get("/probe/staff")
    assert response.status_code == 302
    assert response.location == "/account/two-factor?next=/probe/staff"
    html = client.get(response.location + "&lang=en").get_data(as_text=True)
    assert "Staff pages open only after you have set up two-factor sign-in" in html

    secret = pending_setup_secret(client)
    done = client.post(response.location, data={"code": code_at(secret, now_step())}).get_data(as_text=True)
    assert len(RECOVERY_CODE.findall(done)) == 10
    assert 'href="/probe/staff"' in done  # back to where they were going
    assert client.get("/probe/staff").status_code == 200


# --- the second step of signing in -----------------------------------------------------

def test_sign_in_with_two_factor_needs_the_code(client, coordinator):
    start_sign_in(client, coordinator, next="/account")
    assert not is_signed_in(client)  # the password alone signs nobody in
    page = client.get("/signin/code?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'inputmode="numeric"' in html and 'autocomplete="one-time-code"' in html
    assert 'href="/signin/recovery-code"' in html

    wrong = client.post("/signin/code?lang=en", data={"code": wrong_code(coordinator.totp_secret)})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "This code is not right" in html and 'href="#code"' in html
    assert not is_signed_in(client)

    code = code_at(coordinator.totp_secret, now_step())
    right = client.post("/signin/code", data={"code": code[:3] + " " + code[3:]})  # typed with a space
    assert right.status_code == 302 and right.location == "/account"
    assert is_signed_in(client)
    with client.session_transaction() as session:
        assert PENDING_KEY not in session


def test_the_same_code_cannot_be_used_twice(app, coordinator):
    code = code_at(coordinator.totp_secret, now_step())
    first, second = app.test_client(), app.test_client()
    start_sign_in(first, coordinator)
    assert first.post("/signin/code", data={"code": code}).status_code == 302

    start_sign_in(second, coordinator)
    again = second.post("/signin/code?lang=en", data={"code": code})
    assert again.status_code == 200 and "already been used" in again.get_data(as_text=True)
    # An older code (still in the time window) does not work either.
    older = second.post("/signin/code?lang=en", data={"code": code_at(coordinator.totp_secret, now_step() - 1)})
    assert older.status_code == 200 and not is_signed_in(second)
    assert fetch(app, coordinator.id).totp_last_step >= now_step() - 1


def test_the_sign_in_helper_copes_with_signing_in_again_at_once(app, coordinator):
    for _ in range(3):
        client = app.test_client()
        assert sign_in(client, coordinator).status_code == 302
        assert is_signed_in(client)


def test_a_recovery_code_works_once(app, client, coordinator):
    codes = give_recovery_codes(app, coordinator)
    start_sign_in(client, coordinator)
    page = client.get("/signin/recovery-code?lang=en").get_data(as_text=True)
    assert "Sign in with a recovery code" in page

    wrong = client.post("/signin/recovery-code?lang=en", data={"code": "ABCDE-FGHJK"})
    assert "This recovery code is not right" in wrong.get_data(as_text=True)

    typed = codes[0].lower().replace("-", " ")  # any case, spaces or dashes
    used = client.post("/signin/recovery-code?lang=en", data={"code": typed})
    assert used.status_code == 302 and used.location == "/account/two-factor"
    assert is_signed_in(client)

    other = app.test_client()
    start_sign_in(other, coordinator)
    again = other.post("/signin/recovery-code?lang=en", data={"code": codes[0]})
    assert again.status_code == 200 and "not right, or it has already been used" in again.get_data(as_text=True)
    assert not is_signed_in(other)
    assert other.post("/signin/recovery-code", data={"code": codes[1]}).status_code == 302


def test_recovery_code_sign_in_tells_how_many_are_left(app, client, coordinator):
    codes = give_recovery_codes(app, coordinator)
    start_sign_in(client, coordinator)
    response = client.post("/signin/recovery-code?lang=en", data={"code": codes[3]}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "You have 9 recovery codes left" in html
    assert "You have 9 unused recovery codes" in html


def test_the_pending_second_step_expires_after_five_minutes(client, coordinator):
    start_sign_in(client, coordinator, next="/account")
    with client.session_transaction() as session:
        pending = dict(session[PENDING_KEY])
        pending["at"] -= 5 * 60 + 1
        session[PENDING_KEY] = pending
    response = client.post("/signin/code?lang=en", data={"code": code_at(coordinator.totp_secret, now_step())})
    assert response.status_code == 302 and response.location.startswith("/signin?next=/account")
    assert "Signing in took too long" in client.get(response.location).get_data(as_text=True)
    assert not is_signed_in(client)
    # Without a pending sign-in, the code page sends people back to the start.
    assert client.get("/signin/code").location.startswith("/signin")


def test_wrong_codes_repeatedly_give_429(app, client, coordinator):
    start_sign_in(client, coordinator)
    wrong = wrong_code(coordinator.totp_secret)
    for _ in range(5):
        assert client.post("/signin/code", data={"code": wrong}).status_code == 200
    for _ in range(5):  # recovery codes share the same budget
        assert client.post("/signin/recovery-code", data={"code": "ABCDE-FGHJK"}).status_code == 200
    blocked = client.post("/signin/code?lang=en", data={"code": code_at(coordinator.totp_secret, now_step())})
    assert blocked.status_code == 429 and "Too many attempts" in blocked.get_data(as_text=True)
    assert int(blocked.headers["Retry-After"]) > 60
    # Starting again from the password does not reset the count for this account.
    other = app.test_client()
    start_sign_in(other, coordinator)
    assert other.post("/signin/code", data={"code": wrong}).status_code == 429


def test_right_codes_do_not_use_up_the_budget(app, coordinator):
    for _ in range(12):
        client = app.test_client()
        assert sign_in(client, coordinator).status_code == 302


# --- managing it ----------------------------------------------------------------------

def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones(app, client, coordinator):
    old_codes = give_recovery_codes(app, coordinator)
    sign_in(client, coordinator)
    wrong = client.post("/account/two-factor/recovery-codes?lang=en", data={"renew-code": wrong_code(coordinator.totp_secret)})
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 200 and "This code is not right" in html and 'href="#renew-code"' in html

    response = client.post("/account/two-factor/recovery-codes?lang=en", data={"renew-code": totp_code(client, coordinator)})
    new_codes = RECOVERY_CODE.findall(response.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    assert "The old ones no longer work" in response.get_data(as_text=True)

    other = app.test_client()
    start_sign_in(other, coordinator)
    assert other.post("/signin/recovery-code", data={"code": old_codes[0]}).status_code == 200
    assert other.post("/signin/recovery-code", data={"code": new_codes[0]}).status_code == 302


def test_residents_can_turn_two_factor_off_with_their_password(app, client, create_user):
    person = create_user("resident", two_factor=True)
    give_recovery_codes(app, person)
    sign_in(client, person)
    assert "Turn off two-factor sign-in" in client.get("/account/two-factor?lang=en").get_data(as_text=True)

    wrong = client.post("/account/two-factor/off?lang=en", data={"off-current_password": "not my password"})
    assert wrong.status_code == 200 and "Your password is not right" in wrong.get_data(as_text=True)
    assert fetch(app, person.id).has_two_factor

    response = client.post("/account/two-factor/off", data={"off-current_password": PASSWORD})
    assert response.status_code == 302 and response.location == "/account"
    user = fetch(app, person.id)
    assert not user.has_two_factor and user.totp_secret is None and user.totp_last_step is None
    with app.app_context():
        assert db.session.scalar(select(func.count(RecoveryCode.id))) == 0
    client.post("/signout")
    plain = client.post("/signin", data={"email": person.email, "password": PASSWORD})
    assert plain.status_code == 302 and plain.location == "/"  # the password alone again


@pytest.mark.parametrize("role", ["coordinator", "moderator", "admin"])
def test_staff_cannot_turn_two_factor_off(app, client, request, role):
    person = request.getfixturevalue(role)
    sign_in(client, person)
    html = client.get("/account/two-factor?lang=en").get_data(as_text=True)
    assert "It cannot be turned off" in html and "/account/two-factor/off" not in html
    response = client.post("/account/two-factor/off", data={"off-current_password": PASSWORD})
    assert response.status_code == 403
    assert fetch(app, person.id).has_two_factor


def test_moving_to_another_app_needs_the_password_and_a_code_from_the_new_app(app, client, coordinator):
    sign_in(client, coordinator)
    wrong = client.post("/account/two-factor/new-app?lang=en", data={"move-current_password": "not my password"})
    assert "Your password is not right" in wrong.get_data(as_text=True)
    assert client.post("/account/two-factor/new-app", data={"move-current_password": PASSWORD}).location == "/account/two-factor"
    page = client.get("/account/two-factor?lang=en").get_data(as_text=True)
    assert "Set up another authenticator app" in page and "<svg" in page
    new_secret = pending_setup_secret(client)
    assert new_secret != coordinator.totp_secret

    done = client.post("/account/two-factor?lang=en", data={"code": code_at(new_secret, now_step())})
    assert "Your new app is set up" in done.get_data(as_text=True)
    assert len(RECOVERY_CODE.findall(done.get_data(as_text=True))) == 10
    assert fetch(app, coordinator.id).totp_secret == new_secret

    other = app.test_client()
    start_sign_in(other, coordinator)
    old_app = other.post("/signin/code", data={"code": code_at(coordinator.totp_secret, now_step() + 1)})
    assert old_app.status_code == 200
    assert other.post("/signin/code", data={"code": code_at(new_secret, now_step() + 1)}).status_code == 302


# --- idle timeout of staff sessions ------------------------------------------------------

def go_idle(client, minutes: float) -> None:
    with client.session_transaction() as session:
        session[LAST_ACTIVE_KEY] = int(time.time() - minutes * 60)


def test_staff_are_signed_out_after_30_idle_minutes(app, client, coordinator):
    sign_in(client, coordinator)
    assert is_signed_in(client)
    with client.session_transaction() as session:
        assert isinstance(session[LAST_ACTIVE_KEY], int)  # kept in the signed cookie
    go_idle(client, 29)
    assert is_signed_in(client)  # still within the limit, and the clock starts again

    go_idle(client, 31)
    response = client.get("/account?lang=en")
    assert response.status_code == 302 and response.location.startswith("/signin?next=/account")
    html = client.get("/?lang=en").get_data(as_text=True)
    assert "You were signed out because you had not used the website for 30 minutes" in html
    assert not is_signed_in(client)
    with app.app_context():
        assert db.session.scalar(select(LoginSession.revoked_at).where(LoginSession.user_id == coordinator.id))


def test_the_idle_limit_comes_from_the_configuration(make_app, coordinator):
    app = make_app(STAFF_IDLE_MINUTES=5)
    client = app.test_client()
    sign_in(client, coordinator)
    go_idle(client, 6)
    assert not is_signed_in(client)


def test_resident_sessions_do_not_time_out(client, resident):
    sign_in(client, resident)
    go_idle(client, 24 * 60)
    assert is_signed_in(client)


def test_keeping_track_of_activity_writes_nothing_to_the_database(client, coordinator, count_queries):
    sign_in(client, coordinator)
    client.get("/about")
    with count_queries() as counter:
        client.get("/about")
    writes = [s for s in counter.statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []


# --- secrets stay out of the log ---------------------------------------------------------

def test_no_code_or_secret_appears_in_the_log(app, client, resident, caplog):
    caplog.set_level(logging.INFO)
    sign_in(client, resident)
    client.get("/account/two-factor")
    secret = pending_setup_secret(client)
    client.post("/account/two-factor", data={"code": wrong_code(secret)})
    used_code = code_at(secret, now_step())
    codes = RECOVERY_CODE.findall(client.post("/account/two-factor", data={"code": used_code}).get_data(as_text=True))
    assert len(codes) == 10
    with app.app_context():
        hashes = db.session.scalars(select(RecoveryCode.code_hash)).all()
    client.post("/signout")

    start_sign_in(client, resident)
    client.post("/signin/code", data={"code": wrong_code(secret)})
    client.post("/signin/recovery-code", data={"code": codes[0]})
    client.post("/signout")
    start_sign_in(client, resident)
    next_code = code_at(secret, now_step() + 1)
    client.post("/signin/code", data={"code": next_code})
    client.post("/account/two-factor/recovery-codes", data={"renew-code": next_code})
    client.post("/account/two-factor/off", data={"off-current_password": PASSWORD})

    log = "\n".join(record.getMessage() + (record.exc_text or "") for record in caplog.records)
    assert "two-factor sign-in turned on" in log  # the log is captured at all
    for value in [secret, used_code, next_code, PASSWORD, *codes, *(code.replace("-", "") for code in codes), *hashes]:
        assert value not in log


def test_the_whole_flow_works_with_csrf_protection_on(make_app, app, coordinator):
    """The forms carry their tokens (the manage page's forms have prefixes)."""
    csrf_app = make_app(WTF_CSRF_ENABLED=True)
    client = csrf_app.test_client()

    def token(path, name="csrf_token"):
        page = client.get(path).get_data(as_text=True)
        return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', page).group(1)

    client.post("/signin", data={"email": coordinator.email, "password": PASSWORD, "csrf_token": token("/signin")})
    response = client.post("/signin/code", data={"code": totp_code(client, coordinator),
                                                 "csrf_token": token("/signin/code")})
    assert response.status_code == 302 and is_signed_in(client)
    response = client.post("/account/two-factor/recovery-codes", data={
        "renew-code": totp_code(client, coordinator),
        "renew-csrf_token": token("/account/two-factor", "renew-csrf_token")})
    assert len(RECOVERY_CODE.findall(response.get_data(as_text=True))) == 10
    assert client.post("/account/two-factor/off", data={"off-current_password": PASSWORD}).status_code == 400
