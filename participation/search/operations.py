"""Keeping the search index in step. Features call these from their own
operations, in the same transaction as the change; they flush, never commit.

Only visible content has a row: call `index_document(..., visible=False)` (or
`remove_document`) when an item is hidden, rejected, deleted or not yet
published, and `index_document(..., visible=True)` when it becomes visible
or its text changes.
"""
import html
import logging
from collections.abc import Iterable

from sqlalchemy import delete, insert, select, update

from participation.core.sanitize import plain_text
from participation.core.types import utcnow
from participation.extensions import db
from participation.search.folding import fold
from participation.search.models import SearchDocument

logger = logging.getLogger("participation.search")

_table = SearchDocument.__table__


def to_plain_text(text: str | None) -> str:
    """Sanitised HTML (or plain text) → plain text, whitespace collapsed."""
    return " ".join(html.unescape(plain_text(text or "")).split())


def index_document(kind: str, object_id: int, initiative_id: int | None, title: str, text: str,
                   language: str, visible: bool, *, extra_titles: Iterable[str] = (),
                   extra_texts: Iterable[str] = ()) -> None:
    """Add or update the item's row, or remove it when not `visible`.

    `text` is the item's sanitised HTML (e.g. `body_html`) or plain text.
    `extra_titles` / `extra_texts` (e.g. translations) are searchable too;
    results show the original `title` and snippets from `text`."""
    if not visible:
        remove_document(kind, object_id)
        return
    body = to_plain_text(text)
    values = {
        "initiative_id": initiative_id,
        "language": language,
        "title": title[:200],
        "body": body,
        "folded_title": "\n".join(fold(part) for part in (title, *extra_titles)),
        "folded_body": "\n".join(fold(part) for part in (body, *(to_plain_text(t) for t in extra_texts))),
        "updated_at": utcnow(),
    }
    existing = db.session.scalar(select(_table.c.id).where(_table.c.kind == kind, _table.c.object_id == object_id))
    if existing is None:
        db.session.execute(insert(_table).values(kind=kind, object_id=object_id, **values))
    else:
        db.session.execute(update(_table).where(_table.c.id == existing).values(**values))
    logger.debug("Indexed %s %s", kind, object_id)


def remove_document(kind: str, object_id: int) -> None:
    db.session.execute(delete(_table).where(_table.c.kind == kind, _table.c.object_id == object_id))
