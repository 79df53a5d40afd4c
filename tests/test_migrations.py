"""The migrations build exactly the schema the models describe, on SQLite and PostgreSQL, and unwind."""

import logging
import os
import pprint

import flask_migrate
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, inspect

from tests.throwaway import postgres_database
from wiki import create_app
from wiki.extensions import db

PG_URL = os.environ.get("WIKI_TEST_DATABASE_URL")


@pytest.fixture(autouse=True)
def keep_logging():
    """migrations/env.py runs logging.fileConfig, which disables existing loggers: undo that afterwards."""
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {
        name: (logger.disabled, logger.level, list(logger.handlers), logger.propagate)
        for name, logger in manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, logger in manager.loggerDict.items():
        if not isinstance(logger, logging.Logger):
            continue
        if name in saved:
            logger.disabled, logger.level, handlers, logger.propagate = saved[name]
            logger.handlers[:] = handlers
        else:
            logger.disabled = False


@pytest.fixture
def sqlite_url(tmp_path):
    path = tmp_path / "migrated.sqlite"
    assert not path.exists()
    return f"sqlite:///{path}"


@pytest.fixture
def fresh_postgres_url():
    """A new, empty PostgreSQL database for this test only."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests skipped: WIKI_TEST_DATABASE_URL is not set")
    with postgres_database(PG_URL, "wiki_migrate") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request):
    name = "sqlite_url" if request.param == "sqlite" else "fresh_postgres_url"
    return request.getfixturevalue(name)


@pytest.fixture
def migrate_app(empty_database, tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": empty_database})
    with app.app_context():
        assert _tables() == set(), "the database must start empty"
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names())


def _schema_diff(metadata: MetaData | None = None) -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        return compare_metadata(context, metadata if metadata is not None else db.metadata)


def _assert_matches_models():
    diff = _schema_diff()
    assert diff == [], "migrations and models differ — run `flask db migrate`:\n" + pprint.pformat(diff)


def test_single_head(migrate_app):
    script = ScriptDirectory.from_config(migrate_app.extensions["migrate"].migrate.get_config())
    assert len(script.get_heads()) == 1, f"several migration heads: {script.get_heads()} — merge them"


def test_upgrade_matches_models(migrate_app):
    flask_migrate.upgrade()
    assert _tables() >= set(db.metadata.tables)
    _assert_matches_models()


def test_downgrade_to_base_and_upgrade_again(migrate_app):
    flask_migrate.upgrade()
    flask_migrate.downgrade(revision="base")
    assert _tables() <= {"alembic_version"}, _tables()
    flask_migrate.upgrade()
    _assert_matches_models()


def test_the_comparison_notices_a_missing_migration(migrate_app):
    """Guards the guard: a column that no migration creates shows up in the diff."""
    flask_migrate.upgrade()
    models = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.tables.values():
        table.to_metadata(models)
    models.tables["users"].append_column(Column("not_migrated_yet", Integer))
    diff = _schema_diff(models)
    assert any(entry[0] == "add_column" and entry[3].name == "not_migrated_yet" for entry in diff), diff
    _assert_matches_models()
