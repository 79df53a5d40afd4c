"""Search fixtures: the same tests run against each backend.

- ``whoosh``: the default backend (a Whoosh index in the test's instance folder) on SQLite;
- ``postgresql``: the PostgreSQL full-text backend on the run's PostgreSQL database — skipped, with the
  reason, when WIKI_TEST_DATABASE_URL is not set.

Indexing on every change is switched on here (the rest of the suite runs without it), and each app's
indexing thread is stopped, and its index closed, when the test ends. ``flush(app)`` waits until
everything queued is indexed, so tests are deterministic without sleeping.
"""

import os
import shutil
from contextlib import contextmanager

import pytest

from tests.conftest import RequestScopedClient, _empty_tables
from wiki import create_app
from wiki.extensions import db
from wiki.search import service

BACKENDS = ["whoosh", "postgresql"]
OVERRIDES = {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", "SEARCH_INDEX_ON_CHANGE": True}


def flush(app) -> None:
    assert service.engine(app).indexer.flush(timeout=30), "indexing did not finish"


def _database(request, backend: str, folder) -> str:
    if backend == "postgresql":
        return request.getfixturevalue("postgres_schema")
    path = folder / "test.sqlite"
    shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
    return f"sqlite:///{path}"


@contextmanager
def search_app_for(request, backend: str, folder, **overrides):
    """An app on ``backend`` with an empty database, torn down (index closed, tables emptied) after."""
    url = _database(request, backend, folder)
    saved = os.environ.get("WIKI_INSTANCE_PATH")
    os.environ["WIKI_INSTANCE_PATH"] = str(folder / "instance")
    try:
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": backend,
                                     **OVERRIDES, **overrides})
    finally:
        if saved is None:
            os.environ.pop("WIKI_INSTANCE_PATH", None)
        else:
            os.environ["WIKI_INSTANCE_PATH"] = saved
    app.test_client_class = RequestScopedClient
    with app.app_context():
        try:
            yield app
        finally:
            service.shutdown(app)
            db.session.remove()
            if backend == "postgresql":
                _empty_tables()
            db.engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def app(request, backend, tmp_path):
    """Overrides the suite's ``app``: one per search backend, indexing on every change."""
    with search_app_for(request, backend, tmp_path) as app:
        yield app


@pytest.fixture
def client(app):
    return app.test_client()
