"""What kinds of items the index holds, and how results link to them.

Each feature registers its kind once, at import time (ideas in
ideas/operations.py; proposals the same way):

    register_kind("proposal", _l("Proposal"), "proposals.proposal", "proposal_id",
                  visible=lambda object_id: exists().where(Proposal.id == object_id,
                                                           Proposal.hidden_at.is_(None)))

`visible` (optional) is a second line of defence: a SQL condition on the
item's id that the results must also meet, so an item whose index row was
not removed in time still never shows once it is hidden.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import url_for
from sqlalchemy import ColumnElement


@dataclass(frozen=True)
class Kind:
    name: str
    label: object  # a lazy string
    endpoint: str
    id_argument: str
    visible: Callable[[ColumnElement], ColumnElement] | None = None

    def url(self, object_id: int) -> str:
        return url_for(self.endpoint, **{self.id_argument: object_id})


_kinds: dict[str, Kind] = {}


def register_kind(name: str, label, endpoint: str, id_argument: str,
                  visible: Callable[[ColumnElement], ColumnElement] | None = None) -> None:
    _kinds[name] = Kind(name, label, endpoint, id_argument, visible)


def kind(name: str) -> Kind | None:
    return _kinds.get(name)


def registered_kinds() -> list[Kind]:
    return list(_kinds.values())
