"""Writes for workshops: scheduling, registration and the waiting list,
check-in at the door, reminders. Like every operation: flush, never commit.

Places are counted in `Workshop.registered_count` and `waitlist_count`.
Taking a place is one conditional UPDATE (`… SET registered_count =
registered_count + 1 WHERE registered_count < capacity`) in the same
transaction as the registration's INSERT: the database decides who gets
the last place, and whoever loses goes on the waiting list. Every other
change of places (cancelling, promoting, a new capacity) first locks the
workshop row, so they happen one after the other. (On SQLite the whole
transaction holds the write lock from its start: BEGIN IMMEDIATE.)
"""
import logging
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from participation.accounts.models import User
from participation.accounts.privacy import register_erasure_step
from participation.core.sanitize import markdown_to_safe_html
from participation.core.types import utcnow
from participation.extensions import db
from participation.mail.operations import external_url, queue_email
from participation.workshops import calendar, checkin, queries
from participation.workshops.models import (
    Participant,
    Registration,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
)

logger = logging.getLogger("participation.workshops")

REMINDER_WINDOW = timedelta(hours=24)


class Refused(Exception):
    """An action that is not possible now; `message` says why, for people."""

    MESSAGES: dict = {}

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self):
        return self.MESSAGES[self.reason]


class RegistrationRefused(Refused):
    MESSAGES = {
        "draft": _l("You cannot sign up for this workshop yet: it has not been published."),
        "cancelled": _l("This workshop is cancelled. You cannot sign up for it."),
        "started": _l("This workshop has already started. You cannot sign up or cancel any more."),
        "deadline": _l("The time to sign up for this workshop has passed."),
    }


class ChangeRefused(Refused):
    MESSAGES = {
        "cancelled": _l("This workshop is cancelled. It cannot be changed any more."),
        "not_draft": _l("This workshop is already published."),
        "past": _l("The start of this workshop has passed. Change the date first."),
        "not_open": _l("Check-in is only possible for a published workshop."),
        "unknown_email": _l("There is no account with this email address. Add the person by name instead."),
    }


# --- scheduling --------------------------------------------------------------------

WORKSHOP_FIELDS = ("initiative_id", "neighbourhood_id", "previous_id", "title", "starts_at", "ends_at",
                   "registration_deadline", "venue_name", "venue_address", "languages", "accessibility_notes")
# A change in one of these is news for everyone signed up (and a new version of the calendar event).
NEWS_FIELDS = ("starts_at", "ends_at", "venue_name", "venue_address")


def create_workshop(actor: User, *, description: str, capacity: int, **data) -> Workshop:
    """A new workshop, as a draft."""
    workshop = Workshop(created_by_id=actor.id, status=WorkshopStatus.DRAFT, capacity=capacity,
                        description_markdown=description, description_html=markdown_to_safe_html(description),
                        registered_count=0, waitlist_count=0,
                        **{name: data[name] for name in WORKSHOP_FIELDS})
    db.session.add(workshop)
    db.session.flush()
    logger.info("Workshop %s created by %s", workshop.id, actor.id)
    return workshop


def update_workshop(actor: User, workshop: Workshop, *, description: str, capacity: int, **data) -> list[str]:
    """Save the coordinator's changes; returns the names of the fields that
    changed. People signed up hear about a new time or place; a new capacity
    moves people between places and the waiting list (see change_capacity)."""
    if workshop.status == WorkshopStatus.CANCELLED:
        raise ChangeRefused("cancelled")
    _lock(workshop)
    changed = [name for name in WORKSHOP_FIELDS if getattr(workshop, name) != data[name]]
    for name in changed:
        setattr(workshop, name, data[name])
    if workshop.description_markdown != description:
        workshop.description_markdown = description
        workshop.description_html = markdown_to_safe_html(description)
        changed.append("description")
    news = [name for name in changed if name in NEWS_FIELDS]
    if news:
        workshop.calendar_sequence = (workshop.calendar_sequence or 0) + 1
    if capacity != workshop.capacity:
        change_capacity(workshop, capacity)
        changed.append("capacity")
    db.session.flush()
    if news and workshop.status == WorkshopStatus.PUBLISHED:
        for registration in _active_registrations(workshop):
            _email(registration, "workshops/changed", _l("Changed: %(title)s", title=workshop.title), workshop,
                   attach_ics=True)
    logger.info("Workshop %s changed by %s: %s", workshop.id, actor.id, ", ".join(changed) or "nothing")
    return changed


