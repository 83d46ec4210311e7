"""Writes to the programme catalogue. They flush, never commit."""
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from participation.extensions import db
from participation.programme.models import (
    Country,
    Initiative,
    InitiativeStatus,
    Moderation,
    Municipality,
    Neighbourhood,
    ProgrammeLine,
)


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, created: bool) -> None:
        target = self.created if created else self.updated
        target[kind] = target.get(kind, 0) + 1

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated)


def _assign(instance, values: dict, report: SeedReport, kind: str, created: bool) -> None:
    """Set only the attributes that differ, so a second run changes nothing."""
    changed = False
    for name, value in values.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed = True
    if created or changed:
        report.count(kind, created)


def _get_or_new(model, **key):
    instance = db.session.execute(select(model).filter_by(**key)).scalar_one_or_none()
    if instance is None:
        instance = model(**key)
        db.session.add(instance)
        return instance, True
    return instance, False


def load_catalogue(path: str | Path) -> SeedReport:
    """Create or update lines, initiatives, municipalities and neighbourhoods
    from the catalogue data file. Idempotent: rows are matched by slug."""
    with open(path, "rb") as handle:
        data = tomllib.load(handle)
    report = SeedReport()

    municipalities: dict[str, Municipality] = {}
    for entry in data["municipality"]:
        municipality, created = _get_or_new(Municipality, slug=entry["slug"])
        _assign(municipality, {"country": Country(entry["country"]), "name": entry["name"]},
                report, "municipality", created)
        municipalities[municipality.slug] = municipality
        db.session.flush()
        for hood in entry["neighbourhoods"]:
            neighbourhood, created = _get_or_new(Neighbourhood, municipality_id=municipality.id, slug=hood["slug"])
            _assign(neighbourhood, {"name": hood["name"]}, report, "neighbourhood", created)

    for line_entry in data["line"]:
        line, created = _get_or_new(ProgrammeLine, slug=line_entry["slug"])
        _assign(line, {
            "number": line_entry["number"],
            "title": line_entry["title"],
            "summary": line_entry["summary"],
            "investment_eur": line_entry["investment_eur"],
            "regional_contribution_eur": line_entry["regional_contribution_eur"],
        }, report, "programme_line", created)
        db.session.flush()
        for position, entry in enumerate(line_entry["initiative"], start=1):
            initiative, created = _get_or_new(Initiative, slug=entry["slug"])
            _assign(initiative, {
                "line_id": line.id,
                "position": position,
                "title": entry["title"],
                "summary": entry["summary"],
                "description": entry["description"],
                "places": entry["places"],
                "status": InitiativeStatus(entry["status"]),
                "moderation": Moderation(entry["moderation"]),
                # Sorted as the relationship loads them, so an unchanged list compares equal.
                "municipalities": [municipalities[slug] for slug in sorted(entry["municipalities"])],
            }, report, "initiative", created)
    db.session.flush()
    return report
