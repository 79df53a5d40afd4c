"""The editors of bench/realtime.py: client processes that join one document, type, and time arrivals.

Two kinds, chosen with `--editors`:

* **raw** (default): `_raw_editor.RawEditor`, the protocol over raw websockets, every connection of a
  process read on one thread (50 editors per process). Cheap enough that the figures are the server's.
* **socketio**: python-socketio clients (`wiki.realtime.client._SocketIOClient`), a thread or two per
  connection (10 editors per process). What the bench used before; kept for comparison.

Each editor joins like a real client (join, SyncStep1, answers the server's SyncStep1), keeps its own
pycrdt Doc, and computes its updates in advance: each inserts a unique marker `~<editor>-<n>~` at a
random place. It sends them at a fixed rate (random phase), each with an ack id, and records when
every other editor's markers arrive. It does not apply the others' updates, so the client side stays
cheap. Times are `time.monotonic()`, one clock for every process.
"""

from __future__ import annotations

import contextlib
import gc
import heapq
import math
import random
import re
import threading
import time
import traceback
from array import array
from concurrent.futures import ThreadPoolExecutor

from _raw_editor import NAMESPACE, Pump, RawEditor

MARKER = re.compile(rb"~(\d+)-(\d+)~")
PER_PROCESS = {"raw": 50, "socketio": 10}  # editors per client process
_FIRST_UPDATE_ACK = 1000  # raw editors: ack id of update n is 1000 + n (join and sync use 1, 2)


def _client():
    from wiki.realtime.client import _SocketIOClient  # ordered receives, whole binary sends

    return _SocketIOClient(reconnection=False)


class SocketIOEditor:
    """One python-socketio editor: a socket, its precomputed updates, what it received."""

    def __init__(self, index: int, worker: Worker):
        self.index, self.worker = index, worker
        self.sio = _client()
        self.synced = threading.Event()
        self.sio.on("sync", self.on_sync, namespace=NAMESPACE)
        self.updates: list[tuple[int, bytes]] = []

    def connect(self, url: str, token: str | None, doc_id: int, handshake: bool) -> None:
        self.sio.connect(url, namespaces=[NAMESPACE], auth={"token": token} if token else None,
                         transports=["websocket"], wait_timeout=60)
        ack = self.sio.call("join", {"doc": doc_id}, namespace=NAMESPACE, timeout=60)
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")
        if handshake:
            from wiki.realtime import ydoc

            self.sio.call("sync", {"doc": doc_id, "data": ydoc.step1(ydoc.new_doc())}, namespace=NAMESPACE,
                          timeout=60)
            if not self.synced.wait(60):
                raise RuntimeError("no SyncStep1 from the server")

    def on_sync(self, data) -> None:
        body = data["data"]
        if body[0] == 2:  # an Update made by someone else
            self.worker.arrived(body, self.index, time.monotonic())
            return
        reply = self.worker.handshake_reply(body)
        if reply is not None:
            self.sio.emit("sync", {"doc": data["doc"], "data": reply}, namespace=NAMESPACE)
            self.synced.set()

    def send(self, doc_id: int, n: int) -> None:
        marker_id = self.index * 100000 + n
        self.sio.emit("sync", {"doc": doc_id, "data": self.updates[n][1]}, namespace=NAMESPACE,
                      callback=lambda ack: self.worker.on_ack(marker_id, ack))

    def close(self) -> None:
        with contextlib.suppress(Exception):  # closing down; nothing to report
            self.sio.disconnect()


