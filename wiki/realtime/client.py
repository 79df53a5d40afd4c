"""A small Python client for /collab (python-socketio + pycrdt), for tests, benchmarks and scripts.

It follows docs/realtime.md: join, SyncStep1 both ways, batched local updates acknowledged one by
one, resent after a reconnect until acknowledged. Positions are code points, like the API.

    client = CollabClient("http://127.0.0.1:5000", doc_id=7, token="wk_…")
    client.connect()
    client.insert(0, "Hello ")
    client.wait_saved()

`on_update(text)` is called after each remote change, on the connection's read thread: it must
return quickly and must not wait for this client (no `sio.call()`).
"""

import threading
import time
from collections.abc import Callable

import engineio
import socketio
from pycrdt import Doc

from wiki.realtime import awareness, ydoc

NAMESPACE = "/collab"


class _InOrderEngineIOClient(engineio.Client):
    """Handles received messages one at a time, in arrival order, on the read thread.

    python-engineio's client starts a new thread for every received message, and python-socketio
    reassembles a binary event (a header packet, then its attachments) in whichever thread runs
    first: under load an attachment is paired with the wrong header ("invalid literal for int()"),
    the event is lost, and events and acks arrive out of order. Our handlers never block, so they
    can run on the read thread. (A handler must not call `sio.call()`: it would wait for itself.)
    """

    def _trigger_event(self, event, *args, **kwargs):
        if event == "message":
            kwargs["run_async"] = False
        return super()._trigger_event(event, *args, **kwargs)


class _SocketIOClient(socketio.Client):
    """A socketio.Client whose binary events survive concurrent sends, quick receives and closing.

    A binary event goes out as a header packet followed by its attachments; two threads emitting
    at once (the caller's thread and the read thread answering a SyncStep1) could interleave them,
    which the server then misreads. Sending a packet is made atomic and receiving sequential.
    disconnect() forgets a half-received event while the read thread may still be handing it the
    attachment, so closing and receiving take turns, and what arrives once closing has begun is
    dropped (the next join resyncs; unacknowledged updates are sent again).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._send_lock = threading.Lock()
        self._receive_lock = threading.RLock()  # re-entered when a message makes us disconnect

    def _engineio_client_class(self):
        return _InOrderEngineIOClient

    def _send_packet(self, pkt):
        with self._send_lock:
            super()._send_packet(pkt)

    def _handle_eio_message(self, data):
        with self._receive_lock:
            if self.eio.state == "connected":
                super()._handle_eio_message(data)

    def _handle_eio_disconnect(self, *args, **kwargs):
        with self._receive_lock:
            return super()._handle_eio_disconnect(*args, **kwargs)

    def _handle_eio_connect(self):
        # disconnect() resets the half-received binary event before the read thread has stopped, so
        # a header read while closing survives it and would swallow the next connection's first
        # packet (its namespace CONNECT: "Unexpected connection error"). A new connection starts clean.
        self._binary_packet = None
        super()._handle_eio_connect()


class CollabError(RuntimeError):
    """The server refused something; `code` is the protocol's error code."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code


