"""Reads of workshops, each in a fixed number of queries (places and
initiatives are joined in, counts are columns or aggregate subqueries)."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import abort
from sqlalchemy import case, func, or_, select, union
from sqlalchemy.orm import aliased, joinedload

from participation.accounts.models import User
from participation.accounts.privacy import register_export_section
from participation.core.pagination import Page, clamp_page
from participation.core.permissions import coordinates, is_admin
from participation.core.types import utcnow
from participation.extensions import db
from participation.programme.models import Initiative, Municipality, Neighbourhood
from participation.workshops.models import (
    Participant,
    Registration,
    RegistrationStatus,
    Workshop,
    WorkshopStatus,
)

PAGE_SIZE = 12
SERIES_LIMIT = 50
ATTENDANCE_LIMIT = 500
MY_WORKSHOPS_LIMIT = 100
CALENDAR_LIMIT = 200
ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)


def _with_place_and_initiative():
    """Many-to-one, so joined into the same query."""
    return (joinedload(Workshop.neighbourhood).joinedload(Neighbourhood.municipality),
            joinedload(Workshop.initiative))


def _upcoming(now: datetime):
    return (Workshop.status == WorkshopStatus.PUBLISHED, Workshop.ends_at > now)


# --- one workshop ------------------------------------------------------------------

def workshop_or_none(workshop_id: int) -> Workshop | None:
    if not 0 < workshop_id < 2**63:
        return None
    return db.session.execute(
        select(Workshop).where(Workshop.id == workshop_id).options(*_with_place_and_initiative())
    ).unique().scalar_one_or_none()


def workshop_or_404(workshop_id: int) -> Workshop:
    return workshop_or_none(workshop_id) or abort(404)


def visible_workshop_or_404(workshop_id: int, user) -> Workshop:
    """Published and cancelled workshops are public; a draft only for those who
    coordinate it (for everyone else it does not exist)."""
    workshop = workshop_or_404(workshop_id)
    if workshop.status == WorkshopStatus.DRAFT and not coordinates(user, workshop.neighbourhood):
        abort(404)
    return workshop


def registration_of(user, workshop: Workshop) -> Registration | None:
    if not (user and user.is_authenticated):
        return None
    return db.session.scalar(
        select(Registration).where(Registration.workshop_id == workshop.id, Registration.user_id == user.id))


def series(workshop: Workshop, include_drafts: bool = False) -> list[Workshop]:
    """The sessions before and after this one (following `previous_id` both
    ways), oldest first; this one included. One query: two recursive CTEs
    (UNION, not UNION ALL, so even a loop someone made ends)."""
    earlier = select(Workshop.id, Workshop.previous_id).where(Workshop.id == workshop.id).cte("earlier", recursive=True)
    earlier = earlier.union(
        select(Workshop.id, Workshop.previous_id).join(earlier, Workshop.id == earlier.c.previous_id))
    later = select(Workshop.id).where(Workshop.id == workshop.id).cte("later", recursive=True)
    later = later.union(select(Workshop.id).join(later, Workshop.previous_id == later.c.id))
    members = union(select(earlier.c.id), select(later.c.id)).subquery()
    query = select(Workshop).where(Workshop.id.in_(select(members.c.id)))
    if not include_drafts:
        query = query.where(or_(Workshop.status != WorkshopStatus.DRAFT, Workshop.id == workshop.id))
    return list(db.session.scalars(query.order_by(Workshop.starts_at, Workshop.id).limit(SERIES_LIMIT)))


# --- lists ----------------------------------------------------------------------------

@dataclass
class Filters:
    """Only values that exist in the catalogue; anything else is as if not given."""

    municipality: Municipality | None = None
    neighbourhood_slug: str | None = None
    neighbourhood_ids: list[int] = field(default_factory=list)
    initiative: Initiative | None = None

    @property
    def active(self) -> bool:
        return bool(self.municipality or self.neighbourhood_ids or self.initiative)

    def as_args(self) -> dict:
        return {"municipality": self.municipality.slug if self.municipality else None,
                "neighbourhood": self.neighbourhood_slug if self.neighbourhood_ids else None,
                "initiative": self.initiative.slug if self.initiative else None}


def resolve_filters(args, municipalities: list[Municipality], lines) -> Filters:
    """`municipalities` with their neighbourhoods and `lines` with their
    initiatives, as loaded for the filter form."""
    def text(name):
        value = args.get(name, "")
        return value.strip() if isinstance(value, str) else ""

    filters = Filters()
    filters.municipality = next((m for m in municipalities if m.slug == text("municipality")), None)
    slug = text("neighbourhood")
    if slug:
        places = [m for m in municipalities if filters.municipality is None or m.id == filters.municipality.id]
        filters.neighbourhood_ids = [n.id for m in places for n in m.neighbourhoods if n.slug == slug]
        filters.neighbourhood_slug = slug if filters.neighbourhood_ids else None
    filters.initiative = next((i for line in lines for i in line.initiatives if i.slug == text("initiative")), None)
    return filters


def upcoming_page(filters: Filters, page: int, now: datetime | None = None) -> Page:
    """Published workshops that have not ended, soonest first: two queries."""
    conditions = list(_upcoming(now or utcnow()))
    if filters.initiative is not None:
        conditions.append(Workshop.initiative_id == filters.initiative.id)
    if filters.neighbourhood_ids:
        conditions.append(Workshop.neighbourhood_id.in_(filters.neighbourhood_ids))
    elif filters.municipality is not None:
        conditions.append(Workshop.neighbourhood_id.in_(
            select(Neighbourhood.id).where(Neighbourhood.municipality_id == filters.municipality.id)))
    total = db.session.scalar(select(func.count(Workshop.id)).where(*conditions))
    page = clamp_page(page, total, PAGE_SIZE)
    items = db.session.scalars(
        select(Workshop).where(*conditions).options(*_with_place_and_initiative())
        .order_by(Workshop.starts_at, Workshop.id).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    ).unique().all()
    return Page(items=list(items), page=page, per_page=PAGE_SIZE, total=total)


def upcoming_workshops(limit: int, user=None, initiative: Initiative | None = None,
                       now: datetime | None = None) -> list[Workshop]:
    """The next published workshops, in one query: for a signed-in person those
    in their neighbourhood first, then those in their municipality, then the
    rest; soonest first within each. For the home page and the initiative page."""
    query = (select(Workshop).join(Workshop.neighbourhood).where(*_upcoming(now or utcnow()))
             .options(*_with_place_and_initiative()))
    if initiative is not None:
        query = query.where(Workshop.initiative_id == initiative.id)
    order = []
    if user is not None and getattr(user, "is_authenticated", False):
        nearby = []
        if user.neighbourhood_id:
            nearby.append((Workshop.neighbourhood_id == user.neighbourhood_id, 0))
        if user.municipality_id:
            nearby.append((Neighbourhood.municipality_id == user.municipality_id, 1))
        if nearby:
            order.append(case(*nearby, else_=2))
    query = query.order_by(*order, Workshop.starts_at, Workshop.id).limit(max(0, min(int(limit), 100)))
    return list(db.session.scalars(query).unique())


def active_registrations_by_workshop(user, workshop_ids) -> dict[int, Registration]:
    """The person's places and waiting-list places among these workshops (one query)."""
    if not (user and user.is_authenticated) or not workshop_ids:
        return {}
    rows = db.session.scalars(select(Registration).where(
        Registration.user_id == user.id, Registration.workshop_id.in_(list(workshop_ids)),
        Registration.status.in_(ACTIVE)))
    return {row.workshop_id: row for row in rows}


