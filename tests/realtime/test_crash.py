"""Crash safety: kill -9 the server while people type; every acknowledged edit survives the restart.

The protocol promises that an update is committed before it is acknowledged (docs/realtime.md), so a
change the client saw acknowledged must be there after the process dies at any moment. Editors insert
unique markers, each as its own update, and wait for that update's ack before the next one (fillers
in between are not waited for). The server is SIGKILLed mid-typing and restarted on the same
database; a fresh client then reads the text:

* every acknowledged marker is present exactly once;
* unacknowledged markers may be missing, but nothing is duplicated;
* when the editors reconnect, their unacknowledged changes are resent and everyone converges with
  every marker exactly once.

Two kill/restart rounds per backend, each at a random moment once enough edits were acknowledged.
"""

import random
import re
import threading
import time

import pytest

from tests.realtime.helpers import in_parallel, wait_until
from wiki.realtime.client import CollabClient

pytestmark = pytest.mark.slow

TYPISTS = 4
MARKER = re.compile(r"⟦k\d+-\d+-\d+⟧")
FILLER = ("a", " ", "\n", "é", "😀", "中文", "e\u0301")
START = "# Minutes\n\nTyped while the server dies 💥.\n"


def free_position(text: str, rng: random.Random) -> int:
    position = rng.randint(0, len(text))
    for match in MARKER.finditer(text):
        if match.start() < position < match.end():
            return match.end()
    return position


class Typist:
    def __init__(self, client: CollabClient, number: int, seed: int):
        self.client, self.number, self.rng = client, number, random.Random(seed)
        self.attempted: list[str] = []
        self.acked: list[str] = []

    def run(self, round_: int, stop: threading.Event) -> None:
        client, rng = self.client, self.rng
        step = 0
        while not stop.is_set() and client.connected:
            marker = f"⟦k{self.number}-{round_}-{step}⟧"
            step += 1
            with client._lock:  # no remote update between choosing the place and inserting
                client.insert(free_position(client.text, rng), marker)
                number = client._next - 1  # the local number of the update that carries the marker
            self.attempted.append(marker)
            deadline = time.monotonic() + 5
            while number in client._pending and client.connected and time.monotonic() < deadline:
                time.sleep(0.001)
            with client._lock:
                if number not in client._pending:
                    self.acked.append(marker)
                if rng.random() < 0.5:  # a filler nobody waits for
                    client.insert(free_position(client.text, rng), rng.choice(FILLER))
            time.sleep(rng.uniform(0, 0.005))






def _read(collab_server, doc_id: int, leaving: list[threading.Thread]) -> str:
    """The text a fresh client gets on joining (it leaves in the background: closing takes ~3 s)."""
    reader = CollabClient(collab_server.url, doc_id, token=collab_server.tokens[-1], timeout=20)
    reader.connect()
    text = reader.text
    leaving.append(threading.Thread(target=reader.disconnect))
    leaving[-1].start()
    return text


def test_acknowledged_edits_survive_kill_9(collab_server):
    if not collab_server.running:
        collab_server.start()
    rng = random.Random(4)
    doc_id = collab_server.new_document(START)
    clients = [CollabClient(collab_server.url, doc_id, token=collab_server.tokens[n], timeout=10)
               for n in range(TYPISTS)]
    typists = [Typist(client, n, rng.random()) for n, client in enumerate(clients)]
    in_parallel(lambda c: c.connect(), clients)
    leaving: list[threading.Thread] = []

    for round_ in range(2):
        stop = threading.Event()
        threads = [threading.Thread(target=t.run, args=(round_, stop)) for t in typists]
        for thread in threads:
            thread.start()
        goal = 12 * (round_ + 1)  # enough acknowledged edits for the round to mean something
        assert wait_until(lambda g=goal: sum(len(t.acked) for t in typists) >= g, 20), collab_server.log_tail()
        time.sleep(rng.uniform(0, 0.3))
        collab_server.kill()  # mid-typing: updates are in flight, some committed but not yet acked
        stop.set()
        for thread in threads:
            thread.join(15)
        assert not any(thread.is_alive() for thread in threads)
        collab_server.start()

        text = _read(collab_server, doc_id, leaving)
        acked = [m for t in typists for m in t.acked]
        attempted = [m for t in typists for m in t.attempted]
        missing = [m for m in acked if text.count(m) != 1]
        assert missing == [], f"acknowledged but lost or duplicated after kill -9: {missing}"
        assert all(text.count(m) <= 1 for m in attempted), "an edit was duplicated"
        assert sorted(MARKER.findall(text)) == sorted(set(MARKER.findall(text)))
        assert set(MARKER.findall(text)) <= set(attempted)
        assert collab_server.log_text(doc_id) == text

        # The editors come back: what was never acknowledged is resent, and nothing is doubled.
        in_parallel(lambda c: c.connect(), clients)
        assert all(c.wait_saved(20) for c in clients), [c.errors for c in clients]
        assert wait_until(lambda: len({c.text for c in clients}) == 1, 10), "editors did not converge"
        final = clients[0].text
        assert [m for m in attempted if final.count(m) != 1] == []
        assert _read(collab_server, doc_id, leaving) == final == collab_server.log_text(doc_id)


    in_parallel(lambda c: c.disconnect(), clients)
    for thread in leaving:
        thread.join(10)
