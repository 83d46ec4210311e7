"""Reads for the live session and the outcome. Each page loads in a fixed
number of queries; a poll that finds nothing new runs exactly one
(`board_head`)."""
import hashlib
from dataclasses import dataclass, field

from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from participation.extensions import db
from participation.ideas.models import Idea
from participation.ideas.queries import public_ideas_condition
from participation.programme.models import Neighbourhood
from participation.workshops.models import Dot, Note, Participant, SessionState, Theme, Workshop

OPEN_STATES = (SessionState.LIVE, SessionState.VOTING)  # people can join (and write, when live)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalize_join_code(code: str | None) -> str:
    """What people type: any case, with spaces or dashes; compared in upper case."""
    return "".join(char for char in (code or "").upper() if char.isascii() and char.isalnum())[:12]


# --- single rows --------------------------------------------------------------

def workshop_or_404(workshop_id: int) -> Workshop:
    workshop = db.session.execute(
        select(Workshop).where(Workshop.id == workshop_id)
        .options(joinedload(Workshop.neighbourhood).joinedload(Neighbourhood.municipality),
                 joinedload(Workshop.initiative))
    ).unique().scalar_one_or_none()
    if workshop is None:
        abort(404)
    return workshop


@dataclass(frozen=True)
class BoardHead:
    board_version: int
    session_state: SessionState
    board_public: bool


def board_head(workshop_id: int) -> BoardHead | None:
    """The one tiny query a poll runs: enough to answer 304 or refuse."""
    row = db.session.execute(
        select(Workshop.board_version, Workshop.session_state, Workshop.board_public).where(Workshop.id == workshop_id)
    ).first()
    return BoardHead(*row) if row else None


def workshop_for_join_code(code: str) -> Workshop | None:
    """The workshop whose session is open and has this code, if any."""
    code = normalize_join_code(code)
    if not code:
        return None
    return db.session.scalars(
        select(Workshop).where(Workshop.join_code == code, Workshop.session_state.in_(OPEN_STATES))
    ).first()


def participant_for_user(workshop_id: int, user_id: int) -> Participant | None:
    return db.session.scalars(
        select(Participant).where(Participant.workshop_id == workshop_id, Participant.user_id == user_id)
    ).first()


def participant_for_device(workshop_id: int, device_token: str) -> Participant | None:
    return db.session.scalars(
        select(Participant).where(Participant.workshop_id == workshop_id,
                                  Participant.device_token_hash == token_hash(device_token))
    ).first()


def participant_by_id(workshop_id: int, participant_id: int) -> Participant | None:
    participant = db.session.get(Participant, participant_id)
    return participant if participant is not None and participant.workshop_id == workshop_id else None


def note_or_404(workshop: Workshop, note_id: int) -> Note:
    note = db.session.get(Note, note_id)
    if note is None or note.workshop_id != workshop.id:
        abort(404)
    return note


def theme_or_404(workshop: Workshop, theme_id: int) -> Theme:
    theme = db.session.get(Theme, theme_id)
    if theme is None or theme.workshop_id != workshop.id:
        abort(404)
    return theme


def theme_in_workshop(workshop: Workshop, theme_id: int | None) -> Theme | None:
    if theme_id is None:
        return None
    theme = db.session.get(Theme, theme_id)
    return theme if theme is not None and theme.workshop_id == workshop.id else None


def participant_count(workshop_id: int) -> int:
    return db.session.scalar(select(func.count(Participant.id)).where(Participant.workshop_id == workshop_id)) or 0


# --- the board ----------------------------------------------------------------

def dot_key(kind: str, target_id: int) -> str:
    return f"{kind}-{target_id}"


