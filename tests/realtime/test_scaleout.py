"""Scale-out (issue 4): several server processes share rooms through Redis and the shared database.

Two real server processes (ports on loopback) share one database and one Redis channel; Python
CollabClients connect to both over websockets. Every test run uses a Redis channel of its own
(WIKI_SOCKETIO_CHANNEL=wiki-test-<uuid>), so runs sharing a Redis never see each other, and a
database of its own: an SQLite file (WAL, shared by both processes; always) and a PostgreSQL
database created for the run and dropped after it (when WIKI_TEST_DATABASE_URL is set).

Each backend runs behind both servers we document: `flask serve` (Werkzeug, threaded) and gunicorn
with docs/deploy/gunicorn.conf.py (one gthread worker, production config), so the deploy guide's
configuration is tested here.

Needs WIKI_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0); skipped with that reason otherwise.
The last test (packets stay whole when threads send at once) needs no server and always runs.
"""

import contextlib
import os
import random
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.factories import add_member, make_document, make_space, make_user, token_for
from tests.realtime._servers import ServerProcess, server_env, start_all, stop_all
from tests.realtime.helpers import wait_until
from tests.throwaway import postgres_database_with_drop
from wiki import create_app
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.realtime import store, ydoc
from wiki.realtime.client import CollabClient

REDIS_URL = os.environ.get("WIKI_TEST_REDIS_URL")
PG_URL = os.environ.get("WIKI_TEST_DATABASE_URL")

REDIS_SKIP = "Scale-out tests skipped: WIKI_TEST_REDIS_URL is not set"
needs_redis = pytest.mark.skipif(not REDIS_URL, reason=REDIS_SKIP)

MARKER = re.compile(r"<[a-z0-9-]+>")  # what the random editors insert; filler never contains < or >
FILLER = ("a", "é", "😀", "中", " ", "\n", "xy", "ñ ")


# --- the cluster: one database, one Redis channel, two server processes -------------------------------


@dataclass
class Cluster:
    app: object
    servers: list[ServerProcess]
    channel: str
    space_id: int
    tokens: list[str]
    opened: list[CollabClient] = field(default_factory=list)

    @property
    def urls(self) -> list[str]:
        return [server.url for server in self.servers]

    @contextlib.contextmanager
    def db(self):
        """The shared database from the test process; the session ends (no lock held) on exit."""
        with self.app.app_context():
            try:
                yield db.session
            finally:
                db.session.remove()

    def new_document(self, body: str = "# Plan\n\nStart.\n") -> int:
        from wiki.auth.models import User
        from wiki.spaces.models import Space

        with self.db() as session:
            space = session.get(Space, self.space_id)
            user = session.scalars(db.select(User).order_by(User.id)).first()
            return make_document(space, user, f"Doc {uuid.uuid4().hex[:8]}", body).id

    def client(self, server: int, doc_id: int, n: int = 0) -> CollabClient:
        client = CollabClient(self.urls[server], doc_id, token=self.tokens[n % len(self.tokens)], timeout=15)
        self.opened.append(client)
        client.connect()
        return client

    def close_clients(self) -> None:
        for client in self.opened:
            with contextlib.suppress(Exception):
                client.disconnect()
        self.opened.clear()

    def logs(self) -> str:
        return "\n".join(f"--- {s.name} ---\n{s.log_tail(2000)}" for s in self.servers)


