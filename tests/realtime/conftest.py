"""A real wiki server process for the realtime tests: `collab_server`, one per test module and backend.

The server is `python -m flask --app wiki serve` (Werkzeug, threaded; see tests/realtime/_servers.py)
on a free loopback port, against an SQLite file of its own (always) or a PostgreSQL database created
for the module and dropped after it (when WIKI_TEST_DATABASE_URL is set; skipped otherwise). The test
process prepares users, tokens and documents in the same database through an app of its own, and
reads back what the server stored.

    def test_something(collab_server):
        doc = collab_server.new_document("# Plan\\n")
        client = CollabClient(collab_server.url, doc, token=collab_server.tokens[0])
        ...
        collab_server.kill()      # SIGKILL, mid-whatever
        collab_server.start()     # same port, same database
"""

import contextlib
import os
import signal
import uuid
from pathlib import Path

import pytest
import requests

from tests.factories import add_member, make_space, make_user, token_for
from tests.realtime._servers import ServerProcess, free_port, server_env
from tests.throwaway import postgres_database_with_drop
from wiki import create_app
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.realtime import store, ydoc

PG_URL = os.environ.get("WIKI_TEST_DATABASE_URL")
EDITORS = 9  # eight typing editors and one more to read the result with


class CollabServer:
    """One server process plus the test's own view of its database."""

    def __init__(self, database_url: str, base: Path):
        self.database_url, self.base = database_url, base
        instance = base / "instance"
        self.port = free_port()
        self.env = server_env(database_url=database_url, redis_url=None, channel=f"wiki-test-{uuid.uuid4()}",
                              instance_path=instance)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("WIKI_INSTANCE_PATH", str(instance))
            self.app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
                                              "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with self.db():
            db.create_all()
            space = make_space("live")
            users = [make_user(f"Editor {n}") for n in range(EDITORS)]
            for user in users:
                add_member(space, user, "editor")
            self.tokens = [token_for(user) for user in users]
            self.names = [user.display_name for user in users]
            self.space_id, self.author_id = space.id, users[0].id
        self.process: ServerProcess | None = None
        self.starts = 0

    # --- the process ----------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "CollabServer":
        """Start (or restart) the server on the same port and database."""
        self.starts += 1
        self.process = ServerProcess("werkzeug", dict(self.env), self.base, port=self.port,
                                     name=f"collab-{self.starts}").start()
        return self

    def stop(self) -> None:
        if self.process is not None:
            self.process.stop()

    def kill(self) -> None:
        """SIGKILL the server process (it runs in a session of its own; nothing else is touched)."""
        proc = self.process.proc
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.proc.poll() is None

    def log_tail(self) -> str:
        return self.process.log_tail() if self.process else "(not started)"

    # --- the database, from the test process ------------------------------------------------------

    @contextlib.contextmanager
    def db(self):
        """A session on the shared database; it ends (no lock held) on exit."""
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    def new_document(self, body: str) -> int:
        from wiki.auth.models import User
        from wiki.spaces.models import Space

        with self.db() as session:
            space, author = session.get(Space, self.space_id), session.get(User, self.author_id)
            return documents.create_document(session, space, author, f"Doc {uuid.uuid4().hex[:8]}", body).id

    def head(self, doc_id: int) -> tuple[int, str]:
        """(head revision number, its text) as stored."""
        with self.db() as session:
            document = session.get(Document, doc_id)
            return document.head_number, documents.head(session, document).text

    def log_text(self, doc_id: int) -> str:
        """The live text rebuilt from the doc_updates log (what a restarted server loads)."""
        doc = ydoc.new_doc()
        with self.db() as session:
            for _seq, data in store.rows_after(session, doc_id, 0):
                doc.apply_update(data)
        return ydoc.get_text(doc)

    def api_document(self, doc_id: int) -> dict:
        response = requests.get(f"{self.url}/api/v1/documents/{doc_id}", timeout=10,
                                headers={"Authorization": f"Bearer {self.tokens[-1]}"})
        response.raise_for_status()
        return response.json()

    def close(self) -> None:
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def collab_server(request, tmp_path_factory):
    """A started server for this module; stopped (or killed, if a test left it dying) at the end."""
    drop = None
    base = tmp_path_factory.mktemp(f"collab-{request.param}")
    if request.param == "postgresql":
        if not PG_URL:
            pytest.skip("PostgreSQL tests skipped: WIKI_TEST_DATABASE_URL is not set")
        database_url, drop = postgres_database_with_drop(PG_URL, "wiki_rt")
    else:
        database_url = f"sqlite:///{base / 'wiki.sqlite'}"
    server = None
    try:
        server = CollabServer(database_url, base)
        yield server.start()
    finally:
        if server is not None:
            server.stop()
            server.close()
        if drop is not None:
            drop()
