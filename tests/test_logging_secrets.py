"""No password, emailed token, session cookie, two-factor secret or recovery
code ever reaches the log, at any level, along a whole account's life:
register → verify → sign in → two-factor set-up → change password → reset
password → sign in with a recovery code → sign out."""
import logging
import re

import pyotp

from participation.accounts.two_factor import SETUP_KEY
from tests.conftest import form_started, link_in

PASSWORDS = ["eerste wachtwoord voor de test", "tweede wachtwoord voor de test", "derde wachtwoord voor de test"]


def log_everything_at_debug(caplog) -> None:
    caplog.set_level(logging.DEBUG)
    for name in list(logging.root.manager.loggerDict):
        # SQL echo (sqlalchemy.engine at INFO) is a developer switch, off in every
        # configuration; turned on, it prints every statement's parameters.
        if not name.startswith("sqlalchemy"):
            caplog.set_level(logging.DEBUG, logger=name)


def test_no_secret_reaches_the_log(app, client, catalogue, outbox, caplog):
    log_everything_at_debug(caplog)
    secrets = set(PASSWORDS)
    cookies = set()

    def remember_cookie(c):
        cookie = c.get_cookie("session")
        if cookie is not None and cookie.value:
            cookies.add(cookie.value)

    # Register and confirm the address.
    response = client.post("/register", data={
        "email": "geheim@example.org", "display_name": "Geheim", "password": PASSWORDS[0], "language": "nl",
        "municipality": "", "neighbourhood": "", "consent": "y", "form_started": form_started(client, "/register")})
    assert response.status_code == 302
    remember_cookie(client)
    verify_link = link_in(outbox()[-1], "/verify/")
    secrets.add(verify_link.rsplit("/", 1)[-1])
    assert client.post(verify_link).status_code == 302

    # Sign in on another device, and set up two-factor sign-in there.
    device = app.test_client()
    assert device.post("/signin", data={"email": "geheim@example.org", "password": PASSWORDS[0]}).status_code == 302
    remember_cookie(device)
    assert device.get("/account/two-factor").status_code == 200
    with device.session_transaction() as session:
        totp_secret = session[SETUP_KEY]["secret"]
    secrets.add(totp_secret)
    page = device.post("/account/two-factor", data={"code": pyotp.TOTP(totp_secret).now()})
    recovery_codes = re.findall(r"<code>([A-Z0-9]{4,}-?[A-Z0-9]{4,})</code>", page.get_data(as_text=True))
    assert recovery_codes, "the recovery codes are shown once, after set-up"
    secrets.update(recovery_codes)
    secrets.update(code.replace("-", "") for code in recovery_codes)
    remember_cookie(device)

    # Change the password, then forget it and reset it.
    response = device.post("/account/password", data={"current_password": PASSWORDS[0], "password": PASSWORDS[1]})
    assert response.status_code == 302
    remember_cookie(device)
    client.post("/password/forgot", data={"email": "geheim@example.org",
                                          "form_started": form_started(client, "/password/forgot")})
    reset_link = link_in(outbox()[-1], "/password/reset/")
    secrets.add(reset_link.rsplit("/", 1)[-1])
    assert client.post(reset_link, data={"password": PASSWORDS[2]}).status_code == 302
    remember_cookie(client)

    # Sign in again (password, then a recovery code), and sign out.
    response = client.post("/signin", data={"email": "geheim@example.org", "password": PASSWORDS[2]})
    assert response.status_code == 302 and response.location.startswith("/signin/code")
    response = client.post("/signin/recovery-code", data={"code": recovery_codes[0]})
    assert response.status_code == 302
    remember_cookie(client)
    assert client.get("/account").status_code == 200
    assert client.post("/signout").status_code == 302

    secrets |= cookies
    assert len(cookies) >= 4
    log = caplog.text
    assert '"path": "/verify/<token>"' in log and '"path": "/password/reset/<token>"' in log  # logged, without token
    leaked = [secret for secret in secrets if secret in log]
    assert leaked == []
