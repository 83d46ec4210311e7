"""The participation cycle end to end, on 360 px phones, in Dutch and German,
with CSRF on and every page axe-clean and without sideways scrolling:

a resident sends an idea with a photo → on a post-moderated initiative it is
published at once, on a pre-moderated one it waits for review → another
resident supports it and comments → a coordinator (signed in with the real
two-factor code step) makes a proposal from it, voting open now → residents
vote, change their vote, withdraw it and vote again → voting closes (moved
into the past in the database: a test shortcut) → the results page shows the
chart with its numbers as text → the coordinator posts the official answer →
the idea's author reads it on the idea page ("what happened with this idea").

Every person has their own browser context (their own cookies)."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from PIL import Image
from sqlalchemy import select, update

from participation.accounts.models import User
from participation.accounts.operations import TOTP_INTERVAL
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.ideas.views import STATUS_LABELS as IDEA_STATUS_LABELS
from participation.programme.models import Neighbourhood
from participation.proposals.forms import STATUS_LABELS as PROPOSAL_STATUS_LABELS
from participation.proposals.models import (Eligibility, Proposal, ProposalStatus, ResultsShown, VoteChoice,
                                            VotingMethod)
from tests.browser.conftest import PHONE, LiveServer, _is_ours, assert_accessible, assert_no_horizontal_scroll
from tests.conftest import PASSWORD

LANGUAGES = ["nl", "de"]
# The phone's own language (its date and time pickers, Accept-Language).
PHONE_LOCALES = {"nl": "nl-NL", "de": "de-DE"}
POST_MODERATED = "veerkrachtige-wijken"
PRE_MODERATED = "sport-en-gezondheid-hotspots"
SUBMIT = "main form button[type=submit]"
# Everything people write here is Dutch, also on the German pages (each form asks for the language).
CONTENT_LANGUAGE = "nl"


@pytest.fixture
def site(make_app, catalogue):
    app = make_app(WTF_CSRF_ENABLED=True, FORM_MIN_FILL_SECONDS=0)
    with LiveServer(app) as server:
        app.config["PUBLIC_URL"] = server.url
        yield server


@pytest.fixture
def photo_file(tmp_path):
    """A small JPEG, as a phone would send it."""
    path = tmp_path / "speelplek.jpg"
    image = Image.new("RGB", (320, 240), (46, 125, 50))
    for x in range(100, 220):
        for y in range(80, 160):
            image.putpixel((x, y), (250, 200, 40))
    image.save(path, "JPEG", quality=80)
    return path


class Person:
    """One person's phone: their own browser context, in their language.
    `errors`: script errors, console errors and requests to other sites."""

    def __init__(self, browser, site, language):
        self.context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
                                           locale=PHONE_LOCALES[language])
        self.page = self.context.new_page()
        self.site = site
        self.language = language
        self.errors: list[str] = []
        # Pages load only from our own server (like the `phone` fixture).
        self.context.on("request", lambda request: None if _is_ours(request.url)
                        else self.errors.append(f"request to another site: {request.url}"))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("console", lambda message: self.errors.append(message.text)
                     if message.type == "error" else None)

    def check(self):
        """The page is in the person's language, axe-clean, and fits the phone."""
        assert self.page.get_attribute("html", "lang") == self.language, self.page.url
        assert_accessible(self.page)
        assert_no_horizontal_scroll(self.page)

    def visit(self, path: str):
        response = self.page.goto(f"{self.site.url}{path}")
        assert response.status == 200, f"{path}: {response.status}"
        self.check()

    def submit(self, selector: str = SUBMIT):
        """Press a form's button, wait for the page that follows (after the
        redirect) and check it."""
        with self.page.expect_navigation():
            self.page.locator(selector).first.click()
        self.check()

    def sign_in(self, user, second_step=None):
        self.visit(f"/signin?lang={self.language}")
        self.page.fill("#email", user.email)
        self.page.fill("#password", PASSWORD)
        self.submit()
        if second_step is not None:
            assert "/signin/code" in self.page.url
            self.page.fill("#code", second_step())
            self.submit()
        assert "/signin" not in self.page.url
        # Signed in: the header offers to sign out.
        assert self.page.locator(".site-nav form button").count() == 1

    def close(self):
        self.context.close()


