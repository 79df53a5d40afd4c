"""Lean /collab editors for bench/realtime.py: the Socket.IO protocol spoken over raw websockets.

Why: the benchmark measures the *server*. In production every editor runs on its own machine; here
they share the server's two CPUs. A python-socketio client spends about 150–200 µs of CPU on every
message it receives (websocket-client's pure-Python frame reader and UTF-8 check, Engine.IO and
Socket.IO packet objects, JSON, re-assembling the binary attachment, a thread per connection), so at
50 editors × 2 updates/s (4,900 deliveries/s) the load generator alone used about a CPU and the
server's messages queued behind it: the relay baseline's own p99 was 40–460 ms depending on the
machine. These editors read every connection of a process on ONE thread with `selectors`, parse
frames with slicing, and only look into the bytes they measure (a marker regex over an Update).
They still do everything the protocol asks of a client, so the server does exactly the same work:
the websocket upgrade, the namespace connect with an API token, `join` with its ack, the
SyncStep1/SyncStep2 handshake, binary `sync` events with an ack id each (answered after the
commit), and Engine.IO's ping/pong. The python-socketio editors remain (`--editors socketio`).

Wire format (docs/realtime.md, Socket.IO v5 over Engine.IO v4): text frames "0{open}", "40/collab,{auth}",
"42/collab,<id>[event, data]", "43/collab,<id>[ack]"; a binary event is a text frame
"451-/collab,<id>[event, {..., "data": {"_placeholder": true, "num": 0}}]" followed by one binary frame.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import selectors
import socket
import struct
import time
from urllib.parse import urlsplit

NAMESPACE = "/collab"
_PREFIX = NAMESPACE + ","
_PLACEHOLDER = {"_placeholder": True, "num": 0}


class ProtocolError(RuntimeError):
    """The server answered something this editor did not expect (a refused join, a closed socket)."""


def _frame(opcode: int, payload: bytes) -> bytes:
    """One masked client frame (RFC 6455 §5.2; clients must mask, any key is valid)."""
    key = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, 0x80 | n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 0x80 | 127, n)
    if n == 0:
        return head + key
    mask = (key * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(mask, "big")).to_bytes(n, "big")
    return head + key + masked


def text_frame(text: str) -> bytes:
    return _frame(0x1, text.encode())


def event_frames(event: str, data: dict, binary: bytes | None = None, ack: int | None = None) -> bytes:
    """The frames of one Socket.IO event: `data["data"]` becomes the attachment when `binary` is given."""
    ack_id = "" if ack is None else str(ack)
    if binary is None:
        return text_frame(f"42{_PREFIX}{ack_id}{json.dumps([event, data])}")
    header = json.dumps([event, {**data, "data": _PLACEHOLDER}], separators=(",", ":"))
    return text_frame(f"451-{_PREFIX}{ack_id}{header}") + _frame(0x2, binary)


class RawEditor:
    """One websocket connection speaking /collab; frames are read by `Pump`, or by `read_until` while joining."""

    def __init__(self):
        self.sock: socket.socket | None = None
        self.buffer = bytearray()
        self.on_ack = None  # (ack id, payload) -> None while running
        self.on_update = None  # (sync body, arrival time) -> None while running
        self.next_ack = 1

    # --- connecting (blocking) -------------------------------------------------------------------

    def connect(self, url: str, token: str | None, timeout: float = 60) -> None:
        parts = urlsplit(url)
        self.sock = socket.create_connection((parts.hostname, parts.port or 80), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16)).decode()
        self.sock.sendall((f"GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: {parts.netloc}\r\n"
                           f"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                           f"Sec-WebSocket-Version: 13\r\n\r\n").encode())
        while b"\r\n\r\n" not in self.buffer:
            self._receive_some()
        head, _, rest = bytes(self.buffer).partition(b"\r\n\r\n")
        if not head.startswith(b"HTTP/1.1 101"):
            raise ProtocolError(f"websocket upgrade refused: {head[:80]!r}")
        self.buffer = bytearray(rest)
        self.read_until(lambda kind, data: kind == 1 and data.startswith("0"))  # Engine.IO open
        auth = json.dumps({"token": token}) if token else ""
        self.sock.sendall(text_frame(f"40{_PREFIX}{auth}"))
        reply = self.read_until(lambda kind, data: kind == 1 and data.startswith(("40" + _PREFIX, "44" + _PREFIX)))
        if reply.startswith("44"):
            raise ProtocolError(f"connect refused: {reply}")

    def call(self, event: str, data: dict, binary: bytes | None = None, answer=None) -> object:
        """Emit with an ack id and read until the ack; `answer(body)` sees binary events meanwhile."""
        ack = self.next_ack
        self.next_ack += 1
        self.sock.sendall(event_frames(event, data, binary, ack))
        prefix = f"43{_PREFIX}{ack}["

        def done(kind, payload):
            if kind == 2 and answer is not None:
                answer(payload)
            return kind == 1 and payload.startswith(prefix)

        reply = self.read_until(done)
        return json.loads(reply[len(prefix) - 1:])[0]

    def read_until(self, stop) -> str | bytes:
        """Read frames (blocking) until `stop(kind, payload)` is true; kind 1 = text, 2 = binary."""
        while True:
            for kind, payload in self._frames():
                if stop(kind, payload):
                    return payload
            self._receive_some()

    def _receive_some(self) -> None:
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ProtocolError("the server closed the connection")
        self.buffer += chunk

    # --- running (non-blocking reads driven by Pump) ----------------------------------------------

    def emit(self, event: str, data: dict, binary: bytes | None = None, ack: int | None = None) -> None:
        self.sock.sendall(event_frames(event, data, binary, ack))

    def readable(self, now: float) -> None:
        """Take what the socket holds and handle every complete frame in it."""
        self._receive_some()
        for kind, payload in self._frames():
            if kind == 2:
                if self.on_update is not None:
                    self.on_update(payload, now)
            elif payload.startswith("43" + _PREFIX) and self.on_ack is not None:
                ack_id, _, body = payload[len(_PREFIX) + 2:].partition("[")
                self.on_ack(int(ack_id), json.loads("[" + body)[0])

    def _frames(self):
        """Complete frames in the buffer, consumed as they are yielded (Engine.IO pings answered here)."""
        buffer = self.buffer
        while len(buffer) >= 2:
            opcode, length, start = buffer[0] & 0x0F, buffer[1] & 0x7F, 2
            if length == 126:
                if len(buffer) < 4:
                    return
                length, start = struct.unpack_from("!H", buffer, 2)[0], 4
            elif length == 127:
                if len(buffer) < 10:
                    return
                length, start = struct.unpack_from("!Q", buffer, 2)[0], 10
            if len(buffer) < start + length:
                return
            payload = bytes(buffer[start:start + length])
            del buffer[:start + length]
            if opcode == 0x9:  # websocket ping
                self.sock.sendall(_frame(0xA, payload))
            elif opcode == 0x8:
                raise ProtocolError("the server closed the websocket")
            elif opcode == 0x1:
                text = payload.decode()
                if text == "2":  # Engine.IO ping
                    self.sock.sendall(text_frame("3"))
                else:
                    yield 1, text
            elif opcode == 0x2:
                yield 2, payload

    def close(self) -> None:
        if self.sock is not None:
            with contextlib.suppress(OSError):  # already gone: nothing to close politely
                self.sock.sendall(_frame(0x8, struct.pack("!H", 1000)))
            self.sock.close()


class Pump:
    """Reads every editor of a process on one thread, between scheduled sends."""

    def __init__(self, editors: list[RawEditor]):
        self.selector = selectors.DefaultSelector()
        for editor in editors:
            self.selector.register(editor.sock, selectors.EVENT_READ, editor)

    def wait(self, timeout: float) -> None:
        """Handle whatever arrives within `timeout` seconds (returns as soon as something did)."""
        for key, _ in self.selector.select(max(0.0, timeout)):
            key.data.readable(time.monotonic())

    def close(self) -> None:
        self.selector.close()
