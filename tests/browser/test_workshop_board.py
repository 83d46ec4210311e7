"""The live workshop board in a real browser: two phones (360 px) join with
the code and see each other's notes appear without reloading (board.js polls
the state endpoint), dots go on without a page load, and the phone board and
the projector view have no axe violations. CSP stays strict (no inline script)."""
import re

import pytest
from sqlalchemy import select, update

from participation.extensions import db
from participation.workshops.models import SessionState, Workshop
from participation.workshops.session import operations
from tests.browser.conftest import LiveServer, assert_accessible, assert_no_horizontal_scroll
from tests.conftest import sign_in


@pytest.fixture
def site(make_app, catalogue, create_workshop, coordinator):
    app = make_app(WTF_CSRF_ENABLED=True)
    workshop = create_workshop(coordinator=coordinator, title="Groen in Malpertuis")
    with app.app_context():
        found = db.session.get(Workshop, workshop.id)
        found.session_state = SessionState.LIVE
        found.join_code = operations.new_join_code()
        db.session.commit()
        code = found.join_code
    with LiveServer(app) as server:
        app.config["PUBLIC_URL"] = server.url
        yield {"url": server.url, "app": app, "workshop_id": workshop.id, "code": code}


def join(page, site, name):
    page.goto(f"{site['url']}/join?code={site['code']}&lang=en")
    page.fill("#first_name", name)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/workshops/\d+/board"))


def test_two_phones_see_each_others_notes_without_reloading(site, browser):
    errors = []
    contexts = [browser.new_context(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
                for _ in range(2)]
    first, second = (context.new_page() for context in contexts)
    for page in (first, second):
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        join(first, site, "Annelies")
        join(second, site, "Bert")
        assert_accessible(second)
        assert_no_horizontal_scroll(second)
        second.evaluate("window.__notReloaded = true")

        first.fill("#text", "Meer bankjes in het park")
        assert first.locator("[data-char-count]").inner_text().startswith("24")
        first.click("#note-form button[type=submit]")
        first.wait_for_url(re.compile(r"/board#note-form"))

        # The other phone shows it within a few seconds, without a page load.
        second.locator(".note__text", has_text="Meer bankjes in het park").wait_for(timeout=10_000)
        assert second.evaluate("window.__notReloaded") is True

        # Dot voting opens: the page notices the new state; dots go on without a page load.
        with site["app"].app_context():
            db.session.execute(update(Workshop).values(session_state=SessionState.VOTING))
            db.session.commit()
        second.locator("button", has_text="Add a dot").first.wait_for(timeout=10_000)
        second.locator("button", has_text="Add a dot").first.click()
        second.locator("[data-board-message]", has_text="dots left").wait_for(timeout=10_000)
        second.locator("button", has_text="Take a dot back").first.wait_for(timeout=10_000)
        assert_accessible(second)
        assert errors == []
    finally:
        for context in contexts:
            context.close()


def test_the_projector_view_is_readable_and_accessible(site, browser, coordinator, make_app):
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    try:
        # Sign in (two-factor step included) through an app with the same secret key but
        # without CSRF checks, then carry the session cookie into the browser.
        client = make_app().test_client()
        assert sign_in(client, coordinator).status_code == 302
        cookie = client.get_cookie("session")
        context.add_cookies([{"name": "session", "value": cookie.value, "url": site["url"]}])
        page.goto(f"{site['url']}/workshops/{site['workshop_id']}/board/projector?lang=en")
        assert page.locator(".join-code").inner_text() == site["code"]
        assert page.locator(".qr-code svg").count() == 1
        font_size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('.join-code')).fontSize)")
        assert font_size >= 64
        assert_accessible(page)
    finally:
        context.close()
    with site["app"].app_context():
        assert db.session.scalar(select(Workshop.session_state)) == SessionState.LIVE