@pytest.fixture(
    scope="module",
    params=[("sqlite", "werkzeug"), ("sqlite", "gunicorn"), ("postgresql", "werkzeug"), ("postgresql", "gunicorn")],
    ids=lambda p: "-".join(p),
)
def cluster(request, tmp_path_factory):
    backend, kind = request.param
    if not REDIS_URL:
        pytest.skip(REDIS_SKIP)
    if backend == "postgresql" and not PG_URL:
        pytest.skip("PostgreSQL tests skipped: WIKI_TEST_DATABASE_URL is not set")
    import redis

    redis.Redis.from_url(REDIS_URL).ping()  # set but unreachable is a failure, not a skip

    base = tmp_path_factory.mktemp(f"scaleout-{backend}-{kind}")
    drop = None
    if backend == "postgresql":
        database_url, drop = postgres_database_with_drop(PG_URL, "wiki_scale")
    else:
        database_url = f"sqlite:///{base / 'wiki.sqlite'}"
    instance = base / "instance"
    channel = f"wiki-test-{uuid.uuid4()}"

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WIKI_INSTANCE_PATH", str(instance))
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": None,
                                     "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.create_all()
        space = make_space("scale")
        users = [make_user(f"Editor {n}") for n in range(3)]
        for user in users:
            add_member(space, user, "editor")
        tokens = [token_for(users[n % 3]) for n in range(8)]
        space_id = space.id
        db.session.remove()

    config = "production" if kind == "gunicorn" else "testing"
    env = server_env(database_url=database_url, redis_url=REDIS_URL, channel=channel, instance_path=instance,
                     config=config)
    servers = [ServerProcess(kind, env, base, name=f"{kind}-{'AB'[n]}") for n in range(2)]
    try:
        found = Cluster(app, start_all(servers), channel, space_id, tokens)
        yield found
        found.close_clients()
    finally:
        stop_all(servers)
        with app.app_context():
            db.engine.dispose()
        if drop is not None:
            drop()


@pytest.fixture
def run(cluster):
    """The cluster for one test; its clients are disconnected afterwards, server logs shown on failure."""
    yield cluster
    cluster.close_clients()




def _converged(clients, timeout: float = 10.0) -> bool:
    return wait_until(lambda: len({c.text for c in clients}) == 1, timeout, 0.02)


# --- delivery through Redis ----------------------------------------------------------------------------


@pytest.mark.slow
@needs_redis
def test_an_update_on_one_process_reaches_a_client_on_the_other_within_a_second(run):
    import redis

    doc = run.new_document()
    listener = redis.Redis.from_url(REDIS_URL).pubsub()
    listener.subscribe(run.channel)
    a, b = run.client(0, doc, 0), run.client(1, doc, 1)
    latencies = []
    for trial in range(10):
        sender, receiver = (a, b) if trial % 2 == 0 else (b, a)
        marker = f"<hop-{trial}>"
        start = time.monotonic()
        sender.insert(len(sender.text), marker)
        arrived = wait_until(lambda m=marker, r=receiver: m in r.text, 3.0, 0.001)
        latencies.append(time.monotonic() - start)
        assert arrived, f"{marker} never reached the other process\n{run.logs()}"
    assert max(latencies) <= 1.0, f"latencies {[round(x, 3) for x in latencies]}"
    assert a.wait_saved() and b.wait_saved()
    assert a.text == b.text and not a.errors and not b.errors

    # The traffic went through this run's own channel (not a shared default).
    published = 0
    while (message := listener.get_message(timeout=0.2)) is not None:
        published += message["type"] == "message"
    listener.close()
    assert published >= 10


@pytest.mark.slow
@needs_redis
def test_an_api_save_handled_by_one_process_reaches_editors_on_the_other(run):
    doc = run.new_document("# Plan\n\nFirst paragraph.\n")
    on_b = [run.client(1, doc, n) for n in range(2)]
    on_a = run.client(0, doc, 2)
    on_b[0].insert(0, "Live words. ")  # the live draft now differs from the head revision
    assert on_b[0].wait_saved()

    headers = {"Authorization": f"Bearer {run.tokens[3]}"}
    head = requests.get(f"{run.urls[0]}/api/v1/documents/{doc}", headers=headers, timeout=10).json()
    saved = requests.put(f"{run.urls[0]}/api/v1/documents/{doc}", headers=headers, timeout=10, json={
        "text": head["text"] + "\nSaved through the API on process A.\n", "base_revision": head["revision"]})
    assert saved.status_code == 200, saved.text

    for client in [*on_b, on_a]:
        assert wait_until(lambda c=client: "Saved through the API" in c.text, 3.0), f"{client.text!r}\n{run.logs()}"
    assert _converged([*on_b, on_a])
    final = on_a.text
    assert final.startswith("Live words. # Plan") and final.count("Saved through the API") == 1


