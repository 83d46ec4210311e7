"""Demo accounts for development and testing (`flask seed --demo`).

One account per role, all with the same password. Staff must sign in with
two-factor sign-in, so the staff accounts share one fixed, published TOTP
secret: testers add it to an authenticator app. Never in production: these
passwords and the secret are in the README.

`seed_demo_accounts()` is an operation (flush, no commit) and idempotent:
accounts are matched by email address and brought back to the state below,
so a second run changes nothing, and a run after testers changed things
resets them.
"""
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select

from participation.accounts.models import Role, User
from participation.accounts.passwords import hash_password, verify_password
from participation.accounts.queries import user_by_email
from participation.core.translated import localize
from participation.core.types import utcnow
from participation.extensions import db
from participation.programme.models import Municipality, Neighbourhood
from participation.site.legal import PRIVACY_VERSION

# Memorable, at least 10 characters, and not in the list of common passwords.
DEMO_PASSWORD = "meedoen-demo-2026"
# Base32, 160 bits; published on purpose (README), for demo staff only.
DEMO_TOTP_SECRET = "MEEDOENDEMOZUIDLIMBURGSTAFFCODES"


@dataclass(frozen=True)
class DemoAccount:
    email: str
    display_name: str
    role: Role
    language: str = "nl"
    municipality: str | None = None  # slug
    neighbourhood: str | None = None  # slug, in `municipality`
    coordinates: tuple[str, ...] = ()  # neighbourhood slugs in `municipality`
    moderates: tuple[str, ...] = ()  # municipality slugs

    @property
    def two_factor(self) -> bool:
        return self.role != Role.RESIDENT


DEMO_ACCOUNTS = (
    DemoAccount("demo.bewoner@example.org", "Demo Bewoner", Role.RESIDENT,
                municipality="maastricht", neighbourhood="malpertuis"),
    DemoAccount("demo.einwohner@example.org", "Demo Einwohnerin", Role.RESIDENT, language="de",
                municipality="aachen"),
    DemoAccount("demo.coordinator@example.org", "Demo Coördinator", Role.COORDINATOR,
                municipality="maastricht", coordinates=("malpertuis", "pottenberg")),
    DemoAccount("demo.moderator@example.org", "Demo Moderator", Role.MODERATOR,
                municipality="maastricht", moderates=("maastricht",)),
    DemoAccount("demo.admin@example.org", "Demo Beheerder", Role.ADMIN),
)


class DemoRefused(Exception):
    """Demo accounts were asked for in production."""


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # What each account ended up with, for printing: email → "Maastricht / Malpertuis".
    places: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # catalogue slugs not found

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _municipality(slug: str | None, report: DemoReport) -> Municipality | None:
    if slug is None:
        return None
    found = db.session.execute(select(Municipality).where(Municipality.slug == slug)).scalar_one_or_none()
    if found is None and slug not in report.missing:
        report.missing.append(slug)
    return found


def _neighbourhoods(municipality: Municipality | None, slugs: tuple[str, ...], report: DemoReport,
                    fill_up: bool = False) -> list[Neighbourhood]:
    """The neighbourhoods with these slugs; with `fill_up`, others of the same
    municipality stand in for missing ones (a coordinator needs some)."""
    if municipality is None or not slugs:
        return []
    by_slug = {n.slug: n for n in municipality.neighbourhoods}
    chosen = [by_slug[slug] for slug in slugs if slug in by_slug]
    for slug in slugs:
        if slug not in by_slug:
            report.missing.append(f"{municipality.slug}/{slug}")
    if fill_up:
        spare = [n for n in sorted(municipality.neighbourhoods, key=lambda n: n.slug) if n not in chosen]
        chosen += spare[:len(slugs) - len(chosen)]
    return sorted(chosen, key=lambda n: n.id)


def _ensure(account: DemoAccount, report: DemoReport) -> None:
    municipality = _municipality(account.municipality, report)
    home = _neighbourhoods(municipality, (account.neighbourhood,), report) if account.neighbourhood else []
    neighbourhood = home[0] if home else None
    coordinated = _neighbourhoods(municipality, account.coordinates, report, fill_up=True)
    moderated = [m for m in (_municipality(slug, report) for slug in account.moderates) if m is not None]

    user = user_by_email(account.email)
    created = user is None
    if created:
        user = User(email=account.email)
        db.session.add(user)
    changed = False

    def assign(name, value):
        nonlocal changed
        if getattr(user, name) != value:
            setattr(user, name, value)
            changed = True

    assign("display_name", account.display_name)
    assign("language", account.language)
    assign("role", account.role)
    assign("municipality", municipality)
    assign("neighbourhood", neighbourhood)
    assign("moderates_everywhere", False)
    if created or sorted(n.id for n in user.coordinated_neighbourhoods) != [n.id for n in coordinated]:
        user.coordinated_neighbourhoods = coordinated
        changed = True
    if created or sorted(m.id for m in user.moderated_municipalities) != sorted(m.id for m in moderated):
        user.moderated_municipalities = moderated
        changed = True
    if not verify_password(user.password_hash, DEMO_PASSWORD):
        user.password_hash = hash_password(DEMO_PASSWORD)
        changed = True
    now = utcnow()
    for name, value in (("email_verified_at", now), ("consented_at", now), ("consent_version", PRIVACY_VERSION)):
        if getattr(user, name) is None:
            setattr(user, name, value)
            changed = True
    if account.two_factor:
        assign("totp_secret", DEMO_TOTP_SECRET)
        if user.totp_enabled_at is None:
            user.totp_enabled_at = now
            changed = True

    if created:
        report.created.append(account.email)
    elif changed:
        report.updated.append(account.email)
    report.places[account.email] = _describe(user, municipality, neighbourhood, coordinated, moderated)


def _describe(user, municipality, neighbourhood, coordinated, moderated) -> str:
    def name(municipality):
        return localize(municipality.name, "en").text

    if coordinated:
        return ", ".join(n.name for n in coordinated)
    if moderated:
        return ", ".join(name(m) for m in moderated)
    if user.role == Role.ADMIN:
        return "everywhere"
    parts = [name(municipality)] if municipality else []
    if neighbourhood:
        parts.append(neighbourhood.name)
    return " / ".join(parts) or "no place"


def seed_demo_accounts() -> DemoReport:
    """Create or reset the demo accounts. Refused when APP_ENV is production."""
    if current_app.config.get("APP_ENV") == "production":
        raise DemoRefused("demo accounts are never added in production")
    report = DemoReport()
    for account in DEMO_ACCOUNTS:
        _ensure(account, report)
    db.session.flush()
    return report
