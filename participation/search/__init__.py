"""Search across ideas and proposals, accent-insensitive, on SQLite and PostgreSQL.

The interface, for every feature:

    from participation.search import index_document, remove_document, register_kind, search

    index_document(kind, object_id, initiative_id, title, text, language, visible)  # in operations
    remove_document(kind, object_id)
    register_kind(kind, label, endpoint, id_argument, visible=None)               # once, at import
    search(query, page) -> SearchResults                                           # reads

How it works: `search_document` (models.py) holds one row per visible item
with its text accent-folded in Python (folding.py); ddl.py adds the
full-text index for the database in use (SQLite FTS5 / PostgreSQL GIN).
"""
from participation.search import ddl  # noqa: F401  (the full-text index follows search_document)
from participation.search.kinds import register_kind
from participation.search.operations import index_document, remove_document
from participation.search.queries import SearchResults, search

__all__ = ["index_document", "remove_document", "register_kind", "search", "SearchResults"]