# --- many editors on both processes, moving between them -----------------------------------------------


def _boundary(text_now: str, rng: random.Random) -> int:
    """A random position that is not inside a marker."""
    position = rng.randint(0, len(text_now))
    for match in MARKER.finditer(text_now):
        if match.start() < position < match.end():
            return match.end()
    return position


def _edit(client: CollabClient, name: str, step: int, rng: random.Random, markers: list[str]) -> None:
    # Hold the client's lock so a remote update cannot move the text between choosing and editing.
    with client._lock:
        current = client.text
        choice = rng.random()
        if choice < 0.45:
            marker = f"<{name}-{step}>"
            client.insert(_boundary(current, rng), marker)
            markers.append(marker)
        elif choice < 0.75 or len(current) < 8:
            client.insert(_boundary(current, rng), rng.choice(FILLER))
        else:
            start = rng.randint(0, len(current) - 3)
            length = rng.randint(1, 3)
            if not any(m.start() < start + length and start < m.end() for m in MARKER.finditer(current)):
                client.delete(start, length)


def _editor(run, client, name, seed, markers, failures, move: bool) -> None:
    rng = random.Random(seed)
    try:
        for step in range(40):
            if move and step == 15:  # drop off, keep typing offline, come back on the OTHER process
                client.disconnect()
                for offline in range(3):
                    _edit(client, name, 100 + offline, rng, markers)
                client.url = run.urls[1 - run.urls.index(client.url)]
                client.connect()
            _edit(client, name, step, rng, markers)
            time.sleep(rng.uniform(0.002, 0.03))
    except Exception as error:  # reported by the test, with the server logs
        failures.append(f"{name}: {error!r}")


