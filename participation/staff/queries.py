"""Reads for the staff page, each in a fixed number of queries."""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from participation.accounts.models import STAFF_ROLES, Role, User
from participation.extensions import db
from participation.programme.models import Neighbourhood

SEARCH_PAGE_SIZE = 20

# Roles in the order the staff list shows them.
ROLE_ORDER = (Role.ADMIN, Role.MODERATOR, Role.COORDINATOR, Role.RESIDENT)


def _with_scopes(statement):
    """The scopes of every person in the result, in three more queries however many there are."""
    return statement.options(
        selectinload(User.coordinated_neighbourhoods).selectinload(Neighbourhood.municipality),
        selectinload(User.moderated_municipalities),
    )


def staff_people() -> list[User]:
    """Everyone with a staff role, admins first, with their scopes."""
    people = db.session.execute(
        _with_scopes(select(User).where(User.role.in_(STAFF_ROLES), User.deleted_at.is_(None)))
        .order_by(func.lower(func.coalesce(User.display_name, User.email)), User.id)
    ).scalars().all()
    return sorted(people, key=lambda person: ROLE_ORDER.index(person.role))


@dataclass
class SearchPage:
    term: str
    people: list[User]
    page: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def search_people(term: str, page: int = 1, per_page: int = SEARCH_PAGE_SIZE) -> SearchPage:
    """Anyone (resident or staff) whose email address or public name contains `term`;
    one page of them, in two queries plus the scopes."""
    matches = or_(User.email.icontains(term, autoescape=True), User.display_name.icontains(term, autoescape=True))
    condition = (matches, User.deleted_at.is_(None))
    total = db.session.scalar(select(func.count(User.id)).where(*condition))
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    people = db.session.execute(
        _with_scopes(select(User).where(*condition))
        .order_by(User.email, User.id).limit(per_page).offset((page - 1) * per_page)
    ).scalars().all() if total else []
    return SearchPage(term=term, people=list(people), page=page, pages=pages, total=total)


def person_or_404(person_id: int) -> User:
    person = db.session.execute(
        _with_scopes(select(User).where(User.id == person_id, User.deleted_at.is_(None)))
    ).scalar_one_or_none()
    return person or abort(404)

