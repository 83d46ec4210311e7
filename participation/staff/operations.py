"""Writes about staff: roles and scopes, invitations. They flush, never commit.

Every change of role or scope goes through `set_role`, which writes one line
to the `participation.audit` log (actor, person, before and after); the
append-only audit table of a later issue hooks in there.
"""
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from participation.accounts import operations as accounts
from participation.accounts import tokens
from participation.accounts.models import Role, User
from participation.accounts.passwords import hash_password
from participation.accounts.queries import user_by_email
from participation.core.types import utcnow
from participation.extensions import db
from participation.mail.operations import external_url, queue_email
from participation.programme.models import Municipality, Neighbourhood

audit = logging.getLogger("participation.audit")

INVITATION = "staff-invitation"

ROLE_LABELS = {
    Role.RESIDENT: _l("Resident"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.MODERATOR: _l("Moderator"),
    Role.ADMIN: _l("Admin"),
}

NEEDS_NEIGHBOURHOOD = _l("Choose at least one neighbourhood for a coordinator")
NEEDS_MUNICIPALITY = _l("Choose at least one municipality, or all municipalities, for a moderator")
NO_SELF_DEMOTION = _l("You cannot take away your own admin role. Ask another admin to do this.")


@dataclass(frozen=True)
class Scopes:
    """What a role applies to: neighbourhoods for a coordinator, municipalities
    (or all of them) for a moderator; nothing for the other roles."""

    neighbourhood_ids: frozenset[int] = frozenset()
    municipality_ids: frozenset[int] = frozenset()
    everywhere: bool = False

    @classmethod
    def of(cls, role: Role, *, neighbourhood_ids: Collection[int] = (), municipality_ids: Collection[int] = (),
           everywhere: bool = False) -> "Scopes":
        """Only the scopes that belong to `role` (anything else chosen is dropped)."""
        if role == Role.COORDINATOR:
            return cls(neighbourhood_ids=frozenset(neighbourhood_ids))
        if role == Role.MODERATOR:
            return cls(everywhere=True) if everywhere else cls(municipality_ids=frozenset(municipality_ids))
        return cls()

    @classmethod
    def held_by(cls, person: User) -> "Scopes":
        return cls(neighbourhood_ids=frozenset(n.id for n in person.coordinated_neighbourhoods),
                   municipality_ids=frozenset(m.id for m in person.moderated_municipalities),
                   everywhere=bool(person.moderates_everywhere))

    def as_log(self) -> dict:
        return {"neighbourhoods": sorted(self.neighbourhood_ids), "municipalities": sorted(self.municipality_ids),
                "all_municipalities": self.everywhere}


def scope_problems(role: Role, scopes: Scopes) -> dict[str, object]:
    """What is missing for `role`, by form field name (empty when all is well).
    The web forms and `flask users create` share these rules."""
    if role == Role.COORDINATOR and not scopes.neighbourhood_ids:
        return {"neighbourhoods": NEEDS_NEIGHBOURHOOD}
    if role == Role.MODERATOR and not (scopes.everywhere or scopes.municipality_ids):
        return {"municipalities": NEEDS_MUNICIPALITY}
    return {}


class RoleChangeRefused(Exception):
    """The change breaks a rule; `.problems` maps form fields to messages."""

    def __init__(self, problems: dict[str, object]):
        super().__init__(", ".join(problems))
        self.problems = problems


def set_role(actor: User | None, person: User, role: Role, scopes: Scopes) -> bool:
    """Give `person` the role and its scopes; True when anything changed.

    `actor` is the admin who does it (None: the command line). A changed role
    ends all of the person's sign-in sessions, so the new rights apply at once.
    """
    role = Role(role)
    scopes = Scopes.of(role, neighbourhood_ids=scopes.neighbourhood_ids,
                       municipality_ids=scopes.municipality_ids, everywhere=scopes.everywhere)
    if actor is not None and actor.id == person.id and person.role == Role.ADMIN and role != Role.ADMIN:
        raise RoleChangeRefused({"role": NO_SELF_DEMOTION})
    problems = scope_problems(role, scopes)
    if problems:
        raise RoleChangeRefused(problems)

    before_role, before = person.role, Scopes.held_by(person)
    if (before_role, before) == (role, scopes):
        return False
    person.role = role
    person.moderates_everywhere = scopes.everywhere
    person.coordinated_neighbourhoods = _rows(Neighbourhood, scopes.neighbourhood_ids)
    person.moderated_municipalities = _rows(Municipality, scopes.municipality_ids)
    db.session.flush()
    if before_role != role:
        accounts.end_all_login_sessions(person)
    _audit("staff.role_changed", actor, person, before={"role": str(before_role), **before.as_log()},
           after={"role": str(role), **scopes.as_log()})
    return True


def _rows(model, ids: Collection[int]) -> list:
    if not ids:
        return []
    rows = db.session.execute(select(model).where(model.id.in_(ids)).order_by(model.id)).scalars().all()
    if len(rows) != len(set(ids)):
        raise ValueError(f"unknown {model.__name__} id in {sorted(ids)}")
    return list(rows)


def _audit(event: str, actor: User | None, person: User, **details) -> None:
    # Ids and roles only: never an address, name, password or token.
    audit.info("%s %s", event, json.dumps(
        {"actor_id": actor.id if actor is not None else None, "target_id": person.id, **details}, sort_keys=True))


# --- creating staff accounts ---------------------------------------------------

class EmailTaken(Exception):
    """There is already an account with this address; `.person` is it."""

    def __init__(self, person: User):
        super().__init__("email taken")
        self.person = person


def _new_account(email: str, *, display_name: str | None, language: str) -> User:
    email = accounts.normalize_email(email)
    existing = user_by_email(email)
    if existing is not None:
        raise EmailTaken(existing)
    person = User(email=email, display_name=display_name, language=language, role=Role.RESIDENT)
    db.session.add(person)
    db.session.flush()
    return person


def invite(actor: User, *, email: str, role: Role, scopes: Scopes, language: str) -> User:
    """Create an account with the role (unverified, without a password) and email
    the person a link to choose a name and password. Refuses a known address."""
    role = Role(role)
    person = _new_account(email, display_name=None, language=language)
    set_role(actor, person, role, scopes)
    send_invitation(actor, person)
    return person


def send_invitation(actor: User, person: User) -> None:
    """(Again) email the invitation link; the link works for 7 days, once."""
    token = tokens.make_token(INVITATION, person.id, email=person.email)
    queue_email(person.email, _l("You are invited to help run Meedoen Zuid-Limburg"), "staff/invitation",
                person.language, person=person, inviter_name=actor.display_name, role_label=ROLE_LABELS[person.role],
                link=external_url("staff.accept_invitation", token=token))
    _audit("staff.invited", actor, person, role=str(person.role))


def invitation_pending(person: User) -> bool:
    """Invited, but has not chosen a password yet."""
    return person.password_hash is None and not person.is_deleted


def check_invitation(token: str) -> User:
    """The person an invitation link belongs to, without using the link up."""
    data = tokens.read_token(INVITATION, token)
    return _invited_person(data)


def accept_invitation(token: str, *, display_name: str, password: str) -> User:
    """Use the link: the person chooses a public name and password; the link proves the address."""
    person = _invited_person(tokens.use_token(INVITATION, token))
    person.display_name = display_name
    person.password_hash = hash_password(password)
    person.email_verified_at = person.email_verified_at or utcnow()
    _audit("staff.invitation_accepted", person, person)
    return person


def _invited_person(data: dict) -> User:
    person = db.session.get(User, data["uid"])
    if person is None or person.is_deleted or person.email != data.get("email"):
        raise tokens.TokenError("invalid")
    if person.password_hash is not None:
        raise tokens.TokenError("used")
    return person


def create_account(*, email: str, role: Role, password: str, display_name: str | None, language: str,
                   scopes: Scopes) -> User:
    """An account made on the command line (the first admin): verified, with a password."""
    person = _new_account(email, display_name=display_name, language=language)
    person.password_hash = hash_password(password)
    person.email_verified_at = utcnow()
    _audit("staff.account_created", None, person)
    set_role(None, person, Role(role), scopes)
    return person
