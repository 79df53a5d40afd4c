"""Group commit through the real /collab events: updates sent while a commit is in flight are stored
in one transaction, acknowledged and broadcast only after it (one merged message per connection);
a failed batch acknowledges, broadcasts and stores nothing, and the editors' resends then land
(docs/realtime.md, Performance)."""

import threading

from tests.realtime.helpers import wait_until
from tests.web.test_collab_events import NS, editor_peer, peers, rows, stored_text, world  # noqa: F401
from wiki.realtime import service, store, ydoc


class HeldLog:
    """store.append, with the first call held until released (so other updates queue behind it)
    and, optionally, the next call failing as a full disk would."""

    def __init__(self, monkeypatch, fail_second: bool = False):
        self.real, self.calls, self.monkeypatch = store.append, [], monkeypatch
        self.release, self.holding = threading.Event(), threading.Event()
        self.fail_second = fail_second

    def install(self) -> None:
        self.monkeypatch.setattr(store, "append", self)

    def __call__(self, session, document_id, new_rows):
        self.calls.append([seq for seq, _data, _user in new_rows])
        if len(self.calls) == 1:
            self.holding.set()
            assert self.release.wait(10)
        elif len(self.calls) == 2 and self.fail_second:
            raise OSError("disk full")
        return self.real(session, document_id, new_rows)


def send_in_threads(editors, updates) -> tuple[list, list[threading.Thread]]:
    """Each editor sends its update from its own thread (as the server's per-connection threads do)."""
    acks: list = [None] * len(editors)

    def send(index: int) -> None:
        payload = {"doc": editors[index].doc_id, "data": ydoc.update_body(updates[index])}
        try:
            acks[index] = editors[index].sio.emit("sync", payload, namespace=NS, callback=True)
        except Exception as error:  # noqa: BLE001 - a failed commit raises in the handler: no ack
            acks[index] = error

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(editors))]
    for thread in threads:
        thread.start()
    return acks, threads


def queued(doc_id: int, count: int) -> bool:
    return len(service.rooms().get(doc_id).writes._queue) == count


def start_held_commit(peers, world, log):  # noqa: F811 - the fixtures imported above
    """An editor's update whose commit is held; three more editors send theirs meanwhile."""
    first = editor_peer(peers, world)
    others = [editor_peer(peers, world, role) for role in ("facilitator", "admin", "editor")]
    watcher = editor_peer(peers, world, "contributor")
    updates = [peer.append(f" [{n}]") for n, peer in enumerate(others)]
    before = rows(world.public)
    log.install()
    held, held_threads = send_in_threads([first], [first.append(" [held]")])
    assert log.holding.wait(10)
    acks, threads = send_in_threads(others, updates)
    assert wait_until(lambda: queued(world.public, 3), 10), "the updates did not wait for the commit"
    assert acks == [None, None, None]  # nobody is answered while the commit before theirs runs
    log.release.set()
    for thread in held_threads + threads:
        thread.join(10)
    return before, held, acks, others, updates, watcher


def test_updates_sent_during_a_commit_are_stored_together_then_each_acked_and_broadcast(
        monkeypatch, peers, world):  # noqa: F811
    log = HeldLog(monkeypatch)
    before, held, acks, others, _updates, watcher = start_held_commit(peers, world, log)

    assert held[0]["ok"] and held[0]["seq"] == before + 1
    assert all(ack["ok"] for ack in acks), acks
    assert sorted(ack["seq"] for ack in acks) == [before + 2, before + 3, before + 4]
    assert log.calls == [[before + 1], [before + 2, before + 3, before + 4]]  # one transaction for three
    assert rows(world.public) == before + 4
    text = stored_text(world.public)
    assert all(text.count(marker) == 1 for marker in (" [held]", " [0]", " [1]", " [2]"))
    assert len(watcher.take("sync")) == 2  # the held update, then the batch of three as one message
    assert watcher.text == text
    for peer in others:  # each sender: the held update, then the two others' (never its own back)
        assert len(peer.take("sync")) == 2
        assert peer.text == text


def test_a_failed_batch_acknowledges_nothing_and_stores_nothing_and_resends_land(
        monkeypatch, peers, world):  # noqa: F811
    log = HeldLog(monkeypatch, fail_second=True)
    before, held, acks, others, updates, watcher = start_held_commit(peers, world, log)

    assert held[0]["ok"]
    assert not any(isinstance(ack, dict) and ack.get("ok") for ack in acks), acks
    assert rows(world.public) == before + 1
    assert not any(marker in stored_text(world.public) for marker in (" [0]", " [1]", " [2]"))
    watcher.take("sync")
    assert " [held]" in watcher.text and " [0]" not in watcher.text  # nothing unsaved was broadcast

    for peer, update in zip(others, updates, strict=True):  # what a client does with unacknowledged changes
        assert peer.send(update)["ok"]
    text = stored_text(world.public)
    assert all(text.count(marker) == 1 for marker in (" [held]", " [0]", " [1]", " [2]"))
    assert rows(world.public) == before + 4
