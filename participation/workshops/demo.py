"""Demo workshops for `flask seed --demo` (never in production).

`seed_demo_workshops()` is an operation (flush, no commit) and idempotent:
workshops are matched by their demo title, demo residents by email address
(demo.bewoner2@example.org …), and both are brought back to the state below.
Dates are relative to today (Europe/Amsterdam), so the demo always shows
workshops coming up. Registrations are written directly (no emails to the
demo addresses); counts are recomputed from the rows, so places that testers
took are kept and counted.
"""
from dataclasses import dataclass, field
from datetime import time, timedelta

from flask import current_app
from sqlalchemy import func, select

from participation.accounts.demo import DEMO_PASSWORD
from participation.accounts.models import Role, User
from participation.accounts.passwords import hash_password, verify_password
from participation.core.sanitize import markdown_to_safe_html
from participation.core.types import utcnow
from participation.extensions import db
from participation.programme.models import Initiative, Municipality, Neighbourhood
from participation.site.legal import PRIVACY_VERSION
from participation.workshops import checkin
from participation.workshops.calendar import LOCAL, local_to_utc
from participation.workshops.models import Registration, RegistrationStatus, Workshop, WorkshopStatus

DEMO_RESIDENT_EMAIL = "demo.bewoner{}@example.org"
FIRST_DEMO_RESIDENT = 2  # demo.bewoner@example.org (the first) is one of the demo accounts


@dataclass(frozen=True)
class DemoWorkshop:
    title: str
    initiative: str            # slug
    municipality: str          # slug
    neighbourhood: str         # slug
    days_from_today: int
    start: time
    hours: float
    venue_name: str
    venue_address: str
    capacity: int
    languages: tuple[str, ...]
    description: str
    accessibility: str = ""
    registered: int = 0        # demo residents with a place
    waitlisted: int = 0        # demo residents on the waiting list
    previous: str | None = None  # title of the demo workshop this one follows up


DEMO_WORKSHOPS = (
    DemoWorkshop(
        "Groen Malpertuis: wat planten we?", "veerkrachtige-wijken", "maastricht", "malpertuis",
        6, time(19, 0), 2, "Buurthuis Malpertuis", "Voorbeeldplein 1, Maastricht", 12, ("nl", "en"),
        "We kijken samen naar de pleinen en straten van Malpertuis. Waar kan meer **groen** komen, "
        "waar wilt u schaduw of een bankje?\n\n- korte uitleg over de plannen\n- in groepjes aan de kaart\n"
        "- stemmen met stippen",
        "Rolstoeltoegankelijk, ringleiding in de grote zaal.", registered=10),
    DemoWorkshop(
        "Sporten in de buurt: Watersley en verder", "sport-en-gezondheid-hotspots", "sittard-geleen",
        "geleen-zuid", 9, time(14, 0), 2.5, "Sportpark (kantine)", "Sportlaan 10, Geleen", 8, ("nl", "de"),
        "Welke sport- en beweegplekken mist u in Geleen-Zuid? We verzamelen ideeën voor jong en oud.",
        "Gelijkvloers, toilet voor mindervaliden aanwezig.", registered=8, waitlisted=3),
    DemoWorkshop(
        "Grenzeloos groen: wandelroutes Vaals–Aken", "green-connection", "vaals", "vaals-centrum",
        13, time(10, 30), 3, "Bibliotheek Vaals", "Voorbeeldstraat 5, Vaals", 25, ("nl", "de", "en"),
        "Samen met bewoners uit Vaals en Aken zoeken we de ontbrekende stukjes in de wandelroutes over de grens.",
        "De route naar de zaal heeft een drempel van 3 cm; hulp is aanwezig."),
    DemoWorkshop(
        "Groen Malpertuis, deel 2: de keuze", "veerkrachtige-wijken", "maastricht", "malpertuis",
        20, time(19, 0), 2, "Buurthuis Malpertuis", "Voorbeeldplein 1, Maastricht", 30, ("nl",),
        "In de tweede bijeenkomst kiezen we uit de ideeën van de eerste avond wat we uitwerken.",
        "Rolstoeltoegankelijk, ringleiding in de grote zaal.", previous="Groen Malpertuis: wat planten we?"),
)


@dataclass
class DemoWorkshopReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # catalogue slugs not found

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _demo_residents(count: int) -> list[User]:
    """demo.bewoner2@example.org … (verified, password DEMO_PASSWORD), created once."""
    emails = [DEMO_RESIDENT_EMAIL.format(n) for n in range(FIRST_DEMO_RESIDENT, FIRST_DEMO_RESIDENT + count)]
    found = {u.email: u for u in db.session.scalars(select(User).where(User.email.in_(emails)))}
    password_hash = next((u.password_hash for u in found.values()
                          if u.password_hash and verify_password(u.password_hash, DEMO_PASSWORD)), None)
    now = utcnow()
    people = []
    for number, email in enumerate(emails, start=FIRST_DEMO_RESIDENT):
        person = found.get(email)
        if person is None:
            password_hash = password_hash or hash_password(DEMO_PASSWORD)
            person = User(email=email, display_name=f"Demo Bewoner {number}", language="nl", role=Role.RESIDENT,
                          password_hash=password_hash, email_verified_at=now, consented_at=now,
                          consent_version=PRIVACY_VERSION)
            db.session.add(person)
        people.append(person)
    db.session.flush()
    return people


