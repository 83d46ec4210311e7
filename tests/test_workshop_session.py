"""The live workshop session (join code, notes, themes, hiding, dot voting,
polling with ETag/304) and its outcome (forwarding as ideas, the public
outcome page, "you said, we did" emails once, privacy of the board)."""
import json
import re
import threading

import pytest
from sqlalchemy import func, select, update

from participation.extensions import db
from participation.ideas.models import Idea, IdeaStatus
from participation.notifications.models import Follow, FollowTarget
from participation.workshops.models import Dot, Note, Participant, SessionState, Theme, Workshop
from participation.workshops.session import operations
from participation.workshops.session.access import DEVICES_KEY
from tests.conftest import sign_in

LIVE_BOARD_TEXT = "Meer bankjes in het park"


# --- helpers -------------------------------------------------------------------------

@pytest.fixture
def workshop(create_workshop, coordinator):
    """A published workshop in the coordinator's neighbourhood (session not started)."""
    return create_workshop(coordinator=coordinator, title="Groen in Malpertuis")


@pytest.fixture
def coordinator_client(app, coordinator, workshop):
    client = app.test_client()
    assert sign_in(client, coordinator).status_code == 302
    return client


def fetch_workshop(app, workshop_id) -> Workshop:
    with app.app_context():
        found = db.session.get(Workshop, workshop_id)
        db.session.expunge(found)
        return found


def start(app, workshop_id, state=SessionState.LIVE) -> str:
    """Start the session directly (as the coordinator's button does); returns the join code."""
    with app.app_context():
        found = db.session.get(Workshop, workshop_id)
        found.session_state = state
        found.join_code = operations.new_join_code()
        db.session.commit()
        return found.join_code


def set_state(app, workshop_id, state: SessionState, **values) -> None:
    with app.app_context():
        db.session.execute(update(Workshop).where(Workshop.id == workshop_id).values(session_state=state, **values))
        db.session.commit()


def walk_in(app, code, name="Annelies", credit=False, **headers):
    """A phone without an account joins with the code; returns its client."""
    client = app.test_client()
    data = {"code": code.lower(), "first_name": name}
    if credit:
        data["credit_by_name"] = "y"
    response = client.post("/join", data=data, headers=headers)
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def checked_in(app, workshop_id, user, credit=False) -> None:
    """What check-in at the door does: a Participant row for the person's account."""
    with app.app_context():
        db.session.add(Participant(workshop_id=workshop_id, user_id=user.id, credit_by_name=credit))
        db.session.commit()


def participant_client(app, workshop_id, user, credit=False):
    checked_in(app, workshop_id, user, credit)
    client = app.test_client()
    assert sign_in(client, user).status_code == 302
    return client


def post_note(client, workshop_id, text):
    return client.post(f"/workshops/{workshop_id}/board/notes", data={"text": text})


def notes(app, workshop_id) -> list[Note]:
    with app.app_context():
        rows = db.session.scalars(select(Note).where(Note.workshop_id == workshop_id).order_by(Note.id)).all()
        db.session.expunge_all()
        return rows


def board_version(app, workshop_id) -> int:
    with app.app_context():
        return db.session.scalar(select(Workshop.board_version).where(Workshop.id == workshop_id))


def board_pass(html: str) -> str:
    return re.search(r'data-board-pass="([^"]+)"', html).group(1)


def dot(client, workshop_id, target, action="add"):
    return client.post(f"/workshops/{workshop_id}/board/dots", data={"target": target, "action": action},
                       headers={"X-Board-Async": "1"})


def make_theme(app, workshop_id, title, position=1) -> int:
    with app.app_context():
        theme = Theme(workshop_id=workshop_id, title=title, position=position)
        db.session.add(theme)
        db.session.commit()
        return theme.id


# --- starting, the projector -------------------------------------------------------------

def test_the_coordinator_in_scope_starts_the_session_with_a_short_unambiguous_code(app, coordinator_client, workshop):
    response = coordinator_client.post(f"/workshops/{workshop.id}/session/start")
    assert response.status_code == 302
    started = fetch_workshop(app, workshop.id)
    assert started.session_state == SessionState.LIVE
    assert re.fullmatch(f"[{operations.JOIN_CODE_ALPHABET}]{{6}}", started.join_code)
    assert not set(started.join_code) & set("0O1IL")
    assert started.board_version == 1
    # A second click changes nothing (the session is already running).
    coordinator_client.post(f"/workshops/{workshop.id}/session/start")
    assert fetch_workshop(app, workshop.id).join_code == started.join_code


def test_join_codes_are_unique_among_workshops(app, create_workshop, coordinator, monkeypatch):
    first = create_workshop(coordinator=coordinator)
    second = create_workshop(coordinator=coordinator)
    codes = iter(["AAAAAA", "AAAAAA", "CCCCCC"])
    monkeypatch.setattr(operations, "new_join_code", lambda: next(codes))
    with app.app_context():
        for workshop_id in (first.id, second.id):
            operations.start_session(coordinator, db.session.get(Workshop, workshop_id))
        db.session.commit()
    assert {fetch_workshop(app, first.id).join_code, fetch_workshop(app, second.id).join_code} == {"AAAAAA", "CCCCCC"}


