"""Reads of the programme catalogue, each in a fixed number of queries."""
from flask import abort
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from participation.extensions import db
from participation.programme.models import Initiative, Municipality, ProgrammeLine


def lines_with_initiative_counts() -> list[tuple[ProgrammeLine, int]]:
    initiative_count = (
        select(func.count(Initiative.id)).where(Initiative.line_id == ProgrammeLine.id).scalar_subquery()
    )
    rows = db.session.execute(select(ProgrammeLine, initiative_count).order_by(ProgrammeLine.number))
    return [(line, count) for line, count in rows]


def line_by_slug_or_404(slug: str) -> ProgrammeLine:
    line = db.session.execute(
        select(ProgrammeLine)
        .where(ProgrammeLine.slug == slug)
        .options(selectinload(ProgrammeLine.initiatives).selectinload(Initiative.municipalities))
    ).scalar_one_or_none()
    return line or abort(404)


def initiative_by_slug_or_404(slug: str) -> Initiative:
    initiative = db.session.execute(
        select(Initiative)
        .where(Initiative.slug == slug)
        .options(selectinload(Initiative.line), selectinload(Initiative.municipalities))
    ).scalar_one_or_none()
    return initiative or abort(404)


def initiatives_by_line() -> list[ProgrammeLine]:
    return list(db.session.execute(
        select(ProgrammeLine)
        .order_by(ProgrammeLine.number)
        .options(selectinload(ProgrammeLine.initiatives).selectinload(Initiative.municipalities))
    ).scalars())


def municipalities_with_neighbourhoods() -> list[Municipality]:
    return list(db.session.execute(
        select(Municipality).order_by(Municipality.country, Municipality.slug)
        .options(selectinload(Municipality.neighbourhoods))
    ).scalars())
