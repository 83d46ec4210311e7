"""Every public page, in each language, on a 360 px phone: axe-clean, no sideways scrolling."""
import pytest

from participation.i18n import LANGUAGES
from tests.browser.conftest import assert_accessible, assert_no_horizontal_scroll

PAGES = ["/", "/initiatives", "/places", "/about", "/privacy", "/accessibility", "/lines/{line}",
         "/initiatives/{initiative}", "/no-such-page"]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_public_pages_are_accessible_on_a_phone(live_server, phone, public_slugs, language):
    for template in PAGES:
        phone.goto(f"{live_server.url}{template.format(**public_slugs)}?lang={language}")
        assert phone.get_attribute("html", "lang") == language
        assert_accessible(phone)
        assert_no_horizontal_scroll(phone)


def test_pages_work_without_javascript(browser, live_server, public_slugs):
    context = browser.new_context(viewport={"width": 360, "height": 740}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/?lang=en")
    page.get_by_role("link", name="Initiatives").first.click()
    assert page.url.endswith("/initiatives")
    assert page.locator("h1").inner_text() == "Initiatives"
    context.close()


def test_language_switcher_works_by_keyboard(live_server, phone):
    phone.goto(f"{live_server.url}/about?lang=nl")
    target = phone.locator('.language-switcher a[hreflang="de"]')
    for _ in range(20):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.getAttribute('hreflang')") == "de":
            break
    else:
        pytest.fail("the German link in the language switcher is not reachable by Tab")
    assert target.evaluate("element => element === document.activeElement")
    phone.keyboard.press("Enter")
    phone.wait_for_url("**/about?lang=de")
    assert phone.get_attribute("html", "lang") == "de"
    # The choice is remembered on the next page, without ?lang=.
    phone.goto(f"{live_server.url}/privacy")
    assert phone.get_attribute("html", "lang") == "de"


def test_skip_link_moves_focus_to_the_main_content(live_server, phone):
    phone.goto(f"{live_server.url}/?lang=en")
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.className") == "skip-link"
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "main"
