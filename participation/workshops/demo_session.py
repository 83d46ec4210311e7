"""Demo content: a workshop that already took place, with its board (notes in
Dutch and German, themes, dots), a forwarded idea and a public outcome page.

`seed_demo_past_workshop()` is called by `flask seed --demo`. Like every
operation it flushes and never commits. Dates are relative to today, so the
workshop is always three weeks ago. Idempotent: when the demo workshop is
there (matched by its title in its neighbourhood) nothing changes.
"""
import logging
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from participation.accounts.models import User
from participation.core.sanitize import markdown_to_safe_html
from participation.core.types import utcnow
from participation.extensions import db
from participation.notifications.models import FollowTarget
from participation.notifications.operations import follow
from participation.programme.models import Initiative, Municipality, Neighbourhood
from participation.workshops.models import (
    Dot,
    Note,
    Participant,
    SessionState,
    Theme,
    Workshop,
    WorkshopStatus,
)
from participation.workshops.session import operations

logger = logging.getLogger("participation.workshops.demo")

TITLE = "Groen en samen in Malpertuis"
INITIATIVE = "groene-gezonde-wijkaanpak"
MUNICIPALITY, NEIGHBOURHOOD = "maastricht", "malpertuis"
LOCAL = ZoneInfo("Europe/Amsterdam")
DAYS_AGO = 21

DESCRIPTION = (
    "Hoe maken we de straten en pleinen van Malpertuis groener, koeler en gezelliger? "
    "We verzamelen ideeën op briefjes en kiezen samen wat het belangrijkst is.\n\n"
    "Wie macht man die Straßen und Plätze in Malpertuis grüner und lebendiger? "
    "Deutschsprachige Nachbarn sind herzlich willkommen."
)

# First names of walk-ins without an account; True: they agreed to be named.
GUESTS = [("Marij", True), ("Jürgen", True), ("Fatima", False), ("Luc", True), ("Sanne", False), ("Heinz", False)]
# Demo residents (accounts/demo.py) take part too, when they exist.
DEMO_RESIDENTS = ["demo.bewoner@example.org", "demo.einwohner@example.org"]

THEMES = ["Groen en schaduw", "Spelen en ontmoeten", "Veilig oversteken"]
# (theme index or None, language, text, writer index in the participant list or None for paper)
NOTES = [
    (0, "nl", "Meer bomen langs de Malpertuisstraat, voor schaduw in de zomer", 0),
    (0, "de", "Ein kleiner Gemeinschaftsgarten hinter dem Bürgerhaus wäre schön", 1),
    (0, "nl", "Help bewoners om tegels uit de stoep te halen voor geveltuintjes", 3),
    (1, "nl", "Bankjes bij de speeltuin, zodat ook ouderen er kunnen zitten", 2),
    (1, "de", "Ein Treffpunkt für Jugendliche mit einem kleinen Sportplatz", 1),
    (1, "nl", "Een buurtfeest in het park, één keer per jaar", None),
    (2, "nl", "Een zebrapad bij de basisschool", 4),
    (2, "de", "Langsamer fahren: Tempo 30 in der ganzen Straße", 5),
    (None, "nl", "Betere verlichting in het park als het donker is", 0),
]
# (participant index, "note" or "theme", index into NOTES or THEMES)
DOTS = [
    (0, "note", 0), (0, "note", 0), (0, "theme", 1),
    (1, "note", 1), (1, "note", 4), (1, "note", 7),
    (2, "note", 3), (2, "note", 6), (2, "theme", 2),
    (3, "note", 0), (3, "note", 2), (3, "theme", 0),
    (4, "note", 6), (4, "note", 6), (4, "note", 8),
    (5, "note", 7), (5, "theme", 2),
]

SUMMARY = (
    "Buren dachten mee in het Nederlands en het Duits. De meeste stippen gingen naar **meer groen "
    "en schaduw** in de straten en naar **veilig oversteken** bij de basisschool.\n\n"
    "Nachbarn haben auf Niederländisch und Deutsch mitgemacht. Die meisten Punkte bekamen mehr Grün "
    "und sichere Übergänge."
)
NEXT_STEPS = (
    "- De gemeente bekijkt met de bewoners waar nieuwe bomen kunnen staan.\n"
    "- Het idee over groen staat op de website: iedereen kan het steunen.\n"
    "- In de volgende werkplaats werken we het zebrapad uit met de school."
)


