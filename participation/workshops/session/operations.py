"""Writes for the live session and its outcome. Every function flushes and
never commits (the view commits once); every change to what a board shows
raises `Workshop.board_version` in the same transaction, so polling clients
notice it.

Counters are kept with atomic conditional UPDATEs, always taking row locks
in the same order (participant → note or theme → dot), so that on
PostgreSQL concurrent requests wait for each other instead of deadlocking,
and on SQLite (every write transaction begins IMMEDIATE) they run one after
the other:

* a participant never holds more than N dots: `UPDATE workshop_participant
  SET dots_used = dots_used + 1 WHERE id = … AND dots_used < (N of the
  workshop, only while voting)` changes one row or none;
* a note or theme's `dot_count` moves with each dot in the same transaction.
"""
import logging
import secrets

from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from participation.core.sanitize import markdown_to_safe_html
from participation.core.types import utcnow
from participation.extensions import db
from participation.ideas.models import TITLE_MAX, Idea, IdeaStatus
from participation.ideas.operations import sync_search
from participation.mail.operations import external_url, queue_email
from participation.notifications.models import FollowTarget
from participation.notifications.operations import follow
from participation.workshops.checkin import ALPHABET as CHECKIN_ALPHABET
from participation.workshops.models import (
    Dot,
    Note,
    Participant,
    Registration,
    SessionState,
    Theme,
    Workshop,
    WorkshopStatus,
)
from participation.workshops.session import queries

logger = logging.getLogger("participation.workshops.session")

# The check-in codes' alphabet: nothing that looks like something else when read from a wall.
JOIN_CODE_ALPHABET = CHECKIN_ALPHABET
JOIN_CODE_LENGTH = 6
NOTE_MAX = 280
MAX_DOTS_PER_PERSON = 10


