"""One writer at a time, and no save ever fails or is lost because of the index: concurrent saves from
many threads and from two app instances sharing one index (as two server processes do), a writer
holding the lock past the timeout (the job waits and retries), a full queue (the request indexes
itself), and the synchronous mode.
"""

import threading
import traceback
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text

from tests.factories import add_member, make_document, make_space, make_user
from tests.web.search.conftest import OVERRIDES, flush
from wiki import create_app
from wiki.auth.models import User
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.search import pg
from wiki.search import service as search
from wiki.search.index import WhooshBackend

WRITERS, SAVES = 4, 5


def words(app, query: str) -> int:
    """How many documents hold the word."""
    flush(app)
    response = app.test_client().get("/api/v1/search", query_string={"q": query, "type": "document"})
    return response.get_json()["total"]


def _save_rounds(app, document_id: int, user_id: int, tag: str, errors: list) -> None:
    """Save ``SAVES`` new versions of one document, each with a new word (own app context and session)."""
    try:
        with app.app_context():
            for n in range(SAVES):
                document = db.session.get(Document, document_id)
                user = db.session.get(User, user_id)
                text_ = f"# Notes\n\nWord {tag}x{n} here.\n"
                documents.save(db.session, document, user, text_, document.head_number, source="api")
                db.session.remove()
    except Exception:  # pragma: no cover - reported by the test
        errors.append(traceback.format_exc())


def _run(targets) -> list:
    errors: list = []
    threads = [threading.Thread(target=fn, args=(*args, errors)) for fn, args in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return errors


@pytest.fixture
def docs(app):
    editor = make_user("Ed Editor")
    space = make_space("town")
    add_member(space, editor, "editor")
    ids = [make_document(space, editor, f"Notes {i}", "# Notes\n\nNothing yet.\n").id for i in range(WRITERS)]
    editor_id = editor.id
    db.session.rollback()  # reading ids began a (write-intent) transaction: end it before the writers start
    return editor_id, ids


def test_concurrent_saves_from_many_threads_are_all_indexed(app, docs):
    editor_id, ids = docs
    errors = _run([(_save_rounds, (app, ids[i], editor_id, f"w{i}")) for i in range(WRITERS)])
    assert errors == []
    for i in range(WRITERS):  # the last version of every document is found, the earlier ones are gone
        assert words(app, f"w{i}x{SAVES - 1}") == 1
        assert words(app, f"w{i}x0") == 0
    assert search.check(db.session, search.engine(app).backend).ok


def test_two_app_instances_share_one_index_without_losing_updates(app, docs, monkeypatch, tmp_path):
    """Two processes of one deployment: each has its own indexing thread and searcher."""
    editor_id, ids = docs
    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(tmp_path / "second-instance"))
    second = create_app("testing", {**OVERRIDES, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                    "SEARCH_BACKEND": app.config["SEARCH_BACKEND"],
                                    "SEARCH_INDEX_PATH": str(search.engine(app).backend.path)
                                    if app.config["SEARCH_BACKEND"] == "whoosh" else None})
    try:
        errors = _run([(_save_rounds, (app if i % 2 else second, ids[i], editor_id, f"p{i}")) for i in range(WRITERS)])
        assert errors == []
        assert search.engine(second).indexer.flush(30)
        for i in range(WRITERS):
            assert words(app, f"p{i}x{SAVES - 1}") == 1
        assert search.check(db.session, search.engine(app).backend).ok
    finally:
        search.shutdown(second)
        with second.app_context():
            db.engine.dispose()


@contextmanager
def index_locked(app):
    """Another writer holds the index (a long reindex, another process)."""
    backend = search.engine(app).backend
    if isinstance(backend, WhooshBackend):
        other = WhooshBackend(backend.path)
        writer = other._writer()
        try:
            yield
        finally:
            writer.cancel()
            other.close()
    else:
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
        with engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": pg.LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": pg.LOCK_KEY})
        engine.dispose()


def test_a_save_while_the_index_is_locked_waits_and_is_indexed_later(app, docs):
    app.config["SEARCH_LOCK_TIMEOUT"] = 0.2
    search.shutdown(app)  # the engine is rebuilt with the short timeout
    editor_id, ids = docs
    with index_locked(app):
        document, editor = db.session.get(Document, ids[0]), db.session.get(User, editor_id)
        outcome = documents.save(db.session, document, editor, "# Notes\n\nLocked meanwhile.\n", 1)
        assert outcome.created  # the save itself never waits for the index
        assert not search.engine(app).indexer.flush(timeout=0.5)  # the job is still waiting
    assert words(app, "meanwhile") == 1


def test_when_the_queue_is_full_the_request_indexes_itself(app, docs):
    app.config["SEARCH_QUEUE_MAX"] = 0
    search.shutdown(app)
    editor_id, ids = docs
    document, editor = db.session.get(Document, ids[1]), db.session.get(User, editor_id)
    documents.save(db.session, document, editor, "# Notes\n\nOverflowing queue.\n", 1)
    assert search.engine(app).indexer.pending == 0  # done in the request, nothing queued
    assert app.test_client().get("/api/v1/search?q=overflowing&type=document").get_json()["total"] == 1


def test_synchronous_indexing(app, docs):
    app.config["SEARCH_ASYNC"] = False
    search.shutdown(app)
    editor_id, ids = docs
    document, editor = db.session.get(Document, ids[2]), db.session.get(User, editor_id)
    documents.save(db.session, document, editor, "# Notes\n\nStraight away.\n", 1)
    assert app.test_client().get("/api/v1/search?q=straight&type=document").get_json()["total"] == 1
