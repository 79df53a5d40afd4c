"""Convergence: eight editors type at once, drop off, type offline, come back — and everyone agrees.

A real server process (see conftest.py) and eight CollabClients over websockets, each with the token
of a different editor, each in a thread of its own: random inserts (emoji, accents, combining marks,
CJK, newlines) and deletes at random places with 0–20 ms pauses, and now and then a disconnect, a few
edits while offline, and a reconnect (which resends what was not acknowledged). Every client also
inserts unique markers like ⟦c3-17⟧ and never deletes inside one, so each marker must end up in the
text exactly once: nothing lost, nothing duplicated.

At the end every client's text must equal the server's (a fresh client joining, and the update log
itself) and, once the last editor has left, the stored head revision (also read through the API).

Five seeds run by default (CI budget); WIKI_CONVERGENCE_SEEDS=50 runs a larger sweep.
"""

import os
import random
import re
import threading
import time

import pytest
import socketio

from tests.realtime.helpers import in_parallel, wait_until
from wiki.realtime.client import NAMESPACE, CollabClient

pytestmark = pytest.mark.slow

SEEDS = int(os.environ.get("WIKI_CONVERGENCE_SEEDS", "5"))
CLIENTS = 8
STEPS = 36  # edits per client, online and offline
MARKER = re.compile(r"⟦c\d+-\d+⟧")
FILLER = ("a", "bc", " ", "\n", "é", "e\u0301", "ñ", "😀", "👍🏽", "中", "文字", "ß", "𝄞", "# ", "\n\n", "–")
START = "# Plan\n\nFirst paragraph about housing 🏠.\n\nSecond paragraph, café ☕, 中文.\n"


def marker_spans(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in MARKER.finditer(text)]


def free_position(text: str, rng: random.Random) -> int:
    """A random code-point position that is not inside a marker."""
    position = rng.randint(0, len(text))
    for start, end in marker_spans(text):
        if start < position < end:
            return end
    return position


class Editor:
    """One client's random typing; remembers the markers it inserted."""

    def __init__(self, client: CollabClient, number: int, rng: random.Random):
        self.client, self.number, self.rng = client, number, rng
        self.markers: list[str] = []
        self.steps = 0

    def edit(self, marker_only: bool = False) -> None:
        # The client's lock keeps remote updates out between reading the text and editing it, so a
        # position chosen outside the markers is still outside them when the edit is made.
        client, rng = self.client, self.rng
        with client._lock:
            current = client.text
            choice = 0.0 if marker_only else rng.random()
            if choice < 0.3:
                marker = f"⟦c{self.number}-{self.steps}⟧"
                client.insert(free_position(current, rng), marker)
                self.markers.append(marker)
            elif choice < 0.7 or len(current) < 10:
                client.insert(free_position(current, rng), rng.choice(FILLER) * rng.randint(1, 3))
            else:
                start, length = rng.randint(0, len(current) - 1), rng.randint(1, 6)
                spans = marker_spans(current)
                if not any(s < start + length and start < e for s, e in spans):
                    client.delete(start, min(length, len(current) - start))
        self.steps += 1

    def run(self, offline_at: int | None) -> None:
        for step in range(STEPS):
            if step == offline_at:
                self.client.disconnect()
                self.edit(marker_only=True)  # offline edits stay unsaved until the reconnect
                for _ in range(self.rng.randint(1, 4)):
                    self.edit()
                assert self.client.unsaved
                self.client.connect()
            self.edit()
            time.sleep(self.rng.uniform(0, 0.02))






def test_a_bad_token_is_refused_by_the_real_server(collab_server):
    client = CollabClient(collab_server.url, 1, token="wk_not-a-real-token", timeout=5)
    refusals = []
    client.sio.on("connect_error", refusals.append, namespace="/collab")
    with pytest.raises(socketio.exceptions.ConnectionError):
        client.connect()
    assert refusals == [{"message": "unauthorized"}]


@pytest.mark.parametrize("seed", range(SEEDS))
def test_random_concurrent_editing_converges(collab_server, seed):
    rng = random.Random(seed)
    doc_id = collab_server.new_document(START)
    clients = [CollabClient(collab_server.url, doc_id, token=collab_server.tokens[n], timeout=20)
               for n in range(CLIENTS)]
    editors = [Editor(client, n, random.Random(rng.random())) for n, client in enumerate(clients)]
    offline_at = [rng.randrange(5, STEPS - 5) if rng.random() < 0.5 else None for _ in editors]
    if all(step is None for step in offline_at):
        offline_at[rng.randrange(CLIENTS)] = rng.randrange(5, STEPS - 5)  # every seed has a reconnect
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            editors[n].run(offline_at[n])
        except BaseException as error:  # reported below, with the server's log
            failures.append(error)
            raise

    in_parallel(lambda c: c.connect(), clients)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, f"{failures!r}\n{collab_server.log_tail()}"

    assert all(client.wait_saved(20) for client in clients), [c.errors for c in clients]
    assert [client.errors for client in clients] == [[] for _ in clients]
    assert wait_until(lambda: len({client.text for client in clients}) == 1, 10), "clients did not converge"
    final = clients[0].text

    reader = CollabClient(collab_server.url, doc_id, token=collab_server.tokens[-1], timeout=20)
    reader.connect()
    assert reader.text == final
    assert collab_server.log_text(doc_id) == final

    inserted = [marker for editor in editors for marker in editor.markers]
    assert len(inserted) == len(set(inserted)) > CLIENTS
    counts = {marker: final.count(marker) for marker in inserted}
    assert {m: c for m, c in counts.items() if c != 1} == {}, "markers lost or duplicated"
    assert sorted(MARKER.findall(final)) == sorted(inserted)

    in_parallel(lambda c: c.disconnect(), [*clients, reader])  # the last editor leaves → a revision
    assert wait_until(lambda: collab_server.head(doc_id)[1] == final, 10), "no revision with the live text"
    number, _text = collab_server.head(doc_id)
    assert number >= 2
    document = collab_server.api_document(doc_id)
    assert document["text"] == final and document["revision"] == number


def test_a_missed_broadcast_is_made_up_by_the_next_resync(collab_server):
    """A copy that lost a broadcast catches up within one resync interval instead of staying behind."""
    doc_id = collab_server.new_document(START)
    writer = CollabClient(collab_server.url, doc_id, token=collab_server.tokens[0], resync=None)
    reader = CollabClient(collab_server.url, doc_id, token=collab_server.tokens[1], resync=0.5)
    in_parallel(lambda c: c.connect(), [writer, reader])
    hearing = reader.sio.handlers[NAMESPACE]["sync"]
    lost: list = []
    reader.sio.on("sync", lost.append, namespace=NAMESPACE)  # whatever arrives now is lost
    writer.insert(0, "Heard at last. ")
    assert writer.wait_saved(10)
    assert wait_until(lambda: lost, 5)
    assert not reader.text.startswith("Heard at last.")
    reader.sio.on("sync", hearing, namespace=NAMESPACE)
    assert wait_until(lambda: reader.text == writer.text, 5)
    in_parallel(lambda c: c.disconnect(), [writer, reader])