def _local_moment(days: int, clock: time):
    today = utcnow().astimezone(LOCAL).date()
    return local_to_utc(today + timedelta(days=days), clock)


def _place(spec: DemoWorkshop, report: DemoWorkshopReport):
    initiative = db.session.scalar(select(Initiative).where(Initiative.slug == spec.initiative))
    if initiative is None:
        # Another initiative stands in, so the demo still shows workshops.
        report.missing.append(f"initiative {spec.initiative}")
        initiative = db.session.scalar(select(Initiative).order_by(Initiative.id))
    neighbourhood = db.session.scalar(
        select(Neighbourhood).join(Neighbourhood.municipality)
        .where(Municipality.slug == spec.municipality, Neighbourhood.slug == spec.neighbourhood))
    if neighbourhood is None:
        report.missing.append(f"{spec.municipality}/{spec.neighbourhood}")
        neighbourhood = db.session.scalar(select(Neighbourhood).order_by(Neighbourhood.id))
    return initiative, neighbourhood


def _ensure_workshop(spec: DemoWorkshop, by_title: dict, report: DemoWorkshopReport) -> Workshop | None:
    initiative, neighbourhood = _place(spec, report)
    if initiative is None or neighbourhood is None:
        return None
    starts_at = _local_moment(spec.days_from_today, spec.start)
    previous = by_title.get(spec.previous) if spec.previous else None
    wanted = {
        "initiative_id": initiative.id, "neighbourhood_id": neighbourhood.id,
        "previous_id": previous.id if previous else None,
        "description_markdown": spec.description, "description_html": markdown_to_safe_html(spec.description),
        "starts_at": starts_at, "ends_at": starts_at + timedelta(hours=spec.hours),
        "registration_deadline": starts_at, "venue_name": spec.venue_name, "venue_address": spec.venue_address,
        "capacity": spec.capacity, "languages": list(spec.languages), "accessibility_notes": spec.accessibility,
        "status": WorkshopStatus.PUBLISHED, "cancelled_reason": None, "cancelled_at": None,
    }
    workshop = db.session.scalar(select(Workshop).where(Workshop.title == spec.title).order_by(Workshop.id))
    if workshop is None:
        workshop = Workshop(title=spec.title, registered_count=0, waitlist_count=0, published_at=utcnow(), **wanted)
        db.session.add(workshop)
        db.session.flush()
        report.created.append(spec.title)
        return workshop
    changed = [name for name, value in wanted.items() if getattr(workshop, name) != value]
    for name in changed:
        setattr(workshop, name, wanted[name])
    if changed:
        report.updated.append(spec.title)
    return workshop


def _ensure_registrations(workshop: Workshop, spec: DemoWorkshop, residents: list[User],
                          report: DemoWorkshopReport) -> None:
    wanted = ([(person, RegistrationStatus.REGISTERED) for person in residents[:spec.registered]]
              + [(person, RegistrationStatus.WAITLISTED)
                 for person in residents[spec.registered:spec.registered + spec.waitlisted]])
    existing = {r.user_id: r for r in db.session.scalars(
        select(Registration).where(Registration.workshop_id == workshop.id))}
    codes = {r.checkin_code for r in existing.values()}
    base = utcnow() - timedelta(days=2)
    changed = False
    for position, (person, status) in enumerate(wanted):
        registration = existing.get(person.id)
        if registration is None:
            code = checkin.new_code()
            while code in codes:
                code = checkin.new_code()
            codes.add(code)
            db.session.add(Registration(workshop_id=workshop.id, user_id=person.id, status=status,
                                        checkin_code=code, created_at=base + timedelta(minutes=position)))
            changed = True
        elif registration.status != status:
            registration.status = status
            changed = True
    db.session.flush()
    counts = dict(db.session.execute(
        select(Registration.status, func.count(Registration.id))
        .where(Registration.workshop_id == workshop.id).group_by(Registration.status)).all())
    registered = counts.get(RegistrationStatus.REGISTERED, 0)
    waitlisted = counts.get(RegistrationStatus.WAITLISTED, 0)
    if (workshop.registered_count, workshop.waitlist_count) != (registered, waitlisted):
        workshop.registered_count, workshop.waitlist_count = registered, waitlisted
        changed = True
    if changed and workshop.title not in report.created and workshop.title not in report.updated:
        report.updated.append(workshop.title)


def seed_demo_workshops() -> DemoWorkshopReport:
    """Create or reset the demo workshops (and the demo residents who fill them)."""
    if current_app.config.get("APP_ENV") == "production":
        raise RuntimeError("demo workshops are never added in production")
    report = DemoWorkshopReport()
    needed = max(spec.registered + spec.waitlisted for spec in DEMO_WORKSHOPS)
    residents = _demo_residents(needed)
    by_title: dict[str, Workshop] = {}
    for spec in DEMO_WORKSHOPS:
        workshop = _ensure_workshop(spec, by_title, report)
        if workshop is None:
            continue
        by_title[spec.title] = workshop
        _ensure_registrations(workshop, spec, residents, report)
    db.session.flush()
    return report

