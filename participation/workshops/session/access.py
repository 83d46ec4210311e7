"""Who sees and does what on a workshop board, and the "board pass".

While the session runs, only participants and staff see the board; after it
the public sees it only when the coordinator made it public.

A participant is recognised by their account (a Participant row made at
check-in or when they joined with the code) or, for a phone without an
account, by a random device token kept in their (signed) session cookie and
stored hashed on the Participant row.

Polling (static/js/board.js) does not send the cookie. The page hands it a
signed, short-lived *board pass* instead (workshop, view, participant or
staff member, language), so a poll that finds nothing new costs one tiny
query: no sign-in session to load, no session cookie to write.
"""
from dataclasses import dataclass

from flask import current_app, session
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from participation.core.permissions import coordinates, is_signed_in, is_staff
from participation.workshops.models import Participant, SessionState, Workshop
from participation.workshops.session import queries

# In the session cookie: {"<workshop id>": "<device token>"} for walk-ins without an account.
DEVICES_KEY = "workshop_devices"
MAX_DEVICES = 5

PASS_SALT = "workshop-board-pass"
PASS_MAX_AGE = 12 * 60 * 60  # a long workshop day; a reload makes a new one
VIEWS = ("phone", "projector", "manage")


# --- predicates -----------------------------------------------------------------

def runs_workshop(user, workshop: Workshop) -> bool:
    """May run this workshop's session: its neighbourhood's coordinator (or an
    admin), signed in with two-factor sign-in."""
    return bool(coordinates(user, workshop.neighbourhood) and user.has_two_factor)


def sees_live_boards(user) -> bool:
    """Staff (with two-factor sign-in) may look at any board."""
    return is_staff(user) and user.has_two_factor


def board_is_public(workshop) -> bool:
    return workshop.session_state == SessionState.CLOSED and workshop.board_public


def outcome_is_public(workshop: Workshop) -> bool:
    return workshop.session_state == SessionState.CLOSED and workshop.outcome_published_at is not None


# --- the viewer -------------------------------------------------------------------

@dataclass
class Viewer:
    participant: Participant | None = None
    runs: bool = False      # the coordinator (or an admin)
    staff: bool = False     # any staff member with two-factor sign-in

    @property
    def is_participant(self) -> bool:
        return self.participant is not None

    def may_see(self, workshop: Workshop) -> bool:
        return self.runs or self.staff or self.is_participant or board_is_public(workshop)


def device_token(workshop_id: int) -> str | None:
    devices = session.get(DEVICES_KEY)
    token = devices.get(str(workshop_id)) if isinstance(devices, dict) else None
    return token if isinstance(token, str) and token else None


def remember_device(workshop_id: int, token: str) -> None:
    devices = dict(session.get(DEVICES_KEY) or {})
    devices[str(workshop_id)] = token
    # Only the last few workshops: the cookie stays small.
    session[DEVICES_KEY] = dict(list(devices.items())[-MAX_DEVICES:])


def current_participant(workshop: Workshop) -> Participant | None:
    if is_signed_in(current_user):
        participant = queries.participant_for_user(workshop.id, current_user.id)
        if participant is not None:
            return participant
    token = device_token(workshop.id)
    return queries.participant_for_device(workshop.id, token) if token else None


def viewer_for(workshop: Workshop) -> Viewer:
    return Viewer(participant=current_participant(workshop), runs=runs_workshop(current_user, workshop),
                  staff=sees_live_boards(current_user))


# --- the board pass -------------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=PASS_SALT)


def make_pass(workshop: Workshop, view: str, viewer: Viewer, language: str) -> str:
    data = {"w": workshop.id, "v": view, "l": language}
    if view == "manage" or (view == "projector" and viewer.runs):
        data["s"] = current_user.id
    elif viewer.is_participant:
        data["p"] = viewer.participant.id
    elif viewer.staff:
        data["s"] = current_user.id
    else:
        data["pub"] = 1
    return _serializer().dumps(data)


@dataclass(frozen=True)
class Grant:
    view: str
    language: str
    participant_id: int | None = None
    staff_id: int | None = None

    @property
    def public(self) -> bool:
        return self.participant_id is None and self.staff_id is None

    def allows(self, head: queries.BoardHead) -> bool:
        if self.public:
            return head.session_state == SessionState.CLOSED and head.board_public
        return True

    @property
    def key(self) -> str:
        who = f"p{self.participant_id}" if self.participant_id else (f"s{self.staff_id}" if self.staff_id else "pub")
        return f"{self.view}.{self.language}.{who}"


def read_pass(token: str | None, workshop_id: int, view: str) -> Grant | None:
    if not token or len(token) > 500:
        return None
    try:
        data = _serializer().loads(token, max_age=PASS_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or data.get("w") != workshop_id or data.get("v") != view:
        return None
    language = data.get("l") if isinstance(data.get("l"), str) else "nl"
    return Grant(view=view, language=language, participant_id=data.get("p"), staff_id=data.get("s"))
