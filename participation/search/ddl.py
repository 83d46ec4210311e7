"""The database-specific part of the search index, in one place.

SQLite: an FTS5 table over the folded columns of `search_document`
(external content, so the text is stored once) and three triggers that keep
it in step with every INSERT, UPDATE and DELETE on `search_document`.

PostgreSQL: a GIN index on a tsvector expression over the same folded
columns ('simple' configuration: no stemming, no stop words; folding is done
in Python, so no `unaccent` extension is needed). `queries.py` uses
exactly `PG_TSVECTOR`, so the planner uses the index.

`create_search_index(connection)` runs the statements for the connection's
database and is safe to run again. It is called after `create_all()` creates
`search_document` (the `after_create` event below), and a migration calls it
after creating the table:

    from participation.search.ddl import create_search_index
    create_search_index(op.get_bind())

(or copies the statements from `search_index_ddl("sqlite" | "postgresql")`).
On SQLite, a batch migration that rebuilds `search_document` drops the
triggers: call `create_search_index` again afterwards (it also rebuilds the
FTS content).

Alembic's autogenerate does not know the FTS5 tables or the GIN index; pass
`include_name` and `include_object` below to `context.configure(...)` in
migrations/env.py (and to `MigrationContext.configure(opts=...)` in
tests/test_migrations.py), so it neither drops them nor reports them as
differences.
"""
from sqlalchemy import event

from participation.search.models import SearchDocument

FTS_TABLE = "search_fts"
GIN_INDEX = "ix_search_document_fts"

PG_TSVECTOR = ("(setweight(to_tsvector('simple'::regconfig, folded_title), 'A') || "
               "to_tsvector('simple'::regconfig, folded_body))")

_SQLITE = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "folded_title, folded_body, content='search_document', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_after_insert AFTER INSERT ON search_document BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, folded_title, folded_body) VALUES (new.id, new.folded_title, new.folded_body); "
    "END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_after_delete AFTER DELETE ON search_document BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, folded_title, folded_body) "
    "VALUES ('delete', old.id, old.folded_title, old.folded_body); "
    "END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_after_update AFTER UPDATE ON search_document BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, folded_title, folded_body) "
    "VALUES ('delete', old.id, old.folded_title, old.folded_body); "
    f"INSERT INTO {FTS_TABLE}(rowid, folded_title, folded_body) VALUES (new.id, new.folded_title, new.folded_body); "
    "END",
    # Re-read whatever search_document holds (a no-op on an empty table).
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')",
]

_POSTGRESQL = [
    f"CREATE INDEX IF NOT EXISTS {GIN_INDEX} ON search_document USING gin ({PG_TSVECTOR})",
]

_DROP = {
    "sqlite": [f"DROP TABLE IF EXISTS {FTS_TABLE}"],  # the triggers go with search_document
    "postgresql": [f"DROP INDEX IF EXISTS {GIN_INDEX}"],
}


def search_index_ddl(dialect_name: str) -> list[str]:
    """The statements that create the full-text index on this database."""
    return {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(dialect_name, [])


def create_search_index(connection) -> None:
    for statement in search_index_ddl(connection.dialect.name):
        connection.exec_driver_sql(statement)


def drop_search_index(connection) -> None:
    for statement in _DROP.get(connection.dialect.name, []):
        connection.exec_driver_sql(statement)


def include_name(name, type_, parent_names) -> bool:
    """Alembic filter (before reflection): do not even read the FTS5 tables."""
    return not (type_ == "table" and name and name.startswith(FTS_TABLE))


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic filter: leave the FTS5 tables (and their shadow tables) and the
    GIN index to `create_search_index`."""
    if type_ == "table" and name and name.startswith(FTS_TABLE):
        return False
    if type_ == "index" and name == GIN_INDEX:
        return False
    return True


@event.listens_for(SearchDocument.__table__, "after_create")
def _after_create(target, connection, **kw):
    create_search_index(connection)


@event.listens_for(SearchDocument.__table__, "before_drop")
def _before_drop(target, connection, **kw):
    drop_search_index(connection)
