"""Database behaviour: SQLite settings on every connection, concurrent writers."""
import threading

import pytest
from sqlalchemy import select, text

from participation.extensions import db
from participation.programme.models import Municipality
from tests.conftest import BACKEND

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="SQLite connection settings")


@sqlite_only
def test_every_sqlite_connection_has_wal_busy_timeout_and_foreign_keys(app):
    with app.app_context():
        for _ in range(3):  # several pooled connections, each configured
            with db.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 5000


@sqlite_only
def test_foreign_keys_are_enforced(app):
    from sqlalchemy.exc import IntegrityError

    from participation.programme.models import Neighbourhood

    with app.app_context():
        db.session.add(Neighbourhood(municipality_id=999, slug="nowhere", name="Nowhere"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_concurrent_read_then_write_transactions_never_fail(app):
    """Each writer reads, then writes, in one transaction — the pattern that
    gives "database is locked" on SQLite unless writes begin IMMEDIATE."""
    with app.app_context():
        db.session.add(Municipality(slug="teststad", country="NL", name={"nl": "0"}))
        db.session.commit()
    errors: list[Exception] = []
    writers, increments = 8, 10

    def writer():
        with app.app_context():
            for _ in range(increments):
                try:
                    municipality = db.session.execute(
                        select(Municipality).filter_by(slug="teststad").with_for_update()
                    ).scalar_one()
                    municipality.name = {"nl": str(int(municipality.name["nl"]) + 1)}
                    db.session.commit()
                except Exception as error:  # collected and asserted below
                    errors.append(error)
                    db.session.rollback()
            db.session.remove()

    threads = [threading.Thread(target=writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        total = db.session.execute(select(Municipality.name).filter_by(slug="teststad")).scalar_one()
        assert total == {"nl": str(writers * increments)}


def test_read_only_requests_begin_deferred_on_sqlite(app, client):
    """GET requests must not queue behind writers: they begin a plain transaction."""
    statements = []
    with app.app_context():
        engine = db.engine

    from sqlalchemy import event

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/healthz")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    if BACKEND == "sqlite":
        assert "BEGIN" in statements and "BEGIN IMMEDIATE" not in statements
    assert any("SELECT 1" in statement for statement in statements)