def translated(site, language: str, text) -> str:
    """A (lazy) message as the pages show it in `language`."""
    with site.app.test_request_context(f"/?lang={language}"):
        return str(text)


def idea_id_from(page) -> int:
    return int(re.search(r"/ideas/(\d+)(?:[?#]|$)", page.url).group(1))


def local_field_values(moment: datetime) -> tuple[str, str]:
    """The values of <input type=date> and <input type=time> for a UTC moment, in Dutch time."""
    local = moment.astimezone(ZoneInfo("Europe/Amsterdam"))
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M")


def chart_values(page) -> list[str]:
    return [text.strip() for text in page.locator(".bar-chart__value").all_inner_texts()]


def write_idea(person, initiative: str, title: str, photo_file, photo_alt: str, neighbourhood=None):
    person.visit(f"/ideas/new?initiative={initiative}")
    page = person.page
    assert page.locator("#initiative option:checked").get_attribute("value") != ""
    if neighbourhood:
        page.select_option("#neighbourhood", label=neighbourhood)
    page.fill("#title", title)
    page.fill("#text", "Een **veilige** speelplek met bankjes, zodat ouderen en kinderen elkaar ontmoeten.")
    assert page.locator("#language").input_value() == person.language  # the page's language by default
    page.select_option("#language", CONTENT_LANGUAGE)
    page.set_input_files("#photo", str(photo_file))
    page.fill("#photo_alt", photo_alt)
    person.submit("main form button[name=action][value=send]")
    assert re.search(r"/ideas/\d+$", page.url), page.url
    return idea_id_from(page)


def vote(person, choice: VoteChoice):
    page = person.page
    page.locator(f"#vote input[name=choice][value={choice.value}]").check()
    person.submit("#vote form.vote-form button[type=submit]")
    assert page.locator(f"#vote input[name=choice][value={choice.value}]").is_checked()


