"""Alembic owns the schema: migrations build an empty database, and agree with the models."""
from urllib.parse import quote

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from participation.extensions import db
from participation.search.ddl import include_name, include_object
from tests.conftest import BACKEND

SCHEMA = "migration_test"


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    if BACKEND == "sqlite":
        yield f"sqlite:///{tmp_path}/empty.db"
        return
    # A schema of its own on the test server: empty, and dropped afterwards.
    admin = create_engine(database_url)
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    separator = "&" if "?" in database_url else "?"
    yield f"{database_url}{separator}options={quote(f'-csearch_path={SCHEMA}')}"
    with admin.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()


@pytest.fixture
def migrated_app(make_app, empty_database_url):
    app = make_app(SQLALCHEMY_DATABASE_URI=empty_database_url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    yield app
    with app.app_context():
        db.engine.dispose()


def test_upgrade_builds_every_table_on_an_empty_database(migrated_app):
    with migrated_app.app_context():
        tables = set(inspect(db.engine).get_table_names())
    assert set(db.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_models_and_migrations_agree(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={
            "compare_type": True, "include_name": include_name, "include_object": include_object})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_seed_runs_on_the_migrated_database(migrated_app):
    runner = migrated_app.test_cli_runner()
    assert runner.invoke(args=["seed"]).exit_code == 0
    assert "already up to date" in runner.invoke(args=["seed"]).output
