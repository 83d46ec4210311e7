"""Database engine behaviour that must hold on every connection.

SQLite is the embedded default. WAL and a busy timeout alone still give
"database is locked" when two requests write at once: a deferred transaction
that first reads and then writes cannot wait for the lock, it fails. So every
transaction that may write begins IMMEDIATE (takes the write lock up front and
waits for it up to the busy timeout). Read-only requests (GET/HEAD/OPTIONS)
begin deferred, so readers never queue behind writers.
"""
import sqlite3

from flask import current_app, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _busy_timeout_ms() -> int:
    try:
        return int(current_app.config["SQLITE_BUSY_TIMEOUT_MS"])
    except (RuntimeError, KeyError):
        return 5000


@event.listens_for(Engine, "connect")
def _configure_sqlite_connection(dbapi_connection, _record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy's "begin" event emit BEGIN itself (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={_busy_timeout_ms():d}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite_transaction(connection):
    if connection.dialect.name != "sqlite":
        return
    if has_request_context() and request.method in READ_ONLY_METHODS:
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def default_sqlite_uri(instance_path: str) -> str:
    return f"sqlite:///{instance_path}/participation.db"
