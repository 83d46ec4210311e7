"""Privacy (AVG/GDPR): what we store about a person, and forgetting it.

Download ("Download my data")
    `export_personal_data(user)` returns one dict with a section per feature.
    A feature adds its own section with one function, registered when its
    module is imported (its views.py or queries.py, which create_app imports):

        from participation.accounts.privacy import register_export_section

        @register_export_section("ideas")
        def ideas_of(user):
            return [{"title": idea.title, "created_at": idea.created_at} for idea in ...]

    The function gets the person and returns something JSON can hold;
    datetimes, dates and enums may be returned as they are (the download
    writes them with `json_default`). Never put secrets in a section:
    password or token hashes, two-factor secrets, recovery codes, email
    bodies (they hold sign-in links).

Deletion ("Delete my account")
    `delete_account(user)` erases the email address, public name, password
    hash, place, two-factor secret and recovery codes; resets the
    notification choices; takes away any staff role; removes every sign-in
    session (so every browser is signed out) and every email to the address
    (pending ones are never sent). The row itself stays, with `deleted_at`
    set and no personal data, so public contributions keep their author:
    templates show it with `author_name(user)`, "former participant". The
    email address is free again for a new account.

    Votes: a vote on a proposal that is still open stays counted
    anonymously. The vote keeps pointing at the emptied row, which tells
    nobody who cast it, so the counts stay correct and nobody can vote twice
    by deleting and coming back (a new account is a new voter, as anyone
    with a second address could be). The privacy statement says so.

    A feature that must forget more (e.g. cancel sign-ups for workshops
    still to come, freeing the places) adds one step:
    `register_erasure_step("workshops", function(user))`. Steps run before
    the personal fields are cleared, in the same transaction.

Unconfirmed accounts
    `purge_unverified(days=7)` deletes resident accounts whose email address
    was never confirmed within the given days, row and all: before
    confirming nobody can post, vote or register, so nothing refers to them.

Like every operation here, writes flush and never commit.
"""
import enum
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from participation.accounts.models import (
    LoginSession,
    RecoveryCode,
    Role,
    User,
    default_notifications,
)
from participation.core.types import utcnow
from participation.extensions import db
from participation.mail import operations as mail_operations
from participation.mail import queries as mail_queries

logger = logging.getLogger("participation.accounts")

ExportSection = Callable[[User], Any]
ErasureStep = Callable[[User], None]

_export_sections: dict[str, ExportSection] = {}
_erasure_steps: dict[str, ErasureStep] = {}

# Top-level keys of the download that are not sections.
RESERVED_KEYS = frozenset({"exported_at"})
UNVERIFIED_DAYS = 7


# --- the registries -----------------------------------------------------------

def _register(registry: dict, name: str, function: Callable | None, kind: str):
    def add(function: Callable) -> Callable:
        known = registry.get(name)
        if known is not None and known is not function:
            raise ValueError(f"there is already a {kind} called {name!r}")
        registry[name] = function
        return function

    if name in RESERVED_KEYS:
        raise ValueError(f"{name!r} is reserved")
    return add if function is None else add(function)


def register_export_section(name: str, function: ExportSection | None = None):
    """Add `function(user) -> JSON-able` to the download under `name`.
    Use it as a call or as a decorator (`@register_export_section("ideas")`).
    Registering the same function again is harmless; another one under a
    name already taken is a mistake (ValueError)."""
    return _register(_export_sections, name, function, "export section")


def unregister_export_section(name: str) -> None:
    """For tests."""
    _export_sections.pop(name, None)


def export_section_names() -> list[str]:
    return list(_export_sections)


def register_erasure_step(name: str, function: ErasureStep | None = None):
    """Add `function(user)` to what `delete_account` does (call or decorator)."""
    return _register(_erasure_steps, name, function, "erasure step")


def unregister_erasure_step(name: str) -> None:
    """For tests."""
    _erasure_steps.pop(name, None)


# --- the download -------------------------------------------------------------

def export_personal_data(user: User) -> dict:
    """Everything stored about the person: `{"exported_at": …, <section>: …}`,
    sections in the order they were registered."""
    data: dict[str, Any] = {"exported_at": utcnow()}
    for name, section in _export_sections.items():
        data[name] = section(user)
    return data