@pytest.mark.parametrize("language", LANGUAGES)
def test_from_idea_to_official_answer(site, browser, create_user, photo_file, language):
    author = create_user("resident", language=language, display_name="Anouk Author")
    neighbour = create_user("resident", language=language, display_name="Nils Nachbar")
    coordinator = create_user("coordinator", language=language, display_name="Cora Coördinator")
    with site.app.app_context():
        malpertuis = db.session.scalars(select(Neighbourhood).where(Neighbourhood.slug == "malpertuis")).one()
        staff_member = db.session.get(User, coordinator.id)
        staff_member.coordinated_neighbourhoods.append(malpertuis)
        db.session.commit()
        malpertuis_id, malpertuis_name = malpertuis.id, malpertuis.name

    people = [Person(browser, site, language) for _ in range(3)]
    resident, other, staff = people
    try:
        # --- a resident sends two ideas with a photo --------------------------------
        resident.sign_in(author)

        waiting_id = write_idea(resident, PRE_MODERATED, "Buitenfitness bij het sportpark", photo_file,
                                "Grasveld naast het sportpark")
        badge = resident.page.locator("#status .badge--idea-pending")
        assert badge.inner_text().strip() == translated(site, language, IDEA_STATUS_LABELS[IdeaStatus.PENDING])

        idea_title = "Speelplek met bankjes in Malpertuis"
        idea_id = write_idea(resident, POST_MODERATED, idea_title, photo_file,
                             "Leeg grasveld met een kapotte schommel", neighbourhood=malpertuis_name)
        assert resident.page.locator("#status .badge--idea-published").count() == 1
        photo = resident.page.locator("article.idea .idea-photo img")
        assert photo.get_attribute("alt") == "Leeg grasveld met een kapotte schommel"
        photo.scroll_into_view_if_needed()
        resident.page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
        resident.check()

        with site.app.app_context():
            statuses = dict(db.session.execute(select(Idea.id, Idea.status)).all())
        assert statuses == {waiting_id: IdeaStatus.PENDING, idea_id: IdeaStatus.PUBLISHED}

        # --- another resident: the published idea is there at once, the other one is not ---
        other.sign_in(neighbour)
        other.visit(f"/initiatives/{PRE_MODERATED}/ideas")
        assert other.page.locator(f"main a[href='/ideas/{waiting_id}']").count() == 0
        assert other.page.goto(f"{site.url}/ideas/{waiting_id}").status == 404  # not even by its address
        other.check()
        other.errors.clear()  # the console's note about that 404
        other.visit(f"/initiatives/{POST_MODERATED}/ideas")
        link = other.page.locator(f"main a[href='/ideas/{idea_id}']")
        assert link.count() == 1
        with other.page.expect_navigation():
            link.click()
        other.check()
        assert other.page.locator("h1").inner_text() == idea_title

        # … supports it …
        other.submit("#support form button[type=submit]")
        assert other.page.locator("#support form[action$='/support/remove']").count() == 1
        assert "1" in other.page.locator("#support .support__count").inner_text()

        # … and comments on it.
        comment = "Goed plan! Graag ook een watertappunt erbij."
        other.page.fill("#comment-body", comment)
        other.page.select_option("#comment-language", CONTENT_LANGUAGE)
        other.submit("#comments form button[type=submit]")
        assert re.search(rf"/ideas/{idea_id}(\?[^#]*)?#comment-\d+$", other.page.url), other.page.url
        assert other.page.locator("#comments .comment__body", has_text=comment).count() == 1

        # --- the coordinator signs in with the two-factor code step ------------------------
        # The code the coordinator's authenticator app shows now (from the secret it was set up with).
        staff.sign_in(coordinator, second_step=lambda: pyotp.TOTP(coordinator.totp_secret,
                                                                  interval=TOTP_INTERVAL).now())

        # The idea is on its page, with its support and comment; from the proposals of the
        # initiative the coordinator opens the form and builds the proposal from the idea.
        staff.visit(f"/ideas/{idea_id}")
        assert staff.page.locator("#comments .comment__body", has_text=comment).count() == 1
        staff.visit(f"/initiatives/{POST_MODERATED}/proposals")
        new_link = staff.page.locator(f"main a[href='/initiatives/{POST_MODERATED}/proposals/new']")
        with staff.page.expect_navigation():
            new_link.click()
        staff.check()
        page = staff.page
        proposal_title = "Een speelplek met bankjes in Malpertuis"
        page.fill("#title", proposal_title)
        page.fill("#body", "De gemeente legt een speelplek aan met **vier** bankjes.")
        page.select_option("#language", CONTENT_LANGUAGE)
        page.select_option("#neighbourhood", str(malpertuis_id))
        page.locator(f"#ideas-{idea_id}").check()
        # Voting opens now (a few minutes ago) and closes at noon in a week.
        opens_date, opens_time = local_field_values(utcnow() - timedelta(minutes=5))
        closes_date, _ = local_field_values(utcnow() + timedelta(days=7))
        page.fill("#opens_date", opens_date)
        page.fill("#opens_time", opens_time)
        page.fill("#closes_date", closes_date)
        page.fill("#closes_time", "12:00")
        page.locator(f"input[name=method][value={VotingMethod.FOR_AGAINST.value}]").check()
        page.locator(f"input[name=results_shown][value={ResultsShown.LIVE.value}]").check()
        page.locator(f"input[name=eligibility][value={Eligibility.ALL_VERIFIED.value}]").check()
        staff.submit()
        match = re.search(r"/proposals/(\d+)$", page.url)
        assert match, page.url
        proposal_id = int(match.group(1))
        assert page.locator("h1").inner_text() == proposal_title
        assert page.locator(f".proposal-ideas a[href='/ideas/{idea_id}']").count() == 1

        # --- residents vote, change their vote, withdraw it --------------------------------
        resident.visit(f"/proposals/{proposal_id}")
        vote(resident, VoteChoice.FOR)
        other.visit(f"/proposals/{proposal_id}")
        vote(other, VoteChoice.AGAINST)
        vote(other, VoteChoice.FOR)             # changes the vote
        resident.submit("#vote form[action$='/vote/withdraw'] button[type=submit]")
        assert resident.page.locator("#vote form[action$='/vote/withdraw']").count() == 0
        assert resident.page.locator("#vote input[name=choice]:checked").count() == 0
        vote(resident, VoteChoice.ABSTAIN)      # votes again while voting is open

        with site.app.app_context():
            counts = db.session.execute(select(Proposal.votes_for, Proposal.votes_against,
                                               Proposal.votes_abstain)).one()
        assert tuple(counts) == (1, 0, 1)
        # The live numbers, as text (for, against, abstain).
        live = chart_values(resident.page)
        assert [re.match(r"\d+", value).group(0) for value in live] == ["1", "0", "1"]

        # --- voting closes (test shortcut: the window moves into the past) ------------------
        with site.app.app_context():
            db.session.execute(update(Proposal).where(Proposal.id == proposal_id).values(
                voting_closes_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()

        other.visit(f"/proposals/{proposal_id}")
        assert other.page.locator("#vote form.vote-form").count() == 0
        results_link = other.page.locator(f"#vote a[href='/proposals/{proposal_id}/results']")
        with other.page.expect_navigation():
            results_link.click()
        other.check()
        page = other.page
        assert page.locator("figure.bar-chart figcaption").count() == 1
        values = chart_values(page)
        assert [re.match(r"\d+", value).group(0) for value in values] == ["1", "0", "1"]
        assert all("%" in value for value in values)  # the share next to every count
        # Each bar is drawn, hidden from screen readers, the numbers are text.
        assert page.locator("figure.bar-chart svg[aria-hidden=true]").count() == 3
        cells = page.locator("table.table tbody td:first-of-type").all_inner_texts()
        assert [cell.strip() for cell in cells] == ["1", "0", "1"]
        assert page.locator("table.table tfoot td").first.inner_text().strip() == "2"

        # --- the official answer -------------------------------------------------------------
        staff.visit(f"/proposals/{proposal_id}")
        update_link = staff.page.locator(f"main a[href='/proposals/{proposal_id}/updates/new']")
        with staff.page.expect_navigation():
            update_link.click()
        staff.check()
        answer = "De gemeenteraad heeft het voorstel aangenomen. De speelplek komt er in het voorjaar."
        staff.page.locator(f"input[name=status][value={ProposalStatus.ADOPTED.value}]").check()
        staff.page.fill("#explanation", answer)
        assert staff.page.locator("#language").input_value() == language
        staff.page.select_option("#language", CONTENT_LANGUAGE)
        staff.submit()
        assert re.search(rf"/proposals/{proposal_id}#timeline$", staff.page.url), staff.page.url
        assert staff.page.locator("#timeline .timeline__item--update", has_text=answer).count() == 1
        with site.app.app_context():
            assert db.session.scalar(select(Proposal.status)) == ProposalStatus.ADOPTED

        # --- what happened with my idea -------------------------------------------------------
        resident.visit(f"/ideas/{idea_id}")
        what_happened = resident.page.locator("#what-happened")
        assert what_happened.count() == 1
        assert what_happened.locator(f"a[href='/proposals/{proposal_id}']").count() >= 1
        assert what_happened.locator(f"[lang={CONTENT_LANGUAGE}]", has_text=answer).count() == 1
        adopted = translated(site, language, PROPOSAL_STATUS_LABELS[ProposalStatus.ADOPTED])
        assert adopted in what_happened.inner_text()

        for person in people:
            assert person.errors == [], person.errors
    finally:
        for person in people:
            person.close()