@pytest.mark.parametrize("who, expected", [("anonymous", 302), ("resident", 403), ("other_coordinator", 403),
                                           ("moderator", 403)])
@pytest.mark.parametrize("method, path", [
    ("post", "/workshops/{id}/session/start"),
    ("get", "/workshops/{id}/session"),
    ("get", "/workshops/{id}/board/projector"),
    ("post", "/workshops/{id}/session/close"),
    ("post", "/workshops/{id}/session/themes"),
    ("get", "/workshops/{id}/session/outcome"),
])
def test_only_the_coordinator_in_scope_runs_the_session(app, workshop, create_user, request, who, expected,
                                                        method, path):
    client = app.test_client()
    if who == "resident":
        sign_in(client, request.getfixturevalue("resident"))
    elif who == "moderator":
        sign_in(client, request.getfixturevalue("moderator"))
    elif who == "other_coordinator":
        sign_in(client, create_user("coordinator"))  # coordinates no neighbourhood (or another one)
    response = getattr(client, method)(path.format(id=workshop.id))
    assert response.status_code == expected
    assert fetch_workshop(app, workshop.id).session_state == SessionState.NOT_STARTED


def test_an_admin_may_run_any_session(app, workshop, admin):
    client = app.test_client()
    sign_in(client, admin)
    assert client.post(f"/workshops/{workshop.id}/session/start").status_code == 302
    assert fetch_workshop(app, workshop.id).session_state == SessionState.LIVE


def test_the_projector_shows_the_code_and_a_qr_code_with_an_accessible_name(app, coordinator_client, workshop):
    code = start(app, workshop.id)
    response = coordinator_client.get(f"/workshops/{workshop.id}/board/projector?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'class="join-code" aria-label="{" ".join(code)}">{code}</p>' in html
    qr = re.search(r'<div class="qr-code qr-code--projector" role="img" aria-label="([^"]+)"><svg', html)
    assert qr and "QR code" in qr.group(1)
    assert "/join" in html and 'class="projector-page"' in html
    assert re.search(r"<script(?![^>]*\bsrc=)", html) is None  # no inline scripts (CSP script-src 'self')
    assert " style=" not in html


# --- joining -----------------------------------------------------------------------------------

def test_a_walk_in_without_an_account_joins_with_the_code_and_a_first_name(app, workshop):
    code = start(app, workshop.id)
    phone = walk_in(app, code, "Annelies", credit=True)
    with app.app_context():
        [participant] = db.session.scalars(select(Participant)).all()
        assert (participant.name, participant.is_walk_in, participant.credit_by_name) == ("Annelies", True, True)
        assert participant.user_id is None and re.fullmatch("[0-9a-f]{64}", participant.device_token_hash)
    with phone.session_transaction() as session:
        token = session[DEVICES_KEY][str(workshop.id)]
    assert token and participant.device_token_hash not in token  # the session has the token, the database its hash
    assert phone.get(f"/workshops/{workshop.id}/board").status_code == 200
    # Joining again from the same phone does not make a second participant.
    phone.post("/join", data={"code": code, "first_name": "Annelies"})
    with app.app_context():
        assert db.session.scalar(select(func.count(Participant.id))) == 1


def test_the_qr_link_fills_in_the_code(app, client, workshop):
    code = start(app, workshop.id)
    html = client.get(f"/join?code={code.lower()}").get_data(as_text=True)
    assert f'value="{code}"' in html


def test_a_walk_in_needs_a_first_name(app, client, workshop):
    code = start(app, workshop.id)
    response = client.post("/join?lang=en", data={"code": code, "first_name": ""})
    assert response.status_code == 200 and "Enter your first name" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count(Participant.id))) == 0


def test_a_signed_in_person_with_a_participant_row_joins_directly(app, workshop, resident):
    start(app, workshop.id)
    phone = participant_client(app, workshop.id, resident)
    response = phone.get(f"/workshops/{workshop.id}/board")
    assert response.status_code == 200 and 'id="note-form"' in response.get_data(as_text=True)


def test_a_signed_in_walk_in_joins_with_the_code_as_themselves(app, workshop, resident):
    code = start(app, workshop.id)
    phone = app.test_client()
    sign_in(phone, resident)
    assert phone.post("/join", data={"code": code, "credit_by_name": "y"}).status_code == 302
    with app.app_context():
        [participant] = db.session.scalars(select(Participant)).all()
        assert (participant.user_id, participant.credit_by_name, participant.device_token_hash) == (
            resident.id, True, None)


def test_a_code_works_only_while_the_session_is_open(app, client, workshop):
    code = start(app, workshop.id)
    set_state(app, workshop.id, SessionState.CLOSED)
    response = client.post("/join?lang=en", data={"code": code, "first_name": "Piet"})
    assert response.status_code == 200 and "This code is not right" in response.get_data(as_text=True)


def test_guessing_join_codes_is_rate_limited_per_address_and_right_codes_do_not_count(app, workshop):
    code = start(app, workshop.id)
    guesser = app.test_client()
    for _attempt in range(19):
        assert guesser.post("/join", data={"code": "ZZZZZZ", "first_name": "X"}).status_code == 200
    assert guesser.post("/join", data={"code": code, "first_name": "Piet"}).status_code == 302  # not counted
    assert guesser.post("/join", data={"code": "ZZZZZZ", "first_name": "X"}).status_code == 200  # the 20th
    response = app.test_client().post("/join", data={"code": "YYYYYY", "first_name": "X"})  # same address
    assert response.status_code == 429 and response.headers["Retry-After"]