class SessionProblem(Exception):
    """An action that does not fit the state of the board. `reason` is a code the view turns into a message."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- helpers ----------------------------------------------------------------------

def bump_board(workshop: Workshop) -> None:
    """Raise board_version atomically: every poll after the commit gets the new board."""
    db.session.execute(
        update(Workshop).where(Workshop.id == workshop.id).values(board_version=Workshop.board_version + 1)
        .execution_options(synchronize_session=False))
    db.session.expire(workshop, ["board_version", "updated_at"])


def _transition(workshop: Workshop, from_states, to_state: SessionState, **values) -> None:
    """Move the session on with one conditional UPDATE: of two clicks at once, one wins."""
    changed = db.session.execute(
        update(Workshop).where(Workshop.id == workshop.id, Workshop.session_state.in_(tuple(from_states)))
        .values(session_state=to_state, board_version=Workshop.board_version + 1, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(workshop)
    if changed != 1:
        raise SessionProblem("state")


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def _free_join_code() -> str:
    for _attempt in range(20):
        code = new_join_code()
        if db.session.scalar(select(Workshop.id).where(Workshop.join_code == code)) is None:
            return code
    raise RuntimeError("no free join code found")  # 31^6 codes; practically impossible


# --- the session --------------------------------------------------------------------

def start_session(actor, workshop: Workshop) -> None:
    if workshop.status != WorkshopStatus.PUBLISHED:
        raise SessionProblem("not_published")
    for _attempt in range(3):
        try:
            with db.session.begin_nested():
                _transition(workshop, [SessionState.NOT_STARTED], SessionState.LIVE, join_code=_free_join_code())
            break
        except IntegrityError:  # the same code was taken a moment ago
            continue
    else:
        raise SessionProblem("state")
    logger.info("workshop=%s session started by user=%s", workshop.id, actor.id)


def open_voting(actor, workshop: Workshop) -> None:
    _transition(workshop, [SessionState.LIVE], SessionState.VOTING)
    logger.info("workshop=%s voting opened by user=%s", workshop.id, actor.id)


def end_voting(actor, workshop: Workshop) -> None:
    _transition(workshop, [SessionState.VOTING], SessionState.LIVE)


def set_dots_per_person(actor, workshop: Workshop, dots: int) -> None:
    if workshop.session_state == SessionState.CLOSED:
        raise SessionProblem("closed")
    workshop.dots_per_person = max(1, min(MAX_DOTS_PER_PERSON, int(dots)))
    db.session.flush()
    bump_board(workshop)


def close_session(actor, workshop: Workshop) -> None:
    """The board freezes; the join code is freed (nobody joins any more)."""
    _transition(workshop, [SessionState.LIVE, SessionState.VOTING], SessionState.CLOSED,
                closed_at=utcnow(), join_code=None)
    logger.info("workshop=%s session closed by user=%s", workshop.id, actor.id)


# --- participants -------------------------------------------------------------------

def join_with_account(workshop: Workshop, user, *, credit_by_name: bool | None = None) -> Participant:
    """A signed-in person joins (or is already on the board: their row is kept)."""
    participant = queries.participant_for_user(workshop.id, user.id)
    if participant is None:
        try:
            with db.session.begin_nested():
                participant = Participant(workshop_id=workshop.id, user_id=user.id, is_walk_in=True,
                                          credit_by_name=bool(credit_by_name))
                db.session.add(participant)
        except IntegrityError:  # joined twice at the same moment
            participant = queries.participant_for_user(workshop.id, user.id)
        else:
            bump_board(workshop)
            return participant
    if credit_by_name is not None:
        participant.credit_by_name = bool(credit_by_name)
        db.session.flush()
    return participant


def join_as_guest(workshop: Workshop, *, first_name: str, credit_by_name: bool) -> tuple[Participant, str]:
    """A phone without an account joins with the code and a first name.
    Returns the participant and the device token to keep in their session
    (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    participant = Participant(workshop_id=workshop.id, name=first_name, is_walk_in=True,
                              credit_by_name=credit_by_name, device_token_hash=queries.token_hash(token))
    db.session.add(participant)
    db.session.flush()
    bump_board(workshop)
    return participant, token


def set_credit(participant: Participant, credit_by_name: bool) -> None:
    participant.credit_by_name = bool(credit_by_name)
    db.session.flush()


# --- notes and themes -----------------------------------------------------------------

def post_note(workshop: Workshop, participant: Participant, text: str, language: str) -> Note:
    if workshop.session_state != SessionState.LIVE:
        raise SessionProblem("not_live")
    note = Note(workshop_id=workshop.id, participant_id=participant.id, text=text[:NOTE_MAX], language=language)
    db.session.add(note)
    db.session.flush()
    bump_board(workshop)
    return note


def add_paper_note(actor, workshop: Workshop, text: str, language: str, theme: Theme | None = None) -> Note:
    """The coordinator types in a note someone wrote on paper."""
    if workshop.session_state not in queries.OPEN_STATES:
        raise SessionProblem("not_open")
    note = Note(workshop_id=workshop.id, added_by_coordinator=True, text=text[:NOTE_MAX], language=language,
                theme_id=theme.id if theme else None)
    db.session.add(note)
    db.session.flush()
    bump_board(workshop)
    return note


def _editable(workshop: Workshop) -> None:
    if workshop.session_state == SessionState.CLOSED:
        raise SessionProblem("closed")


def create_theme(actor, workshop: Workshop, title: str) -> Theme:
    _editable(workshop)
    last = db.session.scalar(
        select(Theme.position).where(Theme.workshop_id == workshop.id).order_by(Theme.position.desc()).limit(1))
    theme = Theme(workshop_id=workshop.id, title=title, position=(last or 0) + 1)
    db.session.add(theme)
    db.session.flush()
    bump_board(workshop)
    return theme


def rename_theme(actor, workshop: Workshop, theme: Theme, title: str) -> None:
    _editable(workshop)
    theme.title = title
    db.session.flush()
    bump_board(workshop)


def merge_themes(actor, workshop: Workshop, source: Theme, target: Theme) -> None:
    """Source's notes and dots move to target; source goes. Both theme rows are
    locked first (in id order), so no dot lands on source meanwhile."""
    _editable(workshop)
    if source.id == target.id or source.workshop_id != target.workshop_id:
        raise SessionProblem("same_theme")
    locked = {theme.id: theme for theme in db.session.scalars(
        select(Theme).where(Theme.id.in_([source.id, target.id])).order_by(Theme.id)
        .with_for_update().execution_options(populate_existing=True))}
    if len(locked) != 2:
        raise SessionProblem("gone")
    moved_dots = locked[source.id].dot_count
    db.session.execute(update(Note).where(Note.theme_id == source.id).values(theme_id=target.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Dot).where(Dot.theme_id == source.id).values(theme_id=target.id)
                       .execution_options(synchronize_session=False))
    db.session.execute(update(Theme).where(Theme.id == target.id)
                       .values(dot_count=Theme.dot_count + moved_dots)
                       .execution_options(synchronize_session=False))
    db.session.execute(delete(Theme).where(Theme.id == source.id).execution_options(synchronize_session=False))
    db.session.expunge(source)
    db.session.expire(target)
    bump_board(workshop)


def move_note(actor, workshop: Workshop, note: Note, theme: Theme | None) -> None:
    _editable(workshop)
    note.theme_id = theme.id if theme else None
    db.session.flush()
    bump_board(workshop)


def hide_note(actor, workshop: Workshop, note: Note, reason: str) -> None:
    """Off the board (not deleted). Dots already on it stay with their owners,
    who can take them back; no new dots go on it."""
    note.hidden_at = utcnow()
    note.hidden_reason = reason
    db.session.flush()
    bump_board(workshop)
    logger.info("workshop=%s note=%s hidden by user=%s reason=%s", workshop.id, note.id, actor.id, reason)


def unhide_note(actor, workshop: Workshop, note: Note) -> None:
    note.hidden_at = None
    note.hidden_reason = None
    db.session.flush()
    bump_board(workshop)


# --- dots --------------------------------------------------------------------------

def _target_table(kind: str):
    return {"note": Note, "theme": Theme}[kind]


def place_dot(workshop: Workshop, participant: Participant, kind: str, target_id: int) -> Dot:
    """One dot on a note or theme. Refused (SessionProblem) when the round is
    not open, the person has no dots left, or the target is gone or hidden."""
    # 1. The participant's counter, only below N and only while voting: atomic.
    limit = (select(Workshop.dots_per_person)
             .where(Workshop.id == workshop.id, Workshop.session_state == SessionState.VOTING)
             .scalar_subquery())
    taken = db.session.execute(
        update(Participant).where(Participant.id == participant.id, Participant.dots_used < limit)
        .values(dots_used=Participant.dots_used + 1).execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        db.session.expire(workshop, ["session_state"])
        raise SessionProblem("no_dots_left" if workshop.session_state == SessionState.VOTING else "not_voting")
    # 2. The target's count (a visible note or a theme of this workshop).
    table = _target_table(kind)
    conditions = [table.id == target_id, table.workshop_id == workshop.id]
    if table is Note:
        conditions.append(Note.hidden_at.is_(None))
    counted = db.session.execute(
        update(table).where(*conditions).values(dot_count=table.dot_count + 1)
        .execution_options(synchronize_session=False)).rowcount
    if counted != 1:
        raise SessionProblem("gone")  # the view rolls back: the participant's dot is not used
    # 3. The dot itself.
    dot = Dot(workshop_id=workshop.id, participant_id=participant.id,
              note_id=target_id if kind == "note" else None, theme_id=target_id if kind == "theme" else None)
    db.session.add(dot)
    db.session.flush()
    db.session.expire(participant, ["dots_used"])
    bump_board(workshop)
    return dot


def take_dot_back(workshop: Workshop, participant: Participant, kind: str, target_id: int) -> None:
    """Take one of one's own dots off a note or theme (also off a note that was
    hidden meanwhile). Same lock order as place_dot."""
    if workshop.session_state != SessionState.VOTING:
        raise SessionProblem("not_voting")
    dot = queries.my_dot(participant, **{f"{kind}_id": target_id})
    if dot is None:
        raise SessionProblem("no_dot_here")
    given_back = db.session.execute(
        update(Participant).where(Participant.id == participant.id, Participant.dots_used > 0)
        .values(dots_used=Participant.dots_used - 1).execution_options(synchronize_session=False)).rowcount
    table = _target_table(kind)
    uncounted = db.session.execute(
        update(table).where(table.id == target_id, table.dot_count > 0)
        .values(dot_count=table.dot_count - 1).execution_options(synchronize_session=False)).rowcount
    removed = db.session.execute(
        delete(Dot).where(Dot.id == dot.id, getattr(Dot, f"{kind}_id") == target_id)
        .execution_options(synchronize_session=False)).rowcount
    if not (given_back == uncounted == removed == 1):
        raise SessionProblem("gone")  # taken back or moved at the same moment; the view rolls back
    db.session.expunge(dot)
    db.session.expire(participant, ["dots_used"])
    bump_board(workshop)


# --- the outcome ---------------------------------------------------------------------

def save_outcome(actor, workshop: Workshop, *, summary: str, next_steps: str, board_public: bool) -> None:
    if workshop.session_state != SessionState.CLOSED:
        raise SessionProblem("not_closed")
    workshop.summary_markdown = summary
    workshop.summary_html = markdown_to_safe_html(summary)
    workshop.next_steps_markdown = next_steps
    workshop.next_steps_html = markdown_to_safe_html(next_steps)
    workshop.board_public = bool(board_public)
    db.session.flush()
    bump_board(workshop)


def _short_title(text: str) -> str:
    """A note as an idea title: its first line, cut at a word within TITLE_MAX."""
    first = " ".join(text.split())
    if len(first) <= TITLE_MAX:
        return first
    cut = first[:TITLE_MAX - 1].rsplit(" ", 1)[0]
    return (cut or first[:TITLE_MAX - 1]) + "…"


def _markdown_line(text: str) -> str:
    """A note's text as one Markdown list item: characters that would start markup are escaped."""
    text = " ".join(text.split())
    for char in "\\`*_[]<>#|":
        text = text.replace(char, "\\" + char)
    return text


def _workshop_line(workshop: Workshop) -> str:
    return _("From the workshop “%(title)s” on %(date)s in %(place)s.", title=workshop.title,
             date=format_date(workshop.starts_at, "long"), place=workshop.venue_name)


def create_workshop_idea(workshop: Workshop, *, title: str, body: str, language: str,
                         author_id: int | None) -> Idea:
    """A published idea on the workshop's initiative, credited to the workshop.

    The coordinator chose it at the end of a moderated session, so it does not
    wait for review. (ideas.operations.create_idea needs an author and applies
    the initiative's pre-moderation; a workshop idea may have neither.)"""
    now = utcnow()
    idea = Idea(initiative_id=workshop.initiative_id, neighbourhood_id=workshop.neighbourhood_id,
                workshop_id=workshop.id, author_id=author_id, title=title[:TITLE_MAX], body_markdown=body,
                body_html=markdown_to_safe_html(body), status=IdeaStatus.PUBLISHED, language=language,
                submitted_at=now, published_at=now)
    db.session.add(idea)
    db.session.flush()
    sync_search(idea)
    return idea


def _credit_name(participant: Participant | None) -> str | None:
    if participant is None or not participant.credit_by_name:
        return None
    if participant.user is not None and not participant.user.is_deleted:
        return participant.user.display_name
    return participant.name


def forward_note(actor, workshop: Workshop, note: Note) -> Idea | None:
    """The note becomes an idea. Its author is credited (as the idea's author,
    or by first name for a walk-in without an account) only if they agreed."""
    participant = note.participant
    language = note.language or "nl"
    credited_user = participant.user_id if participant is not None and participant.credit_by_name else None
    with force_locale(language):
        lines = [note.text, "", _workshop_line(workshop)]
        name = _credit_name(participant)
        if name and credited_user is None:
            lines.append(_("Brought in by %(name)s.", name=name))
        body = "\n".join(lines)
    idea = create_workshop_idea(workshop, title=_short_title(note.text), body=body, language=language,
                                author_id=credited_user)
    return _claim_forward(Note, note, idea)


def forward_theme(actor, workshop: Workshop, theme: Theme, language: str) -> Idea | None:
    """The theme becomes an idea listing its notes (names only of those who agreed)."""
    notes = queries.notes_of_theme(theme)
    with force_locale(language):
        lines = [_("What participants said about this theme:"), ""]
        for note in notes:
            name = _credit_name(note.participant)
            line = "- " + _markdown_line(note.text)
            lines.append(line + (f" ({name})" if name else ""))
        lines += ["", _workshop_line(workshop)]
        body = "\n".join(lines)
    idea = create_workshop_idea(workshop, title=theme.title, body=body, language=language, author_id=None)
    return _claim_forward(Theme, theme, idea)


def _claim_forward(table, item, idea: Idea) -> Idea | None:
    """Each note or theme is forwarded once, also when two coordinators click at once."""
    claimed = db.session.execute(
        update(table).where(table.id == item.id, table.forwarded_idea_id.is_(None))
        .values(forwarded_idea_id=idea.id).execution_options(synchronize_session=False)).rowcount
    db.session.expire(item, ["forwarded_idea_id"])
    if claimed != 1:
        db.session.delete(idea)
        db.session.flush()
        return None
    return idea


def forward(actor, workshop: Workshop, *, themes: list[Theme], notes: list[Note], language: str) -> list[Idea]:
    """Forward the chosen themes and notes as ideas on the initiative. Every
    participant with an account follows each new idea, so its later status
    changes reach them."""
    if workshop.session_state != SessionState.CLOSED:
        raise SessionProblem("not_closed")
    ideas = [forward_theme(actor, workshop, theme, language) for theme in themes if theme.forwarded_idea_id is None]
    ideas += [forward_note(actor, workshop, note) for note in notes
              if note.forwarded_idea_id is None and not note.is_hidden]
    ideas = [idea for idea in ideas if idea is not None]
    people = [participant.user for participant in queries.participants_with_accounts(workshop)
              if participant.user is not None and not participant.user.is_deleted]
    for idea in ideas:
        for person in people:
            follow(person, FollowTarget.IDEA, idea.id)
    if ideas:
        bump_board(workshop)
        logger.info("workshop=%s forwarded %d idea(s) by user=%s", workshop.id, len(ideas), actor.id)
    return ideas


def publish_outcome(actor, workshop: Workshop, *, idea_url) -> int:
    """Make the outcome page public and email every participant with an
    account ("you said, we did"), each once. Returns how many emails were queued.

    `idea_url(idea)` builds the absolute link to an idea."""
    if workshop.session_state != SessionState.CLOSED or not workshop.summary_html:
        raise SessionProblem("outcome_incomplete")
    if workshop.outcome_published_at is None:
        workshop.outcome_published_at = utcnow()
        db.session.flush()
        bump_board(workshop)
    ideas = queries.public_forwarded_ideas(workshop)
    outcome_url = external_url("workshop_session.outcome", workshop_id=workshop.id)
    links = [(idea.title, idea_url(idea)) for idea in ideas]
    sent = 0
    for participant in queries.participants_with_accounts(workshop):
        # Claimed with a conditional UPDATE: sent once, also when published twice at once.
        claimed = db.session.execute(
            update(Participant).where(Participant.id == participant.id, Participant.outcome_sent_at.is_(None))
            .values(outcome_sent_at=utcnow()).execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            continue
        db.session.execute(
            update(Registration).where(Registration.workshop_id == workshop.id,
                                       Registration.user_id == participant.user_id,
                                       Registration.outcome_sent_at.is_(None))
            .values(outcome_sent_at=utcnow()).execution_options(synchronize_session=False))
        person = participant.user
        if (person is None or person.is_deleted or not person.email or not person.is_verified
                or not person.notifications.get("workshops", True)):
            continue
        queue_email(person.email, _outcome_subject(workshop), "workshops/outcome", person.language,
                    recipient=person, workshop=workshop, outcome_url=outcome_url, ideas=links)
        sent += 1
    logger.info("workshop=%s outcome published by user=%s; %d email(s)", workshop.id, actor.id, sent)
    return sent


def _outcome_subject(workshop: Workshop):
    # Lazy: queue_email renders it in each recipient's language.
    return _l("You said, we did: the outcome of “%(title)s”", title=workshop.title)