def my_registrations(user, now: datetime | None = None) -> tuple[list[Registration], list[Registration]]:
    """(coming up, earlier): the person's active registrations with their workshops, one query."""
    now = now or utcnow()
    rows = db.session.scalars(
        select(Registration).join(Registration.workshop)
        .where(Registration.user_id == user.id, Registration.status.in_(ACTIVE),
               Workshop.status != WorkshopStatus.DRAFT)
        .options(joinedload(Registration.workshop).joinedload(Workshop.neighbourhood)
                 .joinedload(Neighbourhood.municipality))
        .order_by(Workshop.starts_at.desc(), Workshop.id.desc()).limit(MY_WORKSHOPS_LIMIT)
    ).unique().all()
    coming = sorted((r for r in rows if r.workshop.ends_at > now), key=lambda r: r.workshop.starts_at)
    earlier = [r for r in rows if r.workshop.ends_at <= now]
    return coming, earlier


def _managed_condition(user):
    if is_admin(user):
        return None
    return Workshop.neighbourhood_id.in_([n.id for n in user.coordinated_neighbourhoods] or [-1])


def managed_workshops(user, now: datetime | None = None, earlier_limit: int = 20):
    """For the coordinator's list: (coming up incl. drafts, the latest earlier ones). Two queries."""
    now = now or utcnow()
    scope = _managed_condition(user)
    base = select(Workshop).options(*_with_place_and_initiative())
    if scope is not None:
        base = base.where(scope)
    coming = db.session.scalars(
        base.where(Workshop.ends_at > now).order_by(Workshop.starts_at, Workshop.id).limit(100)).unique().all()
    earlier = db.session.scalars(
        base.where(Workshop.ends_at <= now).order_by(Workshop.starts_at.desc(), Workshop.id.desc())
        .limit(earlier_limit)).unique().all()
    return list(coming), list(earlier)