# --- notes -----------------------------------------------------------------------------

def test_notes_from_two_participants_and_one_written_on_paper(app, workshop, resident, coordinator_client):
    code = start(app, workshop.id)
    walk_in_phone = walk_in(app, code, "Annelies")
    account_phone = participant_client(app, workshop.id, resident)
    assert post_note(walk_in_phone, workshop.id, LIVE_BOARD_TEXT).status_code == 302
    assert post_note(account_phone, workshop.id, "Mehr Bäume in der Straße").status_code == 302
    response = coordinator_client.post(f"/workshops/{workshop.id}/session/notes", data={"text": "Een speeltuin",
                                                                                         "theme": ""})
    assert response.status_code == 302
    walk_in_note, account_note, paper_note = notes(app, workshop.id)
    assert walk_in_note.participant_id and account_note.participant_id != walk_in_note.participant_id
    assert paper_note.added_by_coordinator and paper_note.participant_id is None
    html = coordinator_client.get(f"/workshops/{workshop.id}/board/projector").get_data(as_text=True)
    assert all(text in html for text in (LIVE_BOARD_TEXT, "Mehr Bäume in der Straße", "Een speeltuin"))
    # The writer sees which note is theirs; nobody sees names on the board.
    phone_html = walk_in_phone.get(f"/workshops/{workshop.id}/board?lang=en").get_data(as_text=True)
    assert "Your note" in phone_html and "Annelies" not in phone_html.split('id="board"')[1]


def test_a_note_longer_than_280_characters_gives_a_message_and_keeps_the_text(app, workshop):
    code = start(app, workshop.id)
    phone = walk_in(app, code)
    text = "Ein langer Satz über den Park. " * 10  # 310 characters, 309 once the outer space goes
    response = phone.post(f"/workshops/{workshop.id}/board/notes?lang=en", data={"text": text})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A note can be at most 280 characters. Yours has 309" in html
    assert text.strip() in html  # nothing lost
    assert notes(app, workshop.id) == []
    assert post_note(phone, workshop.id, "x" * 280).status_code == 302


def test_notes_count_line_breaks_as_one_character(app, workshop):
    phone = walk_in(app, start(app, workshop.id))
    assert post_note(phone, workshop.id, "a\r\n" * 139 + "b").status_code == 302  # 279 characters stored
    [note] = notes(app, workshop.id)
    assert len(note.text) == 279


def test_notes_are_rate_limited_per_participant(app, workshop):
    code = start(app, workshop.id)
    first, second = walk_in(app, code, "Eén"), walk_in(app, code, "Twee")  # same address (one Wi-Fi)
    for number in range(8):
        assert post_note(first, workshop.id, f"Idee {number}").status_code == 302
    assert post_note(first, workshop.id, "Nog een").status_code == 429
    assert post_note(second, workshop.id, "Van iemand anders").status_code == 302


def test_only_participants_post_notes_and_only_while_live(app, client, workshop, resident):
    code = start(app, workshop.id)
    assert post_note(client, workshop.id, "Ik ben er niet").status_code == 403
    stranger = app.test_client()
    sign_in(stranger, resident)
    assert post_note(stranger, workshop.id, "Ik ook niet").status_code == 403
    phone = walk_in(app, code)
    set_state(app, workshop.id, SessionState.VOTING)
    response = phone.post(f"/workshops/{workshop.id}/board/notes?lang=en", data={"text": "Te laat"})
    assert response.status_code == 200 and "only be added while the session is running" in response.get_data(
        as_text=True)
    assert notes(app, workshop.id) == []


# --- themes and hiding -----------------------------------------------------------------------

def test_themes_are_created_renamed_and_merged_and_notes_moved(app, coordinator_client, workshop):
    start(app, workshop.id)
    base = f"/workshops/{workshop.id}/session"
    for text in ("Bankjes", "Bomen", "Fietspad"):
        coordinator_client.post(f"{base}/notes", data={"text": text})
    assert coordinator_client.post(f"{base}/themes", data={"title": "Groen"}).status_code == 302
    assert coordinator_client.post(f"{base}/themes", data={"title": "Verkeer"}).status_code == 302
    with app.app_context():
        green, traffic = db.session.scalars(select(Theme).order_by(Theme.position)).all()
        green_id, traffic_id = green.id, traffic.id
    benches, trees, bike_path = notes(app, workshop.id)
    coordinator_client.post(f"{base}/notes/{benches.id}/move", data={"theme": green_id})
    coordinator_client.post(f"{base}/notes/{trees.id}/move", data={"theme": green_id})
    coordinator_client.post(f"{base}/notes/{bike_path.id}/move", data={"theme": traffic_id})
    assert coordinator_client.post(f"{base}/themes/{green_id}/rename", data={"title": "Groen en rust"}).status_code == 302
    # Dots on the theme that goes move with it.
    with app.app_context():
        db.session.execute(update(Theme).where(Theme.id == traffic_id).values(dot_count=2))
        db.session.commit()
    assert coordinator_client.post(f"{base}/themes/{traffic_id}/merge", data={"into": green_id}).status_code == 302
    with app.app_context():
        [theme] = db.session.scalars(select(Theme)).all()
        assert (theme.id, theme.title, theme.dot_count) == (green_id, "Groen en rust", 2)
        assert {note.theme_id for note in db.session.scalars(select(Note))} == {green_id}
    # Moving a note out of every theme.
    coordinator_client.post(f"{base}/notes/{benches.id}/move", data={"theme": ""})
    assert notes(app, workshop.id)[0].theme_id is None


