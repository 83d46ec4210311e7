"""A workshop from start to finish, on 360 px phones, in Dutch and in German:
a coordinator (signed in with the real two-factor step) plans and publishes a
workshop with two places → three residents sign up, the third lands on the
waiting list → one gives up their place and the third gets it → check-in at
the door by code → the live session: notes from two phones, a note written on
paper, a theme with notes moved into it, dot voting from the phones → the
coordinator closes it, writes the outcome, passes a theme and a note on as
ideas and publishes → the ideas are on the initiative page, the public
outcome page names nobody, and the emails arrived over real SMTP
(confirmation with .ics, waiting list, promotion, "you said, we did").

Every page on the way has zero axe violations and no sideways scrolling.
The live server runs with CSRF protection on."""
import re
import time
from datetime import date, timedelta

import pyotp
import pytest
from flask_babel import gettext, ngettext
from sqlalchemy import select

from participation.accounts.models import User
from participation.extensions import db
from participation.programme.models import Initiative, Neighbourhood
from participation.workshops.models import Registration, RegistrationStatus
from tests.browser.conftest import PHONE, LiveServer, _is_ours, assert_accessible, assert_no_horizontal_scroll
from tests.conftest import PASSWORD

LOCALES = {"nl": "nl-NL", "de": "de-DE"}
TITLE = "Groen en veilig in Malpertuis"
RESIDENTS = ("Anneke Jansen", "Bram Peeters", "Claudia Schmitz")
COORDINATOR = "Cora Coördinator"
NOTE_A = "Een zebrapad bij de school"
NOTE_C = "Meer bomen langs de Sint Maartenslaan"
PAPER_NOTE = "Bankjes bij de speeltuin"
THEME = "Veilig oversteken"


# --- helpers -------------------------------------------------------------------------

def check(page) -> None:
    assert_accessible(page)
    assert_no_horizontal_scroll(page)


def submit(page, selector: str) -> None:
    """Click a submit button and wait for the page the server answers with (after its redirect)."""
    with page.expect_navigation():
        page.locator(selector).click()


def say(app, language: str, message: str, **values) -> str:
    """The interface text the reader sees, in their language (from the same catalogues)."""
    with app.test_request_context(f"/?lang={language}"):
        return gettext(message, **values)


def say_n(app, language: str, singular: str, plural: str, number: int) -> str:
    with app.test_request_context(f"/?lang={language}"):
        return ngettext(singular, plural, number)


def wait_for(condition, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    pytest.fail(f"waited {timeout:.0f} s for {what}")


def mail_to(smtp_server, address: str, subject: str):
    """The email to `address` with this subject (waits for its delivery after the request)."""
    def find():
        for message in list(smtp_server.messages):
            # Whitespace collapsed: Python's header folding can leave a double space where it folded.
            if message["To"] == address and " ".join(message["Subject"].split()) == subject:
                return message
        return None
    return wait_for(find, f"an email to {address}: {subject!r} (got: "
                          f"{[(m['To'], m['Subject']) for m in smtp_server.messages]})")


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def calendar_files(message) -> list:
    return [part for part in message.iter_attachments() if part.get_content_type() == "text/calendar"]


def sign_in(page, site: str, language: str, user) -> None:
    page.goto(f"{site}/signin?lang={language}")
    check(page)
    page.fill("#email", user.email)
    page.fill("#password", PASSWORD)
    submit(page, "main form button[type=submit]")


# --- fixtures ------------------------------------------------------------------------

@pytest.fixture
def site(make_mail_app, catalogue):
    app = make_mail_app(WTF_CSRF_ENABLED=True, FORM_MIN_FILL_SECONDS=0)
    with LiveServer(app) as server:
        app.config["PUBLIC_URL"] = server.url
        yield server


@pytest.fixture
def new_phone(browser):
    """new_phone(language) → a page in its own browser context (its own cookies), 360 × 740.
    Like the `phone` fixture: pages may load only from our own server."""
    contexts = []
    errors = []
    elsewhere = []

    def factory(language):
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                      locale=LOCALES[language])
        contexts.append(context)
        context.on("request", lambda request: None if _is_ours(request.url) else elsewhere.append(request.url))
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
        return page

    factory.errors = errors
    yield factory
    for context in contexts:
        context.close()
    assert elsewhere == [], f"requests to other sites: {elsewhere}"


# --- the journey -----------------------------------------------------------------------