def previous_choices(user, current: Workshop | None = None, limit: int = 50) -> list[Workshop]:
    """Workshops a new one may follow up on: not cancelled, in the person's
    neighbourhoods (admins: all), latest first; the current choice always included."""
    query = select(Workshop).where(Workshop.status != WorkshopStatus.CANCELLED)
    scope = _managed_condition(user)
    if scope is not None:
        query = query.where(scope)
    if current is not None:
        query = query.where(Workshop.id != current.id)
    rows = list(db.session.scalars(query.order_by(Workshop.starts_at.desc(), Workshop.id.desc()).limit(limit)))
    if current is not None and current.previous_id and all(w.id != current.previous_id for w in rows):
        previous = db.session.get(Workshop, current.previous_id)
        if previous is not None:
            rows.append(previous)
    return rows


def initiatives_for_form() -> list[Initiative]:
    return list(db.session.scalars(select(Initiative).order_by(Initiative.line_id, Initiative.position)))


def neighbourhoods_for(user) -> list[Neighbourhood]:
    """The neighbourhoods a person may plan workshops in, with their municipality."""
    query = select(Neighbourhood).options(joinedload(Neighbourhood.municipality))
    if not is_admin(user):
        query = query.where(Neighbourhood.id.in_([n.id for n in user.coordinated_neighbourhoods] or [-1]))
    rows = db.session.scalars(query).unique().all()
    return sorted(rows, key=lambda n: (n.municipality.slug, n.name))


def neighbourhood(neighbourhood_id: int | None) -> Neighbourhood | None:
    if not neighbourhood_id:
        return None
    return db.session.get(Neighbourhood, neighbourhood_id)


def initiative_calendar(initiative: Initiative, now: datetime | None = None, days_back: int = 90) -> list[Workshop]:
    """For the calendar feed: published and cancelled workshops of the
    initiative from the last few months on (cancelled ones too, so calendars
    that subscribed drop them)."""
    since = (now or utcnow()) - timedelta(days=days_back)
    return list(db.session.scalars(
        select(Workshop).where(Workshop.initiative_id == initiative.id,
                               Workshop.status != WorkshopStatus.DRAFT, Workshop.ends_at > since)
        .order_by(Workshop.starts_at, Workshop.id).limit(CALENDAR_LIMIT)))


# --- check-in -------------------------------------------------------------------------

