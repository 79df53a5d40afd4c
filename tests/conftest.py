"""Shared fixtures: an app per test on SQLite (and on PostgreSQL when WIKI_TEST_DATABASE_URL is set).

Web tests that use `app` run once per backend. PostgreSQL gets a database of its own for this run,
created here and dropped at the end, so a shared server is never assumed empty.

The schema is built once per backend and run: each SQLite test gets a copy of a freshly migrated
template file, and PostgreSQL tables are emptied after each test (TRUNCATE … RESTART IDENTITY), which
is far cheaper than creating and dropping every table for every test.
"""

import os
import shutil

import pytest
from flask import g, has_app_context
from flask.testing import FlaskClient
from sqlalchemy import text

from tests.throwaway import postgres_database
from wiki import create_app
from wiki.extensions import db

PG_URL = os.environ.get("WIKI_TEST_DATABASE_URL")


def _share_compiled_url_builders() -> None:
    """Compile each URL rule's builder once per test process, not once per app.

    The suite makes a new app for nearly every test, and werkzeug compiles a Python function for
    every rule of every app (a quarter of the suite's time, measured with cProfile). The function
    depends only on the rule's parts, its defaults and whether unknown arguments are appended (it
    reaches the converters through the rule it is bound to), so identical rules can share one.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    compiled: dict = {}

    def shared(rule, append_unknown=True):
        key = (tuple(rule._trace), repr(sorted((rule.defaults or {}).items())), append_unknown,
               tuple((name, type(c), getattr(c, "regex", None)) for name, c in rule._converters.items()))
        if key not in compiled:
            compiled[key] = compile_builder(rule, append_unknown)
        return compiled[key]

    Rule._compile_builder = shared


_share_compiled_url_builders()


@pytest.fixture(scope="session")
def postgres_url():
    """A throwaway database on the test PostgreSQL server, dropped after the run."""
    if not PG_URL:
        pytest.skip("PostgreSQL tests skipped: WIKI_TEST_DATABASE_URL is not set")
    with postgres_database(PG_URL, "wiki_test", durable=False) as url:
        yield url


def _build_schema(url: str, instance: str) -> None:
    os.environ["WIKI_INSTANCE_PATH"] = instance
    template = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
    with template.app_context():
        db.create_all()
        db.engine.dispose()


@pytest.fixture(scope="session")
def postgres_schema(postgres_url, tmp_path_factory):
    """The run's PostgreSQL database with every table created once."""
    _build_schema(postgres_url, str(tmp_path_factory.mktemp("pg-instance")))
    return postgres_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A SQLite file with the schema, copied for each test."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.sqlite"
    saved = os.environ.get("WIKI_INSTANCE_PATH")
    _build_schema(f"sqlite:///{path}", str(folder / "instance"))
    if saved is None:
        os.environ.pop("WIKI_INSTANCE_PATH", None)
    else:
        os.environ["WIKI_INSTANCE_PATH"] = saved
    return path


def _empty_tables() -> None:
    """Leave the shared PostgreSQL schema empty for the next test, ids starting again at 1.

    DELETE, child tables first, in one statement: a test leaves a few rows, and TRUNCATE (new files
    for every table and index, ~40 tables) took ~260 ms per test, a seventh of the suite's time.
    Every sequence of the schema is set back to 1 (setval is not transactional, and cheap).
    """
    deletes = " ".join(f'DELETE FROM "{table.name}";' for table in reversed(db.metadata.sorted_tables))
    with db.engine.begin() as conn:
        conn.execute(text(
            f"DO $$ DECLARE s record; BEGIN {deletes} "
            "FOR s IN SELECT schemaname, sequencename FROM pg_sequences WHERE schemaname = current_schema() "
            "LOOP PERFORM setval(format('%I.%I', s.schemaname, s.sequencename), 1, false); END LOOP; END $$"))


class RequestScopedClient(FlaskClient):
    """A test client whose requests behave as if each had its own app context.

    The `app` fixture keeps one app context pushed for the whole test (so factories can use
    db.session), and Flask reuses a pushed context for requests: `g` (the logged-in user cached by
    Flask-Login, the CSP nonce, the CSRF token) would then leak from one request into the next. So
    `g` is emptied before each request, and the session's transaction is ended after it, as the
    real teardown does, so an uncommitted change never looks saved to the next request.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():
            return super().open(*args, **kwargs)
        vars(g._get_current_object()).clear()
        try:
            return super().open(*args, **kwargs)
        finally:
            db.session.rollback()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A database with the schema in place and no rows."""
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_schema")
    path = tmp_path / "test.sqlite"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        "testing",
        {"SQLALCHEMY_DATABASE_URI": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"},
    )
    app.test_client_class = RequestScopedClient
    with app.app_context():
        yield app
        db.session.remove()
        if database_url.startswith("postgresql"):
            _empty_tables()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def pytest_terminal_summary(terminalreporter):
    """Skips listed once per reason with a count (-ra would list hundreds of parametrized lines)."""
    from collections import Counter

    reasons = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reasons[longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)] += 1
    if reasons:
        terminalreporter.section("skipped tests, by reason")
        for reason, count in reasons.most_common():
            terminalreporter.write_line(f"{count:5d} skipped: {reason.removeprefix('Skipped: ')}")