class CollabClient:
    def __init__(self, url: str, doc_id: int, *, token: str | None = None, cookies: dict | None = None,
                 timeout: float = 10.0, on_update: Callable[[str], None] | None = None,
                 resync: float | None = 5.0):
        self.url, self.doc_id, self.token, self.cookies, self.timeout = url, doc_id, token, cookies, timeout
        self.resync = resync  # seconds between SyncStep1 checks while connected (None: never)
        self._resync_generation = 0
        self.doc: Doc = ydoc.new_doc()
        self.role: str | None = None
        self.user: dict | None = None
        self.errors: list[dict] = []
        self.peers: dict[int, dict] = {}
        self.on_update = on_update
        self._lock = threading.RLock()
        self._pending: dict[int, bytes] = {}  # local updates not yet acknowledged, by local number
        self._next = 0
        self._local: list[bytes] = []
        self._remote = False
        self._synced = threading.Event()
        self.doc.observe(self._captured)
        self.sio = _SocketIOClient(reconnection=False)
        self.sio.on("sync", self._on_sync, namespace=NAMESPACE)
        self.sio.on("awareness", self._on_awareness, namespace=NAMESPACE)
        self.sio.on("peer-left", self._on_peer_left, namespace=NAMESPACE)
        self.sio.on("reset", lambda data: self.errors.append({"code": "reset", **data}), namespace=NAMESPACE)

    # --- connection ----------------------------------------------------------------------------

    def connect(self) -> dict:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
        self.sio.connect(self.url, namespaces=[NAMESPACE], auth={"token": self.token} if self.token else None,
                         headers=headers, transports=["websocket"], wait_timeout=self.timeout)
        return self.join()

    def join(self) -> dict:
        ack = self._call("join", {"doc": self.doc_id})
        self.role, self.user = ack["role"], ack["user"]
        self._synced.clear()
        with self._lock:
            body = ydoc.step1(self.doc)
        self._call("sync", {"doc": self.doc_id, "data": body})
        self._synced.wait(self.timeout)
        self._resend()
        self._start_resync()
        return ack

    def disconnect(self) -> None:
        self._resync_generation += 1  # stops this connection's resync loop
        if self.sio.connected:
            self.sio.disconnect()

    def _start_resync(self) -> None:
        """Send SyncStep1 every `resync` seconds while connected, as y-websocket's resyncInterval does.

        The server answers with whatever this client lacks, so a broadcast that never arrived is
        made up within one interval instead of leaving this copy behind for good: under load pycrdt
        can leave structs that arrived before their dependencies pending for good, and the resync
        delivers them again once their dependencies are in (docs/realtime.md, "Resync")."""
        if not self.resync:
            return
        self._resync_generation += 1
        generation = self._resync_generation

        def loop() -> None:
            while True:
                time.sleep(self.resync)
                if generation != self._resync_generation or not self.sio.connected:
                    return
                with self._lock:
                    body = ydoc.step1(self.doc)
                try:
                    self.sio.emit("sync", {"doc": self.doc_id, "data": body}, namespace=NAMESPACE)
                except socketio.exceptions.SocketIOError:
                    return  # closed meanwhile; the next join starts a new loop

        threading.Thread(target=loop, name="collab-resync", daemon=True).start()

    @property
    def connected(self) -> bool:
        return self.sio.connected

    # --- editing (code-point positions) --------------------------------------------------------

    @property
    def text(self) -> str:
        with self._lock:
            return ydoc.get_text(self.doc)

    def insert(self, index: int, value: str) -> None:
        with self._lock:
            current = ydoc.get_text(self.doc)
            ydoc.text_of(self.doc).insert(ydoc.byte_offset(current, index), value)
        self.flush()

    def delete(self, index: int, length: int) -> None:
        with self._lock:
            current = ydoc.get_text(self.doc)
            start, end = ydoc.byte_offset(current, index), ydoc.byte_offset(current, index + length)
            del ydoc.text_of(self.doc)[start:end]
        self.flush()

    def set_text(self, value: str) -> None:
        with self._lock:
            ydoc.apply_text(self.doc, value)
        self.flush()

    def flush(self) -> None:
        """Send the local changes made since the last flush as one update (if connected)."""
        with self._lock:
            if not self._local:
                return
            update = self._local[0] if len(self._local) == 1 else _merge(self._local)
            self._local = []
            number, self._next = self._next, self._next + 1
            self._pending[number] = update
        if self.sio.connected:
            self._send(number, update)

    @property
    def unsaved(self) -> int:
        with self._lock:
            return len(self._pending) + (1 if self._local else 0)

    def wait_saved(self, timeout: float | None = None) -> bool:
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            if not self.unsaved:
                return True
            time.sleep(0.01)
        return False

    def send_awareness(self, state: dict, clock: int = 1) -> dict:
        body = awareness.encode([(self.doc.client_id, clock, state)])
        return self._call("awareness", {"doc": self.doc_id, "data": body}, check=False)

    # --- internals -----------------------------------------------------------------------------

    def _captured(self, event) -> None:
        if not self._remote:
            self._local.append(event.update)

    def _call(self, event: str, payload: dict, check: bool = True) -> dict:
        ack = self.sio.call(event, payload, namespace=NAMESPACE, timeout=self.timeout)
        if check and not ack.get("ok"):
            raise CollabError(ack.get("code", "?"), ack.get("error", ""))
        return ack

    def _send(self, number: int, update: bytes) -> None:
        def acked(ack):
            if ack and ack.get("ok"):
                with self._lock:
                    self._pending.pop(number, None)
            else:
                self.errors.append(ack or {"code": "no-ack"})

        self.sio.emit("sync", {"doc": self.doc_id, "data": ydoc.update_body(update)}, namespace=NAMESPACE,
                      callback=acked)

    def _resend(self) -> None:
        with self._lock:
            pending = sorted(self._pending.items())
        for number, update in pending:
            self._send(number, update)

    def _on_sync(self, data) -> None:
        kind, payload = ydoc.parse_sync(data["data"])
        if kind == ydoc.YSyncMessageType.SYNC_STEP1:
            with self._lock:
                body = ydoc.step2(self.doc, payload)
            self.sio.emit("sync", {"doc": self.doc_id, "data": body}, namespace=NAMESPACE)
            self._synced.set()
            return
        with self._lock:
            self._remote = True
            try:
                self.doc.apply_update(payload)
            finally:
                self._remote = False
        if self.on_update:
            self.on_update(self.text)

    def _on_awareness(self, data) -> None:
        for client, _clock, state in awareness.parse(data["data"]):
            if state is None:
                self.peers.pop(client, None)
            else:
                self.peers[client] = state

    def _on_peer_left(self, data) -> None:
        for client in data.get("clients", []):
            self.peers.pop(client, None)


def _merge(updates: list[bytes]) -> bytes:
    from pycrdt import merge_updates

    return merge_updates(*updates)