@pytest.mark.parametrize("language", ["nl", "de"])
def test_workshop_from_planning_to_outcome(site, smtp_server, new_phone, create_user, language):
    app, url = site.app, site.url
    coordinator = create_user("coordinator", display_name=COORDINATOR, language=language,
                              email=f"cora.{language}@example.org")
    anneke, bram, claudia = (
        create_user("resident", display_name=name, language=language,
                    email=f"{name.split()[0].lower()}.{language}@example.org")
        for name in RESIDENTS)
    with app.app_context():
        place = db.session.scalars(select(Neighbourhood).where(Neighbourhood.slug == "malpertuis")).one()
        initiative = db.session.scalars(select(Initiative).order_by(Initiative.id)).first()
        place_id, initiative_id, initiative_slug = place.id, initiative.id, initiative.slug
        person = db.session.get(User, coordinator.id)
        person.coordinated_neighbourhoods.append(place)
        db.session.commit()

    # --- The coordinator signs in: password, then the code from the authenticator app.
    cora = new_phone(language)
    sign_in(cora, url, language, coordinator)
    assert "/signin/code" in cora.url
    check(cora)
    cora.fill("#code", pyotp.TOTP(coordinator.totp_secret).now())
    submit(cora, "main form button[type=submit]")
    assert "/signin" not in cora.url
    assert cora.get_attribute("html", "lang") == language
    check(cora)

    # --- … plans a workshop with two places in their neighbourhood and publishes it.
    cora.goto(f"{url}/workshops/manage")
    check(cora)
    with cora.expect_navigation():
        cora.locator('main a[href$="/workshops/new"]').first.click()
    check(cora)
    day = date.today() + timedelta(days=10)
    cora.fill("#title", TITLE)
    cora.select_option("#initiative", str(initiative_id))
    cora.select_option("#neighbourhood", str(place_id))
    cora.fill("#description", "We kijken samen naar *groen* en *veilige* straten.")
    cora.fill("#date", day.isoformat())
    cora.fill("#start_time", "19:00")
    cora.fill("#end_time", "21:00")
    cora.fill("#venue_name", "Buurthuis Malpertuis")
    cora.fill("#venue_address", "Voorbeeldstraat 1, Maastricht")
    cora.fill("#capacity", "2")
    if language != "nl":
        cora.check(f"#languages-{language}")
    submit(cora, "main form button[type=submit]")
    workshop_url = re.match(r".*/workshops/\d+", cora.url).group(0)
    workshop_id = int(workshop_url.rsplit("/", 1)[1])
    check(cora)
    submit(cora, 'form[action$="/publish"] button[type=submit]')
    published = say(app, language, "The workshop is published. Everyone can now see it and sign up.")
    assert published in cora.inner_text("main")
    check(cora)

    # --- Three residents sign up on their own phones; the third lands on the waiting list.
    phones = {}
    codes = {}
    for person in (anneke, bram, claudia):
        phone = phones[person.id] = new_phone(language)
        sign_in(phone, url, language, person)
        phone.goto(workshop_url)
        check(phone)
        submit(phone, f'form[action$="/workshops/{workshop_id}/register"] button[type=submit]')
        check(phone)
        if person is not claudia:
            codes[person.id] = phone.inner_text(".checkin-code__text code").strip()
            assert re.fullmatch(r"[A-Z0-9]{6}", codes[person.id])
    assert phones[claudia.id].locator(".checkin-code").count() == 0
    assert say(app, language, "The workshop is full, so you are on the waiting list. We will email you when a "
                              "place becomes free.") in phones[claudia.id].inner_text("main")

    # The confirmation carries the calendar file and the check-in code; the waiting list has its own email.
    for person in (anneke, bram):
        confirmation = mail_to(smtp_server, person.email,
                               say(app, language, "You have a place: %(title)s", title=TITLE))
        assert len(calendar_files(confirmation)) == 1
        assert "BEGIN:VCALENDAR" in calendar_files(confirmation)[0].get_content()
        assert codes[person.id] in text_of(confirmation)
    mail_to(smtp_server, claudia.email, say(app, language, "You are on the waiting list: %(title)s", title=TITLE))

    # --- Bram cannot come: his place goes to Claudia, whose page now says she has a place.
    bram_phone = phones[bram.id]
    submit(bram_phone, f'form[action$="/workshops/{workshop_id}/unregister"] button[type=submit]')
    assert say(app, language, "You are no longer signed up for this workshop.") in bram_phone.inner_text("main")
    check(bram_phone)
    claudia_phone = phones[claudia.id]
    claudia_phone.goto(workshop_url)
    assert say(app, language, "You have a place in this workshop. See you there!") in claudia_phone.inner_text("main")
    codes[claudia.id] = claudia_phone.inner_text(".checkin-code__text code").strip()
    check(claudia_phone)
    claudia_phone.goto(f"{url}/my/workshops")
    assert say(app, language, "You have a place") in claudia_phone.inner_text("main")
    check(claudia_phone)
    promotion = mail_to(smtp_server, claudia.email, say(app, language, "A place for you: %(title)s", title=TITLE))
    assert len(calendar_files(promotion)) == 1

    # --- At the door the coordinator types the check-in codes.
    cora.goto(workshop_url)
    counts = say_n(app, language, "%(num)d person has a place", "%(num)d people have a place", 2)
    assert counts in cora.inner_text("main")
    check(cora)
    with cora.expect_navigation():
        cora.locator(f'main a[href$="/workshops/{workshop_id}/attendance"]').first.click()
    check(cora)
    for person, typed in ((anneke, codes[anneke.id]), (claudia, codes[claudia.id].lower())):
        cora.fill("#code", typed)
        submit(cora, 'form[action$="/attendance/code"] button[type=submit]')
        assert say(app, language, "%(name)s is checked in.", name=person.display_name) in cora.inner_text("main")
        check(cora)
    assert cora.locator(".door-list__done").count() == 2
    with app.app_context():
        checked_in = db.session.scalars(select(Registration.user_id).where(
            Registration.workshop_id == workshop_id, Registration.checked_in_at.is_not(None),
            Registration.status == RegistrationStatus.REGISTERED)).all()
    assert sorted(checked_in) == sorted([anneke.id, claudia.id])

    # --- The session starts.
    cora.goto(workshop_url)
    with cora.expect_navigation():
        cora.locator(f'main a[href$="/workshops/{workshop_id}/session"]').first.click()
    check(cora)
    submit(cora, 'form[action$="/session/start"] button[type=submit]')
    assert re.fullmatch(r"[A-Z0-9]{6}", cora.inner_text(".join-code").strip())
    check(cora)

    # Notes from the two phones of the people who checked in (the board knows them from the check-in).
    board_url = f"{workshop_url}/board"
    note_ids = {}
    for person, text in ((anneke, NOTE_A), (claudia, NOTE_C)):
        phone = phones[person.id]
        phone.goto(board_url)
        check(phone)
        phone.fill("#text", text)
        submit(phone, "#note-form button[type=submit]")
        assert say(app, language, "Your note is on the board.") in phone.inner_text("main")
        own = phone.locator("li.note--own", has_text=text)
        note_ids[person.id] = own.get_attribute("id").removeprefix("note-")
        check(phone)

    # A note written on paper, typed in by the coordinator.
    cora.fill("#text", PAPER_NOTE)
    submit(cora, 'form[action$="/session/notes"] button[type=submit]')
    paper_note = cora.locator("[data-board-region] li.note", has_text=PAPER_NOTE)
    paper_note_id = paper_note.get_attribute("id").removeprefix("note-")
    check(cora)

    # A theme, and the two notes from the phones moved into it.
    cora.fill("#title", THEME)
    submit(cora, 'form[action$="/session/themes"] button[type=submit]')
    theme = cora.locator("[data-board-region] section.board-theme[id^=theme-]", has_text=THEME)
    theme_id = theme.get_attribute("id").removeprefix("theme-")
    check(cora)
    for note_id in note_ids.values():
        note = cora.locator(f"#note-{note_id}")
        note.locator("summary").click()
        cora.select_option(f"#move-{note_id}", theme_id)
        check(cora)  # with the note's menu open (its selects must fit the phone too)
        with cora.expect_navigation():
            note.locator('form[action$="/move"] button[type=submit]').click()
        assert say(app, language, "The note is now in “%(title)s”.", title=THEME) in cora.inner_text("main")
    assert cora.locator(f"#theme-{theme_id} li.note").count() == 2
    cora.locator(f"#theme-{theme_id} > details > summary").click()
    check(cora)  # with the theme's menu open

    # --- Dot voting: the phones notice by themselves and place dots without a page load.
    submit(cora, 'form[action$="/session/voting"] button[type=submit]')
    check(cora)
    votes = {anneke.id: [f"theme-{theme_id}"], claudia.id: [f"theme-{theme_id}", f"note-{paper_note_id}"]}
    for person_id, targets in votes.items():
        phone = phones[person_id]
        phone.locator('form[action$="/board/dots"] button').first.wait_for(timeout=15_000)
        phone.wait_for_load_state()
        check(phone)
        for number, target in enumerate(targets, start=1):
            message = say_n(app, language, "You have %(num)d dot left.", "You have %(num)d dots left.", 3 - number)
            phone.locator(f'form[action$="/board/dots"]:has(input[name=target][value="{target}"]):has('
                          'input[name=action][value=add]) button').click()
            phone.locator("[data-board-message]", has_text=message).wait_for(timeout=10_000)
        phone.locator(f'form:has(input[name=target][value="{targets[-1]}"]):has(input[name=action][value=remove])'
                      ).wait_for(timeout=10_000)
        check(phone)

    # --- The coordinator closes the session; the phones show it has ended.
    cora.goto(f"{workshop_url}/session")
    submit(cora, 'form[action$="/session/close"] button[type=submit]')
    assert cora.url.endswith(f"/workshops/{workshop_id}/session/outcome")
    check(cora)
    phones[anneke.id].locator("[data-board][data-state=closed]").wait_for(timeout=15_000)
    phones[anneke.id].wait_for_load_state()
    check(phones[anneke.id])

    # The summary and next steps …
    cora.fill("#summary", "Veilig oversteken bij de school vonden de meeste mensen het belangrijkst.")
    cora.fill("#next_steps", "De gemeente bekijkt in juni een zebrapad; we houden u op de hoogte.")
    submit(cora, "main form:has(#summary) button[type=submit]")
    assert say(app, language, "The outcome is saved.") in cora.inner_text("main")
    check(cora)
    # … the theme and the paper note passed on as ideas on the initiative …
    cora.check(f"#themes-{theme_id}")
    cora.check(f"#notes-{paper_note_id}")
    submit(cora, 'form[action$="/session/forward"] button[type=submit]')
    assert say_n(app, language, "%(num)d idea was added to the initiative.",
                 "%(num)d ideas were added to the initiative.", 2) in cora.inner_text("main")
    idea_links = cora.locator("ul.forwarded a[href*='/ideas/']")
    assert idea_links.count() == 2
    idea_paths = sorted(idea_links.nth(i).get_attribute("href") for i in range(2))
    check(cora)
    # … and published: everyone who took part with an account gets "you said, we did".
    submit(cora, 'form[action$="/session/publish"] button[type=submit]')
    outcome_url = f"{workshop_url}/outcome"
    assert cora.url == outcome_url
    check(cora)

    # --- The public outcome page, for someone who was not there: no names on it.
    visitor = new_phone(language)
    visitor.goto(f"{outcome_url}?lang={language}")
    check(visitor)
    outcome = visitor.inner_text("main")
    assert THEME in outcome and "Veilig oversteken bij de school" in outcome
    assert visitor.inner_text("table.outcome__themes tbody tr:first-child td:last-child") == "2"
    html = visitor.content()
    for name in (*RESIDENTS, COORDINATOR):
        for part in name.split():
            assert part not in html, f"{part!r} is on the public outcome page"
    for person in (coordinator, anneke, bram, claudia):
        assert person.email not in html
    assert sorted(visitor.locator("ul.forwarded a").nth(i).get_attribute("href") for i in range(2)) == idea_paths

    # The ideas are on the initiative page, from there to the idea itself.
    with visitor.expect_navigation():
        visitor.locator(f'main a[href$="/initiatives/{initiative_slug}"]').first.click()
    check(visitor)
    for path in idea_paths:
        assert visitor.locator(f'main a[href="{path}"]').count() >= 1
    with visitor.expect_navigation():
        visitor.locator(f'main a[href="{idea_paths[0]}"]').first.click()
    check(visitor)

    # --- "You said, we did": to the two who took part, with the link to the outcome page.
    subject = say(app, language, "You said, we did: the outcome of “%(title)s”", title=TITLE)
    for person in (anneke, claudia):
        assert outcome_url in text_of(mail_to(smtp_server, person.email, subject))
    # Bram gave up his place and was not there: his only email is the first confirmation.
    assert [" ".join(m["Subject"].split()) for m in smtp_server.messages if m["To"] == bram.email] == [
        say(app, language, "You have a place: %(title)s", title=TITLE)]
    assert new_phone.errors == []