class LeanEditor:
    """One raw-websocket editor; a `Pump` reads it while the level runs."""

    def __init__(self, index: int, worker: Worker):
        self.index, self.worker = index, worker
        self.raw = RawEditor()
        self.updates: list[tuple[int, bytes]] = []

    def connect(self, url: str, token: str | None, doc_id: int, handshake: bool) -> None:
        self.raw.connect(url, token)
        ack = self.raw.call("join", {"doc": doc_id})
        if not ack.get("ok"):
            raise RuntimeError(f"join refused: {ack}")
        if handshake:
            from wiki.realtime import ydoc

            def answer(body: bytes) -> None:
                reply = self.worker.handshake_reply(body)
                if reply is not None:
                    self.raw.emit("sync", {"doc": doc_id}, reply)

            self.raw.call("sync", {"doc": doc_id}, ydoc.step1(ydoc.new_doc()), answer=answer)
        self.raw.on_update = self.on_update
        self.raw.on_ack = lambda ack_id, ack: self.worker.on_ack(
            self.index * 100000 + ack_id - _FIRST_UPDATE_ACK, ack)

    def on_update(self, body: bytes, now: float) -> None:
        if body[0] == 2:  # an Update made by someone else (a SyncStep reply is not timed)
            self.worker.arrived(body, self.index, now)

    def send(self, doc_id: int, n: int) -> None:
        self.raw.emit("sync", {"doc": doc_id}, self.updates[n][1], ack=_FIRST_UPDATE_ACK + n)

    def close(self) -> None:
        self.raw.close()


class Worker:
    """A client process: its editors, a sending schedule, and tables of sends, acks and arrivals."""

    def __init__(self, spec: dict):
        self.spec = spec
        self.base_update: bytes | None = None
        kind = LeanEditor if spec["kind"] == "raw" else SocketIOEditor
        self.editors = [kind(i, self) for i in spec["editors"]]
        self.sent = array("q")  # marker ids (editor * 100000 + n)
        self.sent_at = array("d")
        self.acked = array("q")
        self.acked_at = array("d")
        self.got = array("q")  # (marker id) * 1000 + receiving editor
        self.got_at = array("d")
        self.errors = 0
        self.lock = threading.Lock()  # the tables above, written by the editors' threads
        self.go, self.sending_done, self.stopping = threading.Event(), threading.Event(), threading.Event()
        self.start_at = 0.0  # set with `go`

    def arrived(self, body: bytes, receiver: int, when: float) -> None:
        with self.lock:  # socketio editors call this from a thread each: keep the pairs in step
            for match in MARKER.finditer(body):
                self.got.append((int(match[1]) * 100000 + int(match[2])) * 1000 + receiver)
                self.got_at.append(when)

    def handshake_reply(self, body: bytes) -> bytes | None:
        """Note the server's SyncStep2 (the document); answer its SyncStep1 (we have nothing it lacks)."""
        from wiki.realtime import ydoc

        kind, payload = ydoc.parse_sync(body)
        if kind == 1 and self.base_update is None:
            self.base_update = payload
        elif kind == 0:
            return ydoc.step2(ydoc.new_doc(), payload)
        return None

    def on_ack(self, marker_id: int, ack) -> None:
        with self.lock:
            if ack and ack.get("ok"):
                self.acked.append(marker_id)
                self.acked_at.append(time.monotonic())
            else:
                self.errors += 1

    def tables(self) -> dict:
        with self.lock:
            return {"sent": self.sent.tobytes(), "sent_at": self.sent_at.tobytes(), "acked": self.acked.tobytes(),
                    "acked_at": self.acked_at.tobytes(), "got": self.got.tobytes(), "got_at": self.got_at.tobytes(),
                    "errors": self.errors}

    def join_all(self) -> None:
        spec = self.spec
        handshake = spec["mode"] == "wiki"

        def join(editor) -> None:
            token = spec["tokens"][editor.index % len(spec["tokens"])] if spec["tokens"] else None
            editor.connect(spec["url"], token, spec["doc"], handshake)

        join(self.editors[0])  # the first join loads the room; the others join in parallel
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(join, self.editors[1:]))
        if not handshake:
            from wiki.realtime import ydoc

            doc = ydoc.new_doc()
            ydoc.apply_text(doc, spec["text"])
            self.base_update = doc.get_update()
        rng = random.Random(spec["seed"])
        count = math.ceil(spec["rate"] * spec["duration"]) + 2
        for editor in self.editors:
            prepare(editor, self.base_update, count, rng)

    def run(self) -> None:
        """From "ready" to "stop": raw editors are read on this thread all along (so Engine.IO pings are
        answered while the other processes get ready), and on `go` every editor's updates are sent."""
        pump = Pump([editor.raw for editor in self.editors]) if self.spec["kind"] == "raw" else None
        try:
            while not self.go.is_set():
                if pump:
                    pump.wait(0.05)
                else:
                    self.go.wait(0.05)
            self._send_all(pump)
            self.sending_done.set()
            while pump and not self.stopping.is_set():
                pump.wait(0.05)
        except Exception:  # noqa: BLE001 - a lost connection: counted, printed, and the level goes on
            with self.lock:
                self.errors += 1
            traceback.print_exc()
        finally:
            self.sending_done.set()
            if pump:
                pump.close()

    def _send_all(self, pump: Pump | None) -> None:
        """Each editor's updates at `rate` per second from `start_at` for `duration` seconds."""
        spec = self.spec
        rng = random.Random(spec["seed"] + 1)
        interval, end = 1.0 / spec["rate"], self.start_at + spec["duration"]
        queue = [(due, editor.index, 0) for editor in self.editors
                 if (due := self.start_at + rng.uniform(0, interval)) < end]
        heapq.heapify(queue)
        by_index = {editor.index: editor for editor in self.editors}
        while queue:
            due, index, n = queue[0]
            delay = due - time.monotonic()
            if delay > 0:
                if pump:
                    pump.wait(delay)
                else:
                    time.sleep(delay)
                continue
            heapq.heappop(queue)
            with self.lock:
                self.sent.append(index * 100000 + n)
                self.sent_at.append(time.monotonic())
            by_index[index].send(spec["doc"], n)
            if due + interval < end:
                heapq.heappush(queue, (due + interval, index, n + 1))

    def close(self) -> None:
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda editor: editor.close(), self.editors))