def publish(actor: User, workshop: Workshop, now: datetime | None = None) -> None:
    if workshop.status != WorkshopStatus.DRAFT:
        raise ChangeRefused("cancelled" if workshop.status == WorkshopStatus.CANCELLED else "not_draft")
    if workshop.starts_at <= (now or utcnow()):
        raise ChangeRefused("past")
    workshop.status = WorkshopStatus.PUBLISHED
    workshop.published_at = now or utcnow()
    db.session.flush()
    logger.info("Workshop %s published by %s", workshop.id, actor.id)


def cancel_workshop(actor: User, workshop: Workshop, reason: str) -> int:
    """Cancel with a reason; everyone with a place or on the waiting list gets
    an email in their own language. Returns how many were told."""
    if workshop.status == WorkshopStatus.CANCELLED:
        raise ChangeRefused("cancelled")
    _lock(workshop)
    workshop.status = WorkshopStatus.CANCELLED
    workshop.cancelled_reason = reason
    workshop.cancelled_at = utcnow()
    workshop.calendar_sequence = (workshop.calendar_sequence or 0) + 1
    db.session.flush()
    told = 0
    for registration in _active_registrations(workshop):
        told += _email(registration, "workshops/cancelled", _l("Cancelled: %(title)s", title=workshop.title),
                       workshop, attach_ics=True, reason=reason)
    logger.info("Workshop %s cancelled by %s; %d people told", workshop.id, actor.id, told)
    return told


# --- places and the waiting list ---------------------------------------------------

def _lock(workshop: Workshop) -> None:
    """Lock the workshop row until the transaction ends and read its counts
    afresh. (SQLite: the transaction already holds the write lock.)"""
    db.session.execute(
        select(Workshop).where(Workshop.id == workshop.id).with_for_update()
        .execution_options(populate_existing=True))


def _active_registrations(workshop: Workshop) -> list[Registration]:
    return list(db.session.scalars(
        select(Registration).where(Registration.workshop_id == workshop.id,
                                   Registration.status.in_(queries.ACTIVE))
        .options(joinedload(Registration.user)).order_by(Registration.created_at, Registration.id)))


def _registration_for_update(workshop: Workshop, user_id: int) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(Registration.workshop_id == workshop.id, Registration.user_id == user_id)
        .execution_options(populate_existing=True))


def check_open_for_registration(workshop: Workshop, now: datetime | None = None) -> None:
    """Raises RegistrationRefused when nobody can sign up (or cancel) now."""
    now = now or utcnow()
    if workshop.status == WorkshopStatus.CANCELLED:
        raise RegistrationRefused("cancelled")
    if workshop.status != WorkshopStatus.PUBLISHED:
        raise RegistrationRefused("draft")
    if now >= workshop.starts_at:
        raise RegistrationRefused("started")
    if now > workshop.registration_deadline:
        raise RegistrationRefused("deadline")


def _unused_code(workshop_id: int) -> str:
    taken = set(db.session.scalars(select(Registration.checkin_code).where(Registration.workshop_id == workshop_id)))
    while True:
        code = checkin.new_code()
        if code not in taken:
            return code


def register(user: User, workshop: Workshop, now: datetime | None = None) -> tuple[Registration, bool]:
    """Sign the person up: a place when there is one, otherwise the waiting
    list. Returns (registration, is_new); signing up twice changes nothing.
    The confirmation email carries the .ics file and the check-in code."""
    now = now or utcnow()
    check_open_for_registration(workshop, now)
    for _attempt in range(3):
        existing = _registration_for_update(workshop, user.id)
        if existing is not None and existing.status in queries.ACTIVE:
            return existing, False
        try:
            with db.session.begin_nested():
                registration = _take_place_or_queue(user, workshop, existing, now)
        except IntegrityError:
            # The same person signed up at this very moment (a double tap) or,
            # once in a blue moon, the code was just taken: look again.
            continue
        break
    else:  # pragma: no cover - three collisions in a row
        raise RuntimeError("could not register")
    db.session.expire(workshop, ["registered_count", "waitlist_count"])
    if registration.status == RegistrationStatus.REGISTERED:
        _email(registration, "workshops/registered", _l("You have a place: %(title)s", title=workshop.title),
               workshop, attach_ics=True)
    else:
        _email(registration, "workshops/waitlisted",
               _l("You are on the waiting list: %(title)s", title=workshop.title), workshop)
    logger.info("Registration %s for workshop %s: %s", registration.id, workshop.id, registration.status.value)
    return registration, True