@dataclass
class Attendance:
    registered: int
    waitlisted: int
    checked_in: int
    walk_ins: int
    people: list[Registration]          # matching the search (or everyone), registered first
    walk_in_people: list[Participant]


def attendance(workshop: Workshop, search: str | None = None) -> Attendance:
    """The door list: counts in one query, people in one, walk-ins in one."""
    checked_in = (select(func.count(Registration.id))
                  .where(Registration.workshop_id == workshop.id, Registration.checked_in_at.is_not(None))
                  .scalar_subquery())
    walk_ins = (select(func.count(Participant.id))
                .where(Participant.workshop_id == workshop.id, Participant.is_walk_in.is_(True))
                .scalar_subquery())
    registered, waitlisted, checked, walked = db.session.execute(
        select(Workshop.registered_count, Workshop.waitlist_count, checked_in, walk_ins)
        .where(Workshop.id == workshop.id)).one()
    person = aliased(User)
    query = (select(Registration).join(person, Registration.user_id == person.id)
             .where(Registration.workshop_id == workshop.id, Registration.status.in_(ACTIVE))
             .options(joinedload(Registration.user)))
    if search:
        query = query.where(or_(person.display_name.icontains(search, autoescape=True),
                                Registration.checkin_code == search.upper()))
    people = db.session.scalars(query.order_by(
        case((Registration.status == RegistrationStatus.REGISTERED, 0), else_=1),
        func.lower(person.display_name), Registration.id).limit(ATTENDANCE_LIMIT)).unique().all()
    walk_in_people = db.session.scalars(
        select(Participant).where(Participant.workshop_id == workshop.id, Participant.is_walk_in.is_(True))
        .options(joinedload(Participant.user)).order_by(Participant.joined_at.desc(), Participant.id.desc())
        .limit(ATTENDANCE_LIMIT)).unique().all()
    return Attendance(registered=registered, waitlisted=waitlisted, checked_in=checked, walk_ins=walked,
                      people=list(people), walk_in_people=list(walk_in_people))


def registration_in_workshop_or_404(workshop: Workshop, registration_id: int) -> Registration:
    if not 0 < registration_id < 2**63:
        abort(404)
    registration = db.session.scalar(
        select(Registration).where(Registration.id == registration_id, Registration.workshop_id == workshop.id)
        .options(joinedload(Registration.user)))
    return registration or abort(404)


def registration_by_code(workshop: Workshop, code: str) -> Registration | None:
    return db.session.scalar(
        select(Registration).where(Registration.workshop_id == workshop.id, Registration.checkin_code == code)
        .options(joinedload(Registration.user)))


# --- reminders --------------------------------------------------------------------------

def registrations_due_for_reminder(now: datetime, until: datetime, limit: int) -> list[int]:
    return list(db.session.scalars(
        select(Registration.id).join(Registration.workshop)
        .where(Registration.status == RegistrationStatus.REGISTERED, Registration.reminder_sent_at.is_(None),
               Workshop.status == WorkshopStatus.PUBLISHED, Workshop.starts_at > now, Workshop.starts_at <= until)
        .order_by(Registration.id).limit(limit)))


# --- privacy -------------------------------------------------------------------------------

@register_export_section("workshop_registrations")
def _export_registrations(user) -> list[dict]:
    rows = db.session.scalars(
        select(Registration).where(Registration.user_id == user.id)
        .options(joinedload(Registration.workshop)).order_by(Registration.created_at, Registration.id)
    ).unique().all()
    return [{
        "workshop": {"id": row.workshop.id, "title": row.workshop.title, "starts_at": row.workshop.starts_at,
                     "venue": row.workshop.venue_name, "status": row.workshop.status},
        "status": row.status,
        "registered_at": row.created_at,
        "got_a_place_from_the_waiting_list_at": row.promoted_at,
        "checkin_code": row.checkin_code,
        "checked_in_at": row.checked_in_at,
        "reminder_sent_at": row.reminder_sent_at,
    } for row in rows]