def prepare(editor, base_update: bytes, count: int, rng: random.Random) -> None:
    """`count` updates for `editor`, each inserting its next marker at a random place."""
    from wiki.realtime import ydoc

    doc = ydoc.new_doc()
    doc.apply_update(base_update)
    text, current = ydoc.text_of(doc), ydoc.get_text(doc)
    for n in range(count):
        marker = f"~{editor.index}-{n}~ "
        position = rng.randint(0, len(current))
        before = doc.get_state()
        text.insert(ydoc.byte_offset(current, position), marker)
        current = current[:position] + marker + current[position:]
        editor.updates.append((n, ydoc.update_body(doc.get_update(before))))


def worker_main(spec: dict, conn) -> None:
    """Client process: join → "ready" → wait for ("go", start) → send → answer "count" → "stop"."""
    import resource

    worker = Worker(spec)
    try:
        worker.join_all()
    except Exception as error:  # noqa: BLE001 - reported to the orchestrator
        conn.send(("failed", repr(error)))
        worker.close()
        return
    gc.collect()
    gc.freeze()  # the editors, their Docs and prepared updates live to the end: no full collection walks them
    conn.send(("ready", len(worker.editors)))
    runner, cpu_at_go = threading.Thread(target=worker.run, daemon=True), 0.0
    runner.start()

    def cpu() -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime

    while True:
        command, arg = conn.recv()
        if command == "go":
            cpu_at_go, worker.start_at = cpu(), arg
            worker.go.set()
        elif command == "count":
            conn.send((len(worker.sent), len(worker.acked), len(worker.got), worker.sending_done.is_set()))
        elif command == "stop":
            worker.stopping.set()
            runner.join(10)
            spent = cpu() - cpu_at_go
            worker.close()  # no more arrivals: the socketio editors' threads end with their connections
            conn.send({**worker.tables(), "cpu": spent})
            return