def _take_place_or_queue(user: User, workshop: Workshop, existing: Registration | None, now) -> Registration:
    published = Workshop.status == WorkshopStatus.PUBLISHED
    took_place = db.session.execute(
        update(Workshop)
        .where(Workshop.id == workshop.id, published, Workshop.registered_count < Workshop.capacity)
        .values(registered_count=Workshop.registered_count + 1)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    if not took_place:
        queued = db.session.execute(
            update(Workshop).where(Workshop.id == workshop.id, published)
            .values(waitlist_count=Workshop.waitlist_count + 1)
            .execution_options(synchronize_session=False)
        ).rowcount == 1
        if not queued:  # cancelled in the meantime
            raise RegistrationRefused("cancelled")
    status = RegistrationStatus.REGISTERED if took_place else RegistrationStatus.WAITLISTED
    if existing is not None:  # signed up before and cancelled: back in, at the end of the line
        registration = existing
        registration.status = status
        registration.created_at = now
        registration.promoted_at = None
        registration.reminder_sent_at = None
        registration.checked_in_at = None
    else:
        registration = Registration(workshop_id=workshop.id, user_id=user.id, status=status, created_at=now,
                                    checkin_code=_unused_code(workshop.id))
        db.session.add(registration)
    db.session.flush()
    return registration


def unregister(user: User, workshop: Workshop, now: datetime | None = None) -> Registration | None:
    """Give up a place (or a place on the waiting list). A freed place goes to
    the first person waiting. Returns the registration, or None when there was nothing to cancel."""
    now = now or utcnow()
    if workshop.status == WorkshopStatus.PUBLISHED and now >= workshop.starts_at:
        raise RegistrationRefused("started")
    _lock(workshop)
    registration = _registration_for_update(workshop, user.id)
    if registration is None or registration.status not in queries.ACTIVE:
        return None
    _release(workshop, registration)
    if workshop.status == WorkshopStatus.PUBLISHED:
        promote_from_waiting_list(workshop, now)
    db.session.flush()
    logger.info("Registration %s for workshop %s cancelled by its owner", registration.id, workshop.id)
    return registration


def _release(workshop: Workshop, registration: Registration) -> None:
    """With the workshop locked: the registration no longer holds a place or waits."""
    if registration.status == RegistrationStatus.REGISTERED:
        workshop.registered_count = max(workshop.registered_count - 1, 0)
    elif registration.status == RegistrationStatus.WAITLISTED:
        workshop.waitlist_count = max(workshop.waitlist_count - 1, 0)
    registration.status = RegistrationStatus.CANCELLED
    registration.checked_in_at = None


def promote_from_waiting_list(workshop: Workshop, now: datetime | None = None) -> list[Registration]:
    """With the workshop locked: give free places to the first people waiting
    (first come, first served) and email them."""
    free = workshop.capacity - workshop.registered_count
    if free <= 0 or workshop.waitlist_count <= 0:
        return []
    waiting = list(db.session.scalars(
        select(Registration).where(Registration.workshop_id == workshop.id,
                                   Registration.status == RegistrationStatus.WAITLISTED)
        .options(joinedload(Registration.user))
        .order_by(Registration.created_at, Registration.id).limit(free)))
    now = now or utcnow()
    for registration in waiting:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
    workshop.registered_count += len(waiting)
    workshop.waitlist_count = max(workshop.waitlist_count - len(waiting), 0)
    db.session.flush()
    for registration in waiting:
        _email(registration, "workshops/promoted", _l("A place for you: %(title)s", title=workshop.title),
               workshop, attach_ics=True)
    if waiting:
        logger.info("Workshop %s: %d promoted from the waiting list", workshop.id, len(waiting))
    return waiting


def checked_in_count(workshop: Workshop) -> int:
    return db.session.scalar(select(func.count(Registration.id)).where(
        Registration.workshop_id == workshop.id, Registration.status == RegistrationStatus.REGISTERED,
        Registration.checked_in_at.is_not(None))) or 0


def change_capacity(workshop: Workshop, capacity: int, now: datetime | None = None) -> list[Registration]:
    """More places: the first people waiting get them. Fewer places: nobody
    is dropped silently; the people who got their place last (and have not
    checked in yet) go back to the waiting list, at its front, and are told
    by email. Returns the people who moved (either way)."""
    _lock(workshop)
    now = now or utcnow()
    workshop.capacity = capacity
    if workshop.status == WorkshopStatus.CANCELLED:
        db.session.flush()
        return []
    if capacity > workshop.registered_count:
        return promote_from_waiting_list(workshop, now) if workshop.status == WorkshopStatus.PUBLISHED else []
    excess = workshop.registered_count - capacity
    if excess <= 0:
        db.session.flush()
        return []
    latest_first = func.coalesce(Registration.promoted_at, Registration.created_at)
    moved = list(db.session.scalars(
        select(Registration).where(Registration.workshop_id == workshop.id,
                                   Registration.status == RegistrationStatus.REGISTERED,
                                   Registration.checked_in_at.is_(None))
        .options(joinedload(Registration.user))
        .order_by(latest_first.desc(), Registration.id.desc()).limit(excess)))
    for registration in moved:
        registration.status = RegistrationStatus.WAITLISTED
        registration.promoted_at = None
        registration.reminder_sent_at = None
    workshop.registered_count -= len(moved)
    workshop.waitlist_count += len(moved)
    db.session.flush()
    for registration in moved:
        _email(registration, "workshops/moved_to_waiting_list",
               _l("You are now on the waiting list: %(title)s", title=workshop.title), workshop)
    logger.info("Workshop %s: capacity %d, %d moved to the waiting list", workshop.id, capacity, len(moved))
    return moved


# --- check-in at the door -------------------------------------------------------------

def _ensure_participant(workshop: Workshop, user_id: int, walk_in: bool) -> tuple[Participant, bool]:
    """The person's Participant row for the live session (created once)."""
    found = db.session.scalar(select(Participant).where(
        Participant.workshop_id == workshop.id, Participant.user_id == user_id))
    if found is not None:
        return found, False
    try:
        with db.session.begin_nested():
            participant = Participant(workshop_id=workshop.id, user_id=user_id, is_walk_in=walk_in)
            db.session.add(participant)
    except IntegrityError:  # another door phone checked them in at this moment
        return db.session.scalar(select(Participant).where(
            Participant.workshop_id == workshop.id, Participant.user_id == user_id)), False
    return participant, True


def _check_door_open(workshop: Workshop) -> None:
    if workshop.status != WorkshopStatus.PUBLISHED:
        raise ChangeRefused("not_open")


def check_in(actor: User, workshop: Workshop, registration: Registration, now: datetime | None = None) -> bool:
    """Mark the person as present and put them on the session's board.
    Returns False when they were already checked in (tapping twice is harmless)."""
    _check_door_open(workshop)
    if registration.status not in queries.ACTIVE:
        return False
    newly = db.session.execute(
        update(Registration).where(Registration.id == registration.id, Registration.checked_in_at.is_(None))
        .values(checked_in_at=now or utcnow()).execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.expire(registration, ["checked_in_at"])
    _ensure_participant(workshop, registration.user_id, walk_in=False)
    db.session.flush()
    if newly:
        logger.info("Registration %s checked in by %s", registration.id, actor.id)
    return newly


def check_in_by_code(actor: User, workshop: Workshop, code: str) -> tuple[Registration | None, bool]:
    """(the registration with this code or None, newly checked in)."""
    _check_door_open(workshop)
    registration = queries.registration_by_code(workshop, checkin.normalize_code(code))
    if registration is None or registration.status not in queries.ACTIVE:
        return None, False
    return registration, check_in(actor, workshop, registration)


def add_walk_in(actor: User, workshop: Workshop, *, user: User | None = None, name: str | None = None,
                email_given: bool = False) -> tuple[Participant, bool]:
    """Someone who did not sign up: with an account (found by email; if they
    did sign up after all, that is a check-in) or by name only. Returns
    (participant, newly added)."""
    _check_door_open(workshop)
    if email_given and user is None:
        raise ChangeRefused("unknown_email")
    if user is not None:
        registration = db.session.scalar(select(Registration).where(
            Registration.workshop_id == workshop.id, Registration.user_id == user.id,
            Registration.status.in_(queries.ACTIVE)))
        if registration is not None:
            newly = check_in(actor, workshop, registration)
            participant, _ = _ensure_participant(workshop, user.id, walk_in=False)
            return participant, newly
        participant, newly = _ensure_participant(workshop, user.id, walk_in=True)
    else:
        participant, newly = Participant(workshop_id=workshop.id, name=name, is_walk_in=True), True
        db.session.add(participant)
    db.session.flush()
    logger.info("Walk-in added to workshop %s by %s", workshop.id, actor.id)
    return participant, newly


# --- reminders ----------------------------------------------------------------------------

def send_reminders(now: datetime | None = None, window: timedelta = REMINDER_WINDOW, batch: int = 100) -> int:
    """Remind people with a place of a workshop that starts within `window`.
    Each registration is claimed with a conditional UPDATE of
    `reminder_sent_at` before its email is queued, so runs at the same time
    (or again and again) remind everyone once. Handles one batch; returns
    how many registrations it looked at (0: nothing left)."""
    now = now or utcnow()
    due = queries.registrations_due_for_reminder(now, now + window, batch)
    for registration_id in due:
        claimed = db.session.execute(
            update(Registration)
            .where(Registration.id == registration_id, Registration.reminder_sent_at.is_(None),
                   Registration.status == RegistrationStatus.REGISTERED)
            .values(reminder_sent_at=now).execution_options(synchronize_session=False)
        ).rowcount == 1
        if not claimed:
            continue
        registration = db.session.scalar(
            select(Registration).where(Registration.id == registration_id)
            .options(joinedload(Registration.user), joinedload(Registration.workshop))
            .execution_options(populate_existing=True))
        person = registration.user
        if (person.notifications or {}).get("workshops", True) is False:
            continue  # they chose no workshop news; the claim stays, so no retry either
        _email(registration, "workshops/reminder", _l("Reminder: %(title)s", title=registration.workshop.title),
               registration.workshop, attach_ics=True)
    db.session.flush()
    return len(due)


# --- email ------------------------------------------------------------------------------------

def _email(registration: Registration, template: str, subject, workshop: Workshop, attach_ics: bool = False,
           **context) -> int:
    """Queue one email about `workshop` to the registration's person, in their
    language. Returns 1, or 0 when there is nobody to write to."""
    person = registration.user
    if person is None or person.deleted_at is not None or not person.email:
        return 0
    attachments = [calendar.ics_attachment(workshop)] if attach_ics else []
    queue_email(person.email, subject, template, person.language, attachments=attachments,
                recipient=person, workshop=workshop, registration=registration,
                link=external_url("workshops.detail", workshop_id=workshop.id),
                my_link=external_url("workshops.mine"), **context)
    return 1


# --- privacy ------------------------------------------------------------------------------------

@register_erasure_step("workshops")
def _free_places_of_deleted_account(user: User) -> None:
    """Deleting an account gives up its places in workshops still to come
    (the first people waiting get them); past attendance stays, anonymous."""
    now = utcnow()
    upcoming = db.session.scalars(
        select(Registration).join(Registration.workshop)
        .where(Registration.user_id == user.id, Registration.status.in_(queries.ACTIVE),
               Workshop.starts_at > now)
        .options(joinedload(Registration.workshop))).unique().all()
    for registration in upcoming:
        workshop = registration.workshop
        _lock(workshop)
        db.session.refresh(registration)
        if registration.status in queries.ACTIVE:
            _release(workshop, registration)
            if workshop.status == WorkshopStatus.PUBLISHED:
                promote_from_waiting_list(workshop, now)
    db.session.flush()