@dataclass
class Board:
    workshop: Workshop
    themes: list[Theme]
    notes: list[Note]                      # visible notes, oldest first
    hidden_notes: list[Note]               # only loaded for the coordinator
    participant_count: int
    participant: Participant | None = None
    my_dots: dict[str, int] = field(default_factory=dict)       # "note-12" / "theme-3" → dots I placed there
    my_dots_on_hidden: dict[int, int] = field(default_factory=dict)  # note id → my dots on notes taken off
    own_note_ids: set[int] = field(default_factory=set)

    @property
    def notes_by_theme(self) -> dict[int | None, list[Note]]:
        grouped: dict[int | None, list[Note]] = {theme.id: [] for theme in self.themes}
        grouped[None] = []
        for note in self.notes:
            grouped.setdefault(note.theme_id, []).append(note)
        return grouped

    @property
    def ungrouped(self) -> list[Note]:
        return self.notes_by_theme[None]

    def theme_total(self, theme: Theme) -> int:
        """Dots on the theme itself plus dots on its visible notes."""
        return theme.dot_count + sum(note.dot_count for note in self.notes_by_theme.get(theme.id, ()))

    @property
    def dots_left(self) -> int | None:
        if self.participant is None:
            return None
        return max(0, self.workshop.dots_per_person - self.participant.dots_used)

    def mine(self, kind: str, target_id: int) -> int:
        if kind == "note" and target_id in self.my_dots_on_hidden:
            return self.my_dots_on_hidden[target_id]
        return self.my_dots.get(dot_key(kind, target_id), 0)

    @property
    def themes_by_votes(self) -> list[Theme]:
        return sorted(self.themes, key=lambda theme: (-self.theme_total(theme), theme.position, theme.id))


def board(workshop: Workshop, *, participant: Participant | None = None, include_hidden: bool = False) -> Board:
    """Everything a board shows, in four queries (five with a participant)."""
    themes = db.session.scalars(
        select(Theme).where(Theme.workshop_id == workshop.id).order_by(Theme.position, Theme.id)).all()
    notes = db.session.scalars(
        select(Note).where(Note.workshop_id == workshop.id).order_by(Note.created_at, Note.id)).all()
    count = participant_count(workshop.id)
    result = Board(
        workshop=workshop,
        themes=list(themes),
        notes=[note for note in notes if not note.is_hidden],
        hidden_notes=[note for note in notes if note.is_hidden] if include_hidden else [],
        participant_count=count,
        participant=participant,
    )
    if participant is not None:
        hidden_ids = {note.id for note in notes if note.is_hidden}
        result.own_note_ids = {note.id for note in notes if note.participant_id == participant.id}
        rows = db.session.execute(
            select(Dot.note_id, Dot.theme_id, func.count(Dot.id))
            .where(Dot.participant_id == participant.id).group_by(Dot.note_id, Dot.theme_id)
        ).all()
        for note_id, theme_id, number in rows:
            if note_id is not None and note_id in hidden_ids:
                result.my_dots_on_hidden[note_id] = number
            elif note_id is not None:
                result.my_dots[dot_key("note", note_id)] = number
            else:
                result.my_dots[dot_key("theme", theme_id)] = number
    return result


def my_dot(participant: Participant, *, note_id: int | None = None, theme_id: int | None = None) -> Dot | None:
    """One of this participant's dots on the note or theme (the latest), to take back."""
    statement = select(Dot).where(Dot.participant_id == participant.id)
    statement = statement.where(Dot.note_id == note_id) if note_id is not None else statement.where(
        Dot.theme_id == theme_id)
    return db.session.scalars(statement.order_by(Dot.id.desc()).limit(1)).first()


# --- forwarding and the outcome ------------------------------------------------

def forwarded_ideas(workshop: Workshop) -> list[Idea]:
    return list(db.session.scalars(
        select(Idea).where(Idea.workshop_id == workshop.id).order_by(Idea.id)
        .options(selectinload(Idea.author))
    ))


def public_forwarded_ideas(workshop: Workshop) -> list[Idea]:
    return list(db.session.scalars(
        select(Idea).where(Idea.workshop_id == workshop.id, public_ideas_condition()).order_by(Idea.id)))


def participants_with_accounts(workshop: Workshop) -> list[Participant]:
    return list(db.session.scalars(
        select(Participant).where(Participant.workshop_id == workshop.id, Participant.user_id.is_not(None))
        .options(selectinload(Participant.user)).order_by(Participant.id)
    ))


def notes_of_theme(theme: Theme) -> list[Note]:
    return list(db.session.scalars(
        select(Note).where(Note.theme_id == theme.id, Note.hidden_at.is_(None))
        .options(selectinload(Note.participant)).order_by(Note.dot_count.desc(), Note.created_at, Note.id)
    ))
