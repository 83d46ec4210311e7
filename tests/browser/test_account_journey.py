"""A new resident's whole first visit, on a 360 px phone, in each language:
register → open the verification email (from the loopback SMTP server) →
verify → sign in → change language → download my data → sign out.
Every page on the way has zero axe violations."""
import json
import re
import time
from pathlib import Path

import pytest

from participation.i18n import LANGUAGES
from tests.browser.conftest import LiveServer, assert_accessible, assert_no_horizontal_scroll

PASSWORD = "fietsen langs de Geul"


def wait_for_mail(smtp_server, count: int, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(smtp_server.messages) >= count:
            return smtp_server.messages[count - 1]
        time.sleep(0.1)
    pytest.fail(f"expected {count} email(s), got {len(smtp_server.messages)}")


def check(page):
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


@pytest.fixture
def mail_server_site(make_mail_app, catalogue):
    app = make_mail_app(WTF_CSRF_ENABLED=True, FORM_MIN_FILL_SECONDS=0)
    with LiveServer(app) as server:
        app.config["PUBLIC_URL"] = server.url
        yield server


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_new_resident_journey(mail_server_site, smtp_server, phone, language):
    site = mail_server_site.url
    other_language = "en" if language != "en" else "nl"
    email_address = f"journey.{language}@example.org"

    phone.goto(f"{site}/register?lang={language}")
    check(phone)
    phone.fill("#email", email_address)
    phone.fill("#display_name", "Zoë Müller-Çelik")
    phone.fill("#password", PASSWORD)
    phone.select_option("#language", language)
    phone.check("#consent")
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_url("**/register/check-email")
    check(phone)

    message = wait_for_mail(smtp_server, 1)
    assert message["To"] == email_address
    text = message.get_body(preferencelist=("plain",)).get_content()
    link = re.search(r"https?://\S+/verify/\S+", text).group(0)
    phone.goto(link)
    check(phone)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    check(phone)

    # Sign out and back in.
    phone.locator(".site-nav form button").click()
    phone.wait_for_load_state()
    phone.goto(f"{site}/signin")
    check(phone)
    phone.fill("#email", email_address)
    phone.fill("#password", PASSWORD)
    phone.locator("main form button[type=submit]").click()
    phone.wait_for_load_state()
    assert phone.get_attribute("html", "lang") == language

    # Change the language in the profile: the interface follows.
    phone.goto(f"{site}/account")
    check(phone)
    phone.select_option("#language", other_language)
    phone.locator("main form button[type=submit]").first.click()
    phone.wait_for_load_state()
    assert phone.get_attribute("html", "lang") == other_language
    check(phone)

    # Download my data.
    phone.goto(f"{site}/account/data")
    check(phone)
    with phone.expect_download() as download_info:
        phone.locator("main a[download]").click()
    data = json.loads(Path(download_info.value.path()).read_text(encoding="utf-8"))
    assert email_address in json.dumps(data)

    # Sign out: the account page now asks to sign in.
    phone.locator(".site-nav form button").click()
    phone.wait_for_load_state()
    phone.goto(f"{site}/account")
    assert "/signin" in phone.url
    check(phone)