@pytest.mark.slow
@needs_redis
def test_random_editing_on_both_processes_converges_and_is_stored(run):
    seed = random.randrange(1 << 30)
    doc = run.new_document("# Strategy\n\nOpening words.\n")
    clients = [run.client(server, doc, n) for n, server in enumerate([0, 0, 0, 1, 1, 1])]
    names = [f"{'ab'[server]}{n}" for n, server in enumerate([0, 0, 0, 1, 1, 1])]
    markers: dict[str, list[str]] = {name: [] for name in names}
    failures: list[str] = []
    movers = {0, 1, 4}  # two from process A move to B, one from B moves to A
    threads = [
        threading.Thread(target=_editor, args=(run, c, name, seed + n, markers[name], failures, n in movers))
        for n, (c, name) in enumerate(zip(clients, names, strict=True))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    context = f"seed {seed}\n{run.logs()}"
    assert not failures, f"{failures}\n{context}"
    assert sum(c.url == run.urls[0] for c in clients) == 2  # the moves happened
    for client in clients:
        assert client.wait_saved(20), f"unsaved {client.unsaved}, errors {client.errors}\n{context}"
    assert _converged(clients), f"{[c.text for c in clients]}\n{context}"
    assert all(not c.errors for c in clients), [c.errors for c in clients]

    final = clients[0].text
    expected = [m for name in names for m in markers[name]]
    assert len(expected) > 60
    for marker in expected:
        assert final.count(marker) == 1, f"{marker} appears {final.count(marker)} times (seed {seed})"
    assert len(MARKER.findall(final)) == len(expected), "a marker was split or invented"

    # The update log replays to the same text...
    with run.db() as session:
        replay = ydoc.new_doc()
        for _seq, data in store.rows_after(session, doc, 0):
            replay.apply_update(data)
    assert ydoc.get_text(replay) == final

    # ...and once everyone has left, each process's snapshot makes it the head revision.
    run.close_clients()

    def stored() -> str:
        with run.db() as session:
            return documents.head(session, session.get(Document, doc)).text

    assert wait_until(lambda: stored() == final, 15, 0.1), f"head revision differs from the live text\n{context}"


@pytest.mark.slow
@needs_redis
def test_server_processes_are_separate_and_use_the_deploy_config(run):
    """Guard against a test that passes because both 'processes' are one: two pids, two ports."""
    pids = {server.pid for server in run.servers}
    assert len(pids) == 2
    assert len({server.port for server in run.servers}) == 2
    for server in run.servers:
        assert Path(f"/proc/{server.pid}").exists()


# --- one client, several sending threads: each binary event must arrive whole ---------------------------


@pytest.mark.parametrize("queue", ["no-queue", "redis"])
def test_a_binary_event_is_never_split_by_another_send_to_the_same_client(queue, tmp_path, monkeypatch):
    """In threading mode the handler thread (acks), other clients' threads (broadcasts) and the Redis
    listener all send to one client. A `sync` event is a header packet plus an attachment; another
    packet between them makes the client pair the wrong data (a lost update and a lost ack). The
    sends are slowed here so that, unserialised, they interleave nearly every time."""
    if queue == "redis" and not REDIS_URL:
        pytest.skip(REDIS_SKIP)
    from socketio import packet

    from wiki.extensions import socketio

    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("WIKI_SOCKETIO_CHANNEL", f"wiki-test-{uuid.uuid4()}")
    create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite'}",
                           "REDIS_URL": REDIS_URL if queue == "redis" else None})
    server = socketio.server
    sent: list[str | bytes] = []

    def record(_eio_sid, data):
        sent.append(data)
        time.sleep(0.0005)  # a send that blocks for a moment (a contended queue) lets others run

    server.eio.send = record
    server.eio.send_packet = lambda eio_sid, pkt: record(eio_sid, pkt.data)
    sid = server.manager.connect("eio-1", "/collab")
    server.manager.enter_room(sid, "/collab", "doc:1")

    def broadcasts():
        for n in range(40):
            socketio.emit("sync", {"doc": 1, "data": bytes([n]) * 8}, to="doc:1", namespace="/collab")

    def acks():
        for n in range(40):
            server._send_packet("eio-1", packet.Packet(packet.ACK, namespace="/collab", id=n, data=[{"ok": True}]))

    threads = [threading.Thread(target=broadcasts), threading.Thread(target=acks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    recorded = sent[:]  # before the disconnect packet
    server.manager.disconnect(sid, "/collab")

    assert len(recorded) == 40 * 2 + 40
    for n, item in enumerate(recorded):
        if isinstance(item, str) and item.startswith("5"):  # a binary event's header…
            assert isinstance(recorded[n + 1], bytes), f"packet {n + 1} split a binary event: {recorded[n:n + 2]}"
        elif isinstance(item, bytes):  # …and an attachment only ever right after one
            assert isinstance(recorded[n - 1], str) and recorded[n - 1].startswith("5")


@pytest.mark.slow
@needs_redis
def test_deleting_a_document_on_one_process_resets_its_editors_on_the_other(run):
    """The deletion is handled by process A; editors connected to B are told through Redis, and B
    refuses (never stores) what they send afterwards."""
    doc = run.new_document()
    on_b, on_a = run.client(1, doc, 0), run.client(0, doc, 1)
    with run.db():
        token = token_for(make_user("Deleting Admin", admin=True))
    gone = requests.delete(f"{run.urls[0]}/api/v1/documents/{doc}", headers={"Authorization": f"Bearer {token}"},
                           timeout=10)
    assert gone.status_code == 204, gone.text

    def told(client) -> bool:
        return any(e.get("code") == "reset" and e.get("reason") == "deleted" for e in client.errors)

    for client in (on_b, on_a):
        assert wait_until(lambda c=client: told(c), 3.0), f"{client.errors}\n{run.logs()}"
    on_b.insert(0, "Too late. ")
    assert wait_until(lambda: any(e.get("code") in ("not_joined", "not_found") for e in on_b.errors), 3.0)
    with run.db() as session:
        assert session.get(Document, doc) is None
        assert store.last_seq(session, doc) == 0