def json_default(value):
    """For json.dumps: datetimes and dates in ISO 8601, enums as their value."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"cannot write {type(value).__name__} in the data download")


def _place(municipality, neighbourhood=None) -> dict | None:
    if municipality is None and neighbourhood is None:
        return None
    return {
        "municipality": municipality and {"slug": municipality.slug, "name": dict(municipality.name or {})},
        "neighbourhood": neighbourhood and {"slug": neighbourhood.slug, "name": neighbourhood.name},
    }


@register_export_section("account")
def _account_section(user: User) -> dict:
    recovery_codes_left = db.session.scalar(
        select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
    return {
        "id": user.id,
        "email": user.email,
        "display_name": user.display_name,
        "language": user.language,
        "place": _place(user.municipality, user.neighbourhood),
        "notifications": dict(user.notifications or {}),
        "created_at": user.created_at,
        "email_verified_at": user.email_verified_at,
        "consent": {"privacy_statement_version": user.consent_version, "agreed_at": user.consented_at},
        "role": user.role,
        "coordinates_neighbourhoods": [_place(n.municipality, n) for n in user.coordinated_neighbourhoods],
        "moderates_municipalities": [_place(m) for m in user.moderated_municipalities],
        "moderates_everywhere": user.moderates_everywhere,
        # Whether it is on, never the secret; how many recovery codes are left, never the codes.
        "two_factor": {
            "enabled": user.has_two_factor,
            "enabled_at": user.totp_enabled_at,
            "recovery_codes_left": recovery_codes_left,
        },
    }


@register_export_section("sign_in_sessions")
def _sessions_section(user: User) -> list[dict]:
    sessions = db.session.scalars(
        select(LoginSession).where(LoginSession.user_id == user.id).order_by(LoginSession.created_at, LoginSession.id))
    return [{"started_at": s.created_at, "ended_at": s.revoked_at, "active": s.revoked_at is None} for s in sessions]


@register_export_section("emails")
def _emails_section(user: User) -> list[dict]:
    if not user.email:
        return []
    return [{"subject": row.subject, "queued_at": row.created_at, "sent_at": row.sent_at, "status": row.status}
            for row in mail_queries.emails_to(user.email)]


# --- deletion -----------------------------------------------------------------

def author_name(user: User | None) -> str:
    """The name shown next to a contribution: the public name, or
    "former participant" once the account is deleted (a Jinja global and filter)."""
    if user is None or user.deleted_at is not None or not user.display_name:
        return _("former participant")
    return user.display_name


def delete_account(user: User) -> None:
    """Erase the person's data and keep the row (see the module docstring)."""
    for step in _erasure_steps.values():
        step(user)
    mail_operations.forget_emails_to([user.email])
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))

    user.email = None
    user.display_name = None
    user.password_hash = None
    user.municipality_id = user.neighbourhood_id = None
    user.municipality = user.neighbourhood = None
    user.notifications = default_notifications()
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    user.role = Role.RESIDENT
    user.moderates_everywhere = False
    user.coordinated_neighbourhoods = []
    user.moderated_municipalities = []
    user.deleted_at = utcnow()
    db.session.flush()
    logger.info("Account %s deleted by its owner", user.id)


def purge_unverified(days: int = UNVERIFIED_DAYS, now: datetime | None = None) -> int:
    """Delete resident accounts never confirmed within `days`; returns how many.
    Staff accounts are made by an administrator and are left alone. Safe to
    run again and again: a second run finds nothing more."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    never_confirmed = (User.email_verified_at.is_(None), User.deleted_at.is_(None),
                       User.role == Role.RESIDENT, User.created_at < cutoff)
    addresses = db.session.scalars(select(User.email).where(*never_confirmed)).all()
    if not addresses:
        return 0
    # Every statement has the condition itself: whoever confirms meanwhile stays.
    purged_ids = select(User.id).where(*never_confirmed)
    mail_operations.forget_emails_to(addresses)
    db.session.execute(delete(LoginSession).where(LoginSession.user_id.in_(purged_ids)))
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id.in_(purged_ids)))
    deleted = db.session.execute(
        delete(User).where(*never_confirmed).execution_options(synchronize_session=False)).rowcount
    db.session.flush()
    logger.info("Deleted %d account(s) never confirmed within %d days", deleted, days)
    return deleted