def test_a_theme_cannot_be_merged_into_itself_or_another_workshops_theme(app, coordinator_client, workshop,
                                                                         create_workshop, coordinator):
    start(app, workshop.id)
    own = make_theme(app, workshop.id, "Groen")
    other_workshop = create_workshop(coordinator=coordinator)
    foreign = make_theme(app, other_workshop.id, "Elders")
    base = f"/workshops/{workshop.id}/session/themes/{own}"
    coordinator_client.post(f"{base}/merge", data={"into": own})
    coordinator_client.post(f"{base}/merge", data={"into": foreign})
    assert coordinator_client.post(f"/workshops/{workshop.id}/session/themes/{foreign}/rename",
                                   data={"title": "X"}).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count(Theme.id))) == 2


def test_a_hidden_note_leaves_every_public_view_but_stays_for_the_coordinator(app, coordinator_client, workshop):
    code = start(app, workshop.id)
    phone = walk_in(app, code)
    post_note(phone, workshop.id, "Jan de Vries van nummer 12 is een sukkel")
    post_note(phone, workshop.id, LIVE_BOARD_TEXT)
    rude, _fine = notes(app, workshop.id)
    response = coordinator_client.post(f"/workshops/{workshop.id}/session/notes/{rude.id}/hide",
                                       data={"reason": "personal_data"})
    assert response.status_code == 302
    hidden = notes(app, workshop.id)[0]
    assert hidden.is_hidden and hidden.hidden_reason == "personal_data"
    for html in (phone.get(f"/workshops/{workshop.id}/board").get_data(as_text=True),
                 coordinator_client.get(f"/workshops/{workshop.id}/board/projector").get_data(as_text=True),
                 phone.get(f"/workshops/{workshop.id}/board/state").get_data(as_text=True)):
        assert "sukkel" not in html and LIVE_BOARD_TEXT in html
    assert "sukkel" in coordinator_client.get(f"/workshops/{workshop.id}/session").get_data(as_text=True)
    coordinator_client.post(f"/workshops/{workshop.id}/session/notes/{rude.id}/unhide")
    assert not notes(app, workshop.id)[0].is_hidden


# --- dot voting ----------------------------------------------------------------------------

@pytest.fixture
def voting(app, workshop):
    """A workshop in its dot-voting round with two notes and a theme, 2 dots each, and one walk-in phone."""
    code = start(app, workshop.id)
    phone = walk_in(app, code)
    post_note(phone, workshop.id, "Bankjes")
    post_note(phone, workshop.id, "Bomen")
    theme_id = make_theme(app, workshop.id, "Groen")
    set_state(app, workshop.id, SessionState.VOTING, dots_per_person=2)
    first, second = notes(app, workshop.id)
    return {"phone": phone, "notes": (first.id, second.id), "theme": theme_id, "code": code}


def dot_counts(app) -> dict:
    with app.app_context():
        return {
            "dots": db.session.scalar(select(func.count(Dot.id))),
            "used": sorted(db.session.scalars(select(Participant.dots_used))),
            "notes": sum(db.session.scalars(select(Note.dot_count))),
            "themes": sum(db.session.scalars(select(Theme.dot_count))),
        }


def test_a_participant_places_at_most_n_dots_and_can_take_them_back(app, workshop, voting):
    phone, (first, second), theme = voting["phone"], voting["notes"], voting["theme"]
    assert dot(phone, workshop.id, f"note-{first}").status_code == 200
    assert dot(phone, workshop.id, f"theme-{theme}").status_code == 200
    refused = dot(phone, workshop.id, f"note-{second}")
    assert refused.status_code == 409 and refused.get_json()["ok"] is False
    assert dot_counts(app) == {"dots": 2, "used": [2], "notes": 1, "themes": 1}
    assert dot(phone, workshop.id, f"note-{first}", "remove").status_code == 200
    assert dot(phone, workshop.id, f"note-{first}", "remove").status_code == 409  # no dot left there
    assert dot(phone, workshop.id, f"note-{second}").status_code == 200
    assert dot_counts(app) == {"dots": 2, "used": [2], "notes": 1, "themes": 1}


def test_dots_without_javascript_redirect_back_to_the_board(app, workshop, voting):
    phone, (first, _second) = voting["phone"], voting["notes"]
    response = phone.post(f"/workshops/{workshop.id}/board/dots", data={"target": f"note-{first}", "action": "add"})
    assert response.status_code == 302 and response.location.endswith(f"/workshops/{workshop.id}/board#board")
    html = phone.get(f"/workshops/{workshop.id}/board?lang=en").get_data(as_text=True)
    assert "You have 1 dot left." in html and "Take a dot back" in html