def _local(day_offset: int, hour: int) -> datetime:
    day = (utcnow().astimezone(LOCAL) + timedelta(days=day_offset)).date()
    return datetime.combine(day, time(hour), tzinfo=LOCAL)


def seed_demo_past_workshop() -> int | None:
    """Create the past demo workshop once; returns its id (None when the catalogue is missing)."""
    neighbourhood = db.session.scalars(
        select(Neighbourhood).join(Municipality)
        .where(Municipality.slug == MUNICIPALITY, Neighbourhood.slug == NEIGHBOURHOOD)).first()
    initiative = db.session.scalars(select(Initiative).where(Initiative.slug == INITIATIVE)).first()
    if neighbourhood is None or initiative is None:
        logger.warning("Demo workshop skipped: the catalogue is not loaded")
        return None
    existing = db.session.scalar(
        select(Workshop.id).where(Workshop.title == TITLE, Workshop.neighbourhood_id == neighbourhood.id))
    if existing is not None:
        return existing

    coordinator = db.session.scalars(select(User).where(User.email == "demo.coordinator@example.org")).first()
    starts_at = _local(-DAYS_AGO, 19)
    workshop = Workshop(
        initiative_id=initiative.id, neighbourhood_id=neighbourhood.id,
        created_by_id=coordinator.id if coordinator else None, title=TITLE,
        description_markdown=DESCRIPTION, description_html=markdown_to_safe_html(DESCRIPTION),
        starts_at=starts_at, ends_at=starts_at + timedelta(hours=2),
        registration_deadline=starts_at - timedelta(days=1),
        venue_name="Buurthuis Malpertuis", venue_address="Malpertuisplein 1, 6216 Maastricht",
        capacity=30, languages=["nl", "de"], status=WorkshopStatus.PUBLISHED,
        accessibility_notes="Gelijkvloers, met een invalidentoilet en een ringleiding.",
        session_state=SessionState.CLOSED, dots_per_person=3, board_public=True,
        summary_markdown=SUMMARY, summary_html=markdown_to_safe_html(SUMMARY),
        next_steps_markdown=NEXT_STEPS, next_steps_html=markdown_to_safe_html(NEXT_STEPS),
        closed_at=starts_at + timedelta(hours=2), outcome_published_at=starts_at + timedelta(days=2),
    )
    db.session.add(workshop)
    db.session.flush()

    participants = [Participant(workshop_id=workshop.id, name=name, is_walk_in=True, credit_by_name=credit,
                                joined_at=starts_at + timedelta(minutes=5))
                    for name, credit in GUESTS]
    residents = db.session.scalars(select(User).where(User.email.in_(DEMO_RESIDENTS))).all()
    participants += [Participant(workshop_id=workshop.id, user_id=person.id, credit_by_name=True,
                                 joined_at=starts_at + timedelta(minutes=2)) for person in residents]
    db.session.add_all(participants)
    themes = [Theme(workshop_id=workshop.id, title=title, position=number + 1) for number, title in enumerate(THEMES)]
    db.session.add_all(themes)
    db.session.flush()

    notes = []
    for minute, (theme, language, text, writer) in enumerate(NOTES):
        notes.append(Note(workshop_id=workshop.id, theme_id=themes[theme].id if theme is not None else None,
                          language=language, text=text, added_by_coordinator=writer is None,
                          participant_id=participants[writer].id if writer is not None else None,
                          created_at=starts_at + timedelta(minutes=20 + minute * 3)))
    db.session.add_all(notes)
    db.session.flush()

    for number, (who, kind, index) in enumerate(DOTS):
        target = notes[index] if kind == "note" else themes[index]
        db.session.add(Dot(workshop_id=workshop.id, participant_id=participants[who].id,
                           note_id=target.id if kind == "note" else None,
                           theme_id=target.id if kind == "theme" else None,
                           created_at=starts_at + timedelta(minutes=80 + number)))
        target.dot_count += 1
        participants[who].dots_used += 1
    db.session.flush()

    # The coordinator passed the greenest theme on as an idea; participants with an account follow it.
    idea = operations.forward_theme(coordinator, workshop, themes[0], "nl")
    if idea is not None:
        for person in residents:
            follow(person, FollowTarget.IDEA, idea.id)
    db.session.flush()
    logger.info("Demo workshop %s seeded", workshop.id)
    return workshop.id
