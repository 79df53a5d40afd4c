"""Shared fixtures: an app per test on SQLite (and on PostgreSQL when WIKI_TEST_DATABASE_URL is set).

Web tests that use `app` run once per backend. PostgreSQL gets a database of its own for this run,
created here and dropped at the end, so a shared server is never assumed empty.
"""

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from wiki import create_app
from wiki.extensions import db

PG_URL = os.environ.get("WIKI_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway database on the test PostgreSQL server, dropped after the run."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests skipped: WIKI_TEST_DATABASE_URL is not set")
    admin_url = make_url(PG_URL)
    name = f"wiki_test_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield admin_url.set(database=name).render_as_string(hide_password=False)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return f"sqlite:///{tmp_path / 'test.sqlite'}"


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
    )
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        if database_url.startswith("postgresql"):
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