def test_dots_only_while_voting_and_not_on_hidden_notes_or_other_workshops(app, workshop, voting, create_workshop,
                                                                            coordinator):
    phone, (first, second) = voting["phone"], voting["notes"]
    other = create_workshop(coordinator=coordinator)
    foreign_theme = make_theme(app, other.id, "Elders")
    assert dot(phone, workshop.id, f"theme-{foreign_theme}").status_code == 409
    with app.app_context():
        db.session.execute(update(Note).where(Note.id == second).values(hidden_at=func.now()))
        db.session.commit()
    assert dot(phone, workshop.id, f"note-{second}").status_code == 409
    set_state(app, workshop.id, SessionState.LIVE)
    assert dot(phone, workshop.id, f"note-{first}").status_code == 409
    assert dot_counts(app) == {"dots": 0, "used": [0], "notes": 0, "themes": 0}
    assert dot(app.test_client(), workshop.id, f"note-{first}").status_code == 403  # not a participant


def test_n_dots_hold_under_concurrent_requests(app, workshop, voting):
    """Twelve taps at once from one participant with 2 dots: exactly 2 land."""
    phone, (first, second) = voting["phone"], voting["notes"]
    cookie = phone.get_cookie("session").value
    results = []
    barrier = threading.Barrier(12)

    def tap(number):
        client = app.test_client()
        client.set_cookie("session", cookie)
        barrier.wait()
        results.append(dot(client, workshop.id, f"note-{(first, second)[number % 2]}").status_code)

    threads = [threading.Thread(target=tap, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [200] * 2 + [409] * 10
    assert dot_counts(app) == {"dots": 2, "used": [2], "notes": 2, "themes": 0}


def test_dot_counts_appear_on_the_projector(app, coordinator_client, workshop, voting):
    phone, (first, _second), theme = voting["phone"], voting["notes"], voting["theme"]
    dot(phone, workshop.id, f"note-{first}")
    dot(phone, workshop.id, f"theme-{theme}")
    html = coordinator_client.get(f"/workshops/{workshop.id}/board/projector?lang=en").get_data(as_text=True)
    assert "1 dot" in html and "Dot voting: everyone has 2 dots" in html


def test_the_coordinator_sets_the_number_of_dots(app, coordinator_client, workshop):
    start(app, workshop.id)
    assert coordinator_client.post(f"/workshops/{workshop.id}/session/dots-per-person",
                                   data={"dots": "5"}).status_code == 302
    assert fetch_workshop(app, workshop.id).dots_per_person == 5
    response = coordinator_client.post(f"/workshops/{workshop.id}/session/dots-per-person?lang=en", data={"dots": "50"})
    assert response.status_code == 200 and "Choose between 1 and 10 dots" in response.get_data(as_text=True)


# --- polling -------------------------------------------------------------------------------

def test_the_state_endpoint_answers_304_after_one_query_and_200_after_each_change(app, workshop, voting,
                                                                                  coordinator_client,
                                                                                  count_queries):
    phone, (first, _second) = voting["phone"], voting["notes"]
    page = phone.get(f"/workshops/{workshop.id}/board").get_data(as_text=True)
    pass_header = {"X-Board-Pass": board_pass(page)}
    state_url = f"/workshops/{workshop.id}/board/state?view=phone"
    poller = app.test_client()  # polls without the session cookie, as board.js does
    response = poller.get(state_url, headers=pass_header)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "private, no-cache"
    payload = response.get_json()
    assert payload["state"] == "voting" and "Bankjes" in payload["html"]
    assert 'name="csrf_token" value=""' in payload["html"]  # board.js fills in the page's token
    etag = response.headers["ETag"]
    with count_queries() as counter:
        unchanged = poller.get(state_url, headers={**pass_header, "If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.headers["ETag"] == etag and unchanged.data == b""
    assert counter.count == 1, counter.statements
    assert "Set-Cookie" not in unchanged.headers

    changes = [
        lambda: dot(phone, workshop.id, f"note-{first}"),
        lambda: dot(phone, workshop.id, f"note-{first}", "remove"),
        lambda: coordinator_client.post(f"/workshops/{workshop.id}/session/themes", data={"title": "Nieuw"}),
        lambda: coordinator_client.post(f"/workshops/{workshop.id}/session/notes/{first}/hide",
                                        data={"reason": "duplicate"}),
        lambda: coordinator_client.post(f"/workshops/{workshop.id}/session/voting/end"),
        lambda: post_note(phone, workshop.id, "Nog iets"),
    ]
    for change in changes:
        before = board_version(app, workshop.id)
        assert change().status_code in (200, 302)
        assert board_version(app, workshop.id) == before + 1
        changed = poller.get(state_url, headers={**pass_header, "If-None-Match": etag})
        assert changed.status_code == 200 and changed.headers["ETag"] != etag
        etag = changed.headers["ETag"]


def test_the_state_endpoint_refuses_strangers_and_forged_or_foreign_passes(app, workshop, create_workshop,
                                                                           coordinator, client):
    code = start(app, workshop.id)
    phone = walk_in(app, code)
    good = board_pass(phone.get(f"/workshops/{workshop.id}/board").get_data(as_text=True))
    state_url = f"/workshops/{workshop.id}/board/state"
    assert client.get(state_url).status_code == 403
    assert client.get(state_url, headers={"X-Board-Pass": good[:-2] + "xx"}).status_code == 403
    assert client.get(state_url + "?view=manage", headers={"X-Board-Pass": good}).status_code == 403
    other = create_workshop(coordinator=coordinator)
    start(app, other.id)
    assert client.get(f"/workshops/{other.id}/board/state", headers={"X-Board-Pass": good}).status_code == 403
    assert phone.get(state_url).status_code == 200  # with the session cookie, the full check


def test_the_board_page_works_without_javascript_and_loads_in_fixed_queries(app, workshop, count_queries):
    code = start(app, workshop.id)
    phone = walk_in(app, code)
    post_note(phone, workshop.id, "Eerste")
    with count_queries() as few:
        html = phone.get(f"/workshops/{workshop.id}/board?lang=en").get_data(as_text=True)
    assert f'href="/workshops/{workshop.id}/board" data-board-refresh>Refresh</a>' in html
    assert 'method="post"' in html and re.search(r"<script(?![^>]*\bsrc=)", html) is None
    more = walk_in(app, code, "Bert")
    for number in range(8):
        post_note(more, workshop.id, f"Idee {number}")
    with count_queries() as many:
        phone.get(f"/workshops/{workshop.id}/board")
    assert many.count == few.count


# --- who sees the board -----------------------------------------------------------------------

def test_non_participants_cannot_see_a_live_board(app, client, workshop, resident):
    code = start(app, workshop.id)
    post_note(walk_in(app, code), workshop.id, LIVE_BOARD_TEXT)
    response = client.get(f"/workshops/{workshop.id}/board?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 403 and LIVE_BOARD_TEXT not in html
    assert "Enter the code" in html and 'action="/join"' in html  # the way in
    stranger = app.test_client()
    sign_in(stranger, resident)
    assert stranger.get(f"/workshops/{workshop.id}/board").status_code == 403
    assert stranger.get(f"/workshops/{workshop.id}/board/state").status_code == 403


def test_staff_may_look_at_a_live_board(app, workshop, moderator):
    start(app, workshop.id)
    client = app.test_client()
    sign_in(client, moderator)
    assert client.get(f"/workshops/{workshop.id}/board").status_code == 200


# --- closing, forwarding, the outcome ---------------------------------------------------------

@pytest.fixture
def finished(app, workshop, create_user, coordinator_client):
    """A session with notes from a German resident who agreed to be named, a Dutch one who did not,
    and a walk-in without an account who agreed; a theme with dots; closed by the coordinator."""
    code = start(app, workshop.id)
    anna = create_user(display_name="Anna Schmidt", language="de")
    bas = create_user(display_name="Bas Verborgen", language="nl")
    anna_phone = participant_client(app, workshop.id, anna, credit=True)
    bas_phone = participant_client(app, workshop.id, bas, credit=False)
    guest_phone = walk_in(app, code, "Griet", credit=True)
    post_note(anna_phone, workshop.id, "Mehr Bänke am Spielplatz")
    post_note(bas_phone, workshop.id, "Een veilige oversteek bij de school")
    post_note(guest_phone, workshop.id, "Bomen in de Malpertuisstraat")
    anna_note, bas_note, guest_note = notes(app, workshop.id)
    theme_id = make_theme(app, workshop.id, "Groen en spelen")
    with app.app_context():
        db.session.execute(update(Note).where(Note.id.in_([anna_note.id, guest_note.id])).values(theme_id=theme_id))
        db.session.execute(update(Note).where(Note.id == guest_note.id).values(dot_count=3))
        db.session.execute(update(Theme).where(Theme.id == theme_id).values(dot_count=2))
        db.session.commit()
    assert coordinator_client.post(f"/workshops/{workshop.id}/session/close").status_code == 302
    return {"anna": anna, "bas": bas, "theme": theme_id, "notes": (anna_note.id, bas_note.id, guest_note.id),
            "guest_phone": guest_phone, "code": code}


def forward(client, workshop_id, themes=(), notes=()):
    return client.post(f"/workshops/{workshop_id}/session/forward",
                       data={"themes": [str(i) for i in themes], "notes": [str(i) for i in notes]})


def write_outcome(client, workshop_id, public=False):
    data = {"summary": "We spraken over **groen** en veilig spelen.", "next_steps": "De gemeente kijkt in mei."}
    if public:
        data["board_public"] = "y"
    return client.post(f"/workshops/{workshop_id}/session/outcome", data=data)


def test_the_outcome_page_for_the_coordinator_offers_every_step(app, coordinator_client, workshop, finished):
    response = coordinator_client.get(f"/workshops/{workshop.id}/session/outcome?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert all(part in html for part in ('id="summary"', 'id="next_steps"', 'id="board_public"', 'name="themes"',
                                         'name="notes"', "Save the summary and the next steps first"))
    assert "Groen en spelen (5 dots)" in html  # themes by dots, with their count
    assert 'name="csrf_token" value=""' not in html  # every small form carries the token
    # Without a summary the outcome is not saved, and what was typed stays.
    response = coordinator_client.post(f"/workshops/{workshop.id}/session/outcome?lang=en",
                                       data={"summary": "", "next_steps": "Later meer"})
    assert response.status_code == 200 and "Write a short summary" in response.get_data(as_text=True)
    assert "Later meer" in response.get_data(as_text=True)


def test_closing_freezes_the_board_and_frees_the_code(app, client, workshop, finished):
    closed = fetch_workshop(app, workshop.id)
    assert closed.session_state == SessionState.CLOSED and closed.closed_at and closed.join_code is None
    assert post_note(finished["guest_phone"], workshop.id, "Nog iets").status_code == 200
    assert len(notes(app, workshop.id)) == 3
    assert client.post("/join", data={"code": finished["code"], "first_name": "Laat"}).status_code == 200


def test_forwarded_themes_and_notes_become_published_ideas_credited_to_the_workshop(app, coordinator_client,
                                                                                  workshop, finished):
    anna_note, bas_note, guest_note = finished["notes"]
    response = forward(coordinator_client, workshop.id, themes=[finished["theme"]], notes=[anna_note, bas_note])
    assert response.status_code == 302
    with app.app_context():
        ideas = db.session.scalars(select(Idea).order_by(Idea.id)).all()
        assert [idea.title for idea in ideas] == ["Groen en spelen", "Mehr Bänke am Spielplatz",
                                                  "Een veilige oversteek bij de school"]
        assert all(idea.status == IdeaStatus.PUBLISHED and idea.workshop_id == workshop.id
                   and idea.initiative_id == workshop.initiative_id and idea.published_at for idea in ideas)
        theme_idea, anna_idea, bas_idea = ideas
        assert anna_idea.author_id == finished["anna"].id and anna_idea.language == "de"
        assert bas_idea.author_id is None and "Bas" not in bas_idea.body_markdown
        assert theme_idea.author_id is None
        assert "Griet" in theme_idea.body_markdown and "Anna Schmidt" in theme_idea.body_markdown  # both agreed
        assert db.session.get(Theme, finished["theme"]).forwarded_idea_id == theme_idea.id
        # Every participant with an account follows every forwarded idea.
        follows = set(db.session.execute(select(Follow.user_id, Follow.target_id)
                                         .where(Follow.target_kind == FollowTarget.IDEA)).all())
        assert follows == {(person.id, idea.id) for person in (finished["anna"], finished["bas"]) for idea in ideas}
    # Forwarding the same note again makes no second idea.
    forward(coordinator_client, workshop.id, notes=[anna_note])
    with app.app_context():
        assert db.session.scalar(select(func.count(Idea.id))) == 3
    # The ideas show on the initiative, for everyone.
    with app.app_context():
        slug = db.session.get(Workshop, workshop.id).initiative.slug
    html = app.test_client().get(f"/initiatives/{slug}/ideas").get_data(as_text=True)
    assert "Mehr Bänke am Spielplatz" in html and "Groen en spelen" in html


def test_a_walk_in_without_an_account_is_named_only_if_they_agreed(app, coordinator_client, workshop, finished):
    forward(coordinator_client, workshop.id, notes=[finished["notes"][2]])
    with app.app_context():
        [idea] = db.session.scalars(select(Idea)).all()
        assert idea.author_id is None and "Griet" in idea.body_markdown
        db.session.execute(update(Participant).where(Participant.name == "Griet").values(credit_by_name=False))
        db.session.execute(update(Theme).values(forwarded_idea_id=None))
        db.session.commit()
    forward(coordinator_client, workshop.id, themes=[finished["theme"]])
    with app.app_context():
        theme_idea = db.session.scalars(select(Idea).order_by(Idea.id.desc())).first()
        assert "Griet" not in theme_idea.body_markdown


def test_nothing_is_forwarded_before_the_session_is_closed(app, coordinator_client, workshop):
    start(app, workshop.id)
    theme_id = make_theme(app, workshop.id, "Groen")
    forward(coordinator_client, workshop.id, themes=[theme_id])
    with app.app_context():
        assert db.session.scalar(select(func.count(Idea.id))) == 0


def test_the_outcome_page_shows_counts_without_names_and_is_public_only_when_published(app, client,
                                                                                      coordinator_client,
                                                                                      workshop, finished):
    forward(coordinator_client, workshop.id, themes=[finished["theme"]], notes=[finished["notes"][0]])
    assert client.get(f"/workshops/{workshop.id}/outcome").status_code == 404
    assert coordinator_client.get(f"/workshops/{workshop.id}/outcome").status_code == 200  # preview
    assert write_outcome(coordinator_client, workshop.id).status_code == 302
    assert coordinator_client.post(f"/workshops/{workshop.id}/session/publish").status_code == 302
    response = client.get(f"/workshops/{workshop.id}/outcome?lang=en")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>groen</strong>" in html and "De gemeente kijkt in mei." in html
    assert "<dt>Participants</dt><dd>3</dd>" in html
    assert "<tr><td>Groen en spelen</td><td>2</td><td>5</td></tr>" in html  # 2 on the theme + 3 on a note
    assert "Mehr Bänke am Spielplatz" in html and "/ideas/" in html
    assert workshop.venue_name in html
    for name in ("Anna", "Bas", "Griet"):
        assert name not in html
    assert "See all notes on the board" not in html  # the board is not public


def test_you_said_we_did_goes_once_to_each_participant_with_an_account_in_their_language(
        app, coordinator_client, workshop, finished, outbox):
    forward(coordinator_client, workshop.id, notes=[finished["notes"][1]])
    write_outcome(coordinator_client, workshop.id)
    assert coordinator_client.post(f"/workshops/{workshop.id}/session/publish").status_code == 302
    emails = {email.to_address: email for email in outbox()}
    assert set(emails) == {finished["anna"].email, finished["bas"].email}
    german, dutch = emails[finished["anna"].email], emails[finished["bas"].email]
    month = fetch_workshop(app, workshop.id).starts_at
    assert f"/workshops/{workshop.id}/outcome" in german.text_body
    assert "/ideas/" in dutch.text_body and "Een veilige oversteek bij de school" in dutch.text_body
    from babel.dates import format_date
    assert format_date(month, "MMMM", locale="de") in german.text_body  # a German month name
    assert format_date(month, "MMMM", locale="nl") in dutch.text_body
    # Publishing again sends nothing more.
    coordinator_client.post(f"/workshops/{workshop.id}/session/publish")
    assert len(outbox()) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count(Participant.id)).where(
            Participant.outcome_sent_at.is_not(None))) == 2


def test_publishing_needs_a_summary(app, coordinator_client, workshop, finished, outbox):
    coordinator_client.post(f"/workshops/{workshop.id}/session/publish")
    assert fetch_workshop(app, workshop.id).outcome_published_at is None and outbox() == []


def test_after_the_session_the_board_is_private_unless_the_coordinator_makes_it_public(
        app, client, coordinator_client, workshop, finished):
    board_url = f"/workshops/{workshop.id}/board"
    write_outcome(coordinator_client, workshop.id, public=False)
    assert client.get(board_url).status_code == 403
    assert client.get(board_url + "/state").status_code == 403
    assert finished["guest_phone"].get(board_url).status_code == 200  # participants keep seeing it
    # Public, but one note hidden.
    write_outcome(coordinator_client, workshop.id, public=True)
    coordinator_client.post(f"/workshops/{workshop.id}/session/notes/{finished['notes'][1]}/hide",
                            data={"reason": "personal_data"})
    response = client.get(board_url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Mehr Bänke am Spielplatz" in html and "Een veilige oversteek" not in html
    state = client.get(board_url + "/state", headers={"X-Board-Pass": board_pass(html)})
    assert state.status_code == 200 and "Een veilige oversteek" not in state.get_json()["html"]
    # Made private again: the public pass no longer works.
    write_outcome(coordinator_client, workshop.id, public=False)
    assert client.get(board_url + "/state", headers={"X-Board-Pass": board_pass(html)}).status_code == 403


# --- demo content ------------------------------------------------------------------------------

def test_the_demo_past_workshop_is_seeded_once_with_a_public_outcome(app, catalogue, client):
    from participation.workshops.demo_session import seed_demo_past_workshop

    with app.app_context():
        first = seed_demo_past_workshop()
        db.session.commit()
        again = seed_demo_past_workshop()
        db.session.commit()
        assert first == again
        assert db.session.scalar(select(func.count(Workshop.id))) == 1
        demo = db.session.get(Workshop, first)
        languages = set(db.session.scalars(select(Note.language).where(Note.workshop_id == first)))
        assert demo.session_state == SessionState.CLOSED and demo.board_public and {"nl", "de"} <= languages
        assert db.session.scalar(select(func.count(Dot.id))) > 0
        dots_consistent = (sum(db.session.scalars(select(Note.dot_count))) + sum(
            db.session.scalars(select(Theme.dot_count))) == db.session.scalar(select(func.count(Dot.id))))
        assert dots_consistent
    assert client.get(f"/workshops/{first}/outcome").status_code == 200
    assert client.get(f"/workshops/{first}/board").status_code == 200


def test_json_payload_is_plain_json(app, workshop):
    code = start(app, workshop.id)
    phone = walk_in(app, code)
    response = phone.get(f"/workshops/{workshop.id}/board/state")
    assert response.mimetype == "application/json"
    assert set(json.loads(response.data)) == {"version", "state", "html"}


def test_every_form_on_the_session_pages_carries_a_csrf_token(app, make_app, workshop, finished, coordinator):
    """With CSRF protection on (as in production), each POST form has a non-empty token."""
    csrf_app = make_app(WTF_CSRF_ENABLED=True)
    signer = make_app().test_client()
    sign_in(signer, coordinator)
    coordinator_browser = csrf_app.test_client()
    coordinator_browser.set_cookie("session", signer.get_cookie("session").value)
    phone = csrf_app.test_client()
    phone.set_cookie("session", finished["guest_phone"].get_cookie("session").value)
    pages = [
        (coordinator_browser, f"/workshops/{workshop.id}/session", SessionState.VOTING),
        (phone, f"/workshops/{workshop.id}/board", SessionState.VOTING),
        (csrf_app.test_client(), "/join", SessionState.VOTING),
        (coordinator_browser, f"/workshops/{workshop.id}/session/outcome", SessionState.CLOSED),
    ]
    for client, path, state in pages:
        set_state(app, workshop.id, state)
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        forms = re.findall(r'<form method="post".*?</form>', html, flags=re.S)
        assert forms, path
        for form in forms:
            token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"', form)
            assert token and (token.group(1) or token.group(2)), f"{path}: {form[:200]}"
