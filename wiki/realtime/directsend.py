"""Broadcasts written straight to each websocket by the broadcasting thread, not through a thread per client.

Why: in threading mode python-engineio gives every connection a writer thread fed by a queue, so a
broadcast to 49 editors is 98 queue puts (a binary event is a header and an attachment), 49 thread
wake-ups, 98 frames built by wsproto (and deflated, when the browser offered permessage-deflate) and
98 sends. Measured alone on the 2-CPU development machine, one delivery that way costs ~156 µs of
CPU, ~84 µs of it the thread hand-off, against ~4 µs to write the same bytes from the broadcasting
thread. At 50 editors × 2 updates/s the stock fan-out used a whole CPU, and the tail latency was
updates queueing behind it (docs/realtime.md, "Performance").

What is written directly, and why nothing can be reordered, interleaved or lost:

* Only connections opened directly on websocket (all of ours: the browser tries websocket first, the
  Python client uses nothing else) over a plain, blocking socket (Werkzeug's and gunicorn's). An
  upgrade from long-polling, a TLS socket (Python terminating TLS itself) or a socket with a timeout
  keeps engineio's path.
* Every connection's queue counts what it holds plus what its writer thread is still writing
  (`unsent`: counted when put, uncounted once written; installed as the server's queue class, so a
  socket is born with it). A packet is written directly only while `unsent` is 0, under the queue's
  own lock: the writer thread is then idle, and anything queued later is written after it. The
  write never waits (MSG_DONTWAIT): when the socket's buffer is full the packet is queued as usual
  (behind nothing, so in order), and the rest of a partly written frame is queued as raw bytes that
  the writer thread sends first.
* Every send of ours already holds the process-wide send lock (`extensions._serialise_sends`), so a
  binary event's header and attachment stay together whichever path each takes. An engine.io PING
  may fall between them, as before: socket.io reassembles only MESSAGE packets.
* A frame is built once per packet, for all its recipients, and left uncompressed: RFC 7692 lets a
  sender leave any message uncompressed (RSV1 clear); it does not touch the compression context.
* A closing or closed connection goes to engineio's path, which handles it as before. Clients that
  stop answering pings are found by engineio's ping and service tasks; a queued send used to check
  too, so a dead client may now be noticed up to one ping interval later (its writes go to the
  kernel's buffer meanwhile, never blocking).

Known limit, as before this module: simple-websocket's reader thread writes its own control frames
(a Pong to a client's websocket Ping, a close reply) without any of these locks. Browsers never send
websocket Pings; neither does our Python client.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import ssl
import struct

from engineio import packet as eio_packet


class _RawFrames(bytes):
    """Bytes already framed for the websocket (the rest of a partly written frame)."""


class _FramedPacket(eio_packet.Packet):
    """A queued engine.io packet whose encoding is `_RawFrames`, written as they are by the writer thread."""

    def __init__(self, frames: bytes):
        super().__init__(eio_packet.MESSAGE, frames)

    def encode(self, b64=False):
        return _RawFrames(self.data)


class CountingQueue(queue.Queue):
    """A connection's send queue that knows how many packets are not yet on the wire."""

    def __init__(self):
        super().__init__()
        self.unsent = 0  # guarded by self.mutex

    def _put(self, item):  # called with self.mutex held
        if item is not None:  # None only tells the writer thread to stop
            self.unsent += 1
        super()._put(item)

    def put_locked(self, item) -> None:
        """`put` for a caller that already holds `self.mutex`."""
        self._put(item)
        self.unfinished_tasks += 1
        self.not_empty.notify()

    def written(self) -> None:
        with self.mutex:
            self.unsent -= 1


def frame(encoded: str | bytes) -> bytes:
    """One unmasked, unfragmented, uncompressed server frame (RFC 6455 §5.2) holding `encoded`."""
    if isinstance(encoded, str):
        opcode, payload = 0x81, encoded.encode()
    else:
        opcode, payload = 0x82, encoded
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", opcode, 126, n)
    else:
        head = struct.pack("!BBQ", opcode, 127, n)
    return head + payload


def write_now(sock: socket.socket, data: bytes) -> int:
    """Write what fits in a blocking socket's buffer without waiting; bytes written (0 when full)."""
    try:
        return sock.send(data, socket.MSG_DONTWAIT)
    except (BlockingIOError, InterruptedError):
        return 0


def _direct_capable(sock) -> bool:
    """A plain blocking socket: MSG_DONTWAIT then makes one send non-blocking, and nothing else."""
    return isinstance(sock, socket.socket) and not isinstance(sock, ssl.SSLSocket) and sock.gettimeout() is None


class Line:
    """One directly opened websocket: its engineio socket, the raw socket beneath, its counting queue."""

    def __init__(self, eio_socket, ws):
        self.eio_socket, self.ws = eio_socket, ws
        self.sock, self.queue = ws.ws.sock, eio_socket.queue
        if self.sock.family in (socket.AF_INET, socket.AF_INET6):
            # A binary event is two frames, and a batch of acks and updates several sends: with Nagle's
            # algorithm each small send after the first waits for the client's delayed ACK (~40 ms).
            with contextlib.suppress(OSError):  # already closed by the client: engineio ends it as usual
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        ws.send = self._writer_send

    def _writer_send(self, message) -> None:
        """The writer thread's send: raw frames as they are, anything else as engineio would."""
        try:
            if isinstance(message, _RawFrames):
                if not self.ws.ws.connected:
                    raise OSError("websocket closed")
                self.sock.sendall(message)
            else:
                type(self.ws).send(self.ws, message)
        finally:
            self.queue.written()

    def send(self, pkt) -> bool:
        """Write `pkt` now if nothing is ahead of it; False to leave it to engineio's queue."""
        data = getattr(pkt, "_wiki_frame", None)
        if data is None:
            data = pkt._wiki_frame = frame(pkt.encode())
        with self.queue.mutex:
            if self.queue.unsent or self.eio_socket.closed or self.eio_socket.closing or not self.ws.ws.connected:
                return False
            try:
                sent = write_now(self.sock, data)
            except OSError:
                return False  # the connection is going: engineio's path notices and reports it
            if sent == 0:
                return False
            if sent < len(data):
                self.queue.put_locked(_FramedPacket(data[sent:]))
        return True


def install(server) -> None:
    """Write what `server` (a python-socketio Server in threading mode) sends directly where it can.

    Install it before anything wraps `server._send_packet` (the send lock does)."""
    eio = server.eio
    lines: dict[str, Line] = {}
    make_websocket = eio._async["websocket"]

    def websocket(handler, eio_server, **kwargs):
        def handle(ws):
            eio_socket = handler.__self__
            if (eio_socket.connected  # an upgrade from long-polling
                    # without the counting queue (an engineio that ignored our queue class) nothing
                    # would tell a direct write that packets wait ahead of it
                    or not isinstance(eio_socket.queue, CountingQueue) or not _direct_capable(ws.ws.sock)):
                return handler(ws)  # engineio's own path
            lines[eio_socket.sid] = Line(eio_socket, ws)
            try:
                return handler(ws)
            finally:
                lines.pop(eio_socket.sid, None)

        return make_websocket(handle, eio_server, **kwargs)

    # This server's copy: the driver's dict is shared. Every socket is born with a counting queue.
    eio._async = {**eio._async, "websocket": websocket, "queue": CountingQueue}
    queued = server._send_eio_packet

    def send_eio_packet(eio_sid, pkt):
        line = lines.get(eio_sid)
        if line is None or not line.send(pkt):
            queued(eio_sid, pkt)

    def send_packet(eio_sid, pkt):  # acks, and replies to one client: the same path, packet by packet
        if eio_sid not in lines:
            return queued_packet(eio_sid, pkt)
        encoded = pkt.encode()
        for part in encoded if isinstance(encoded, list) else [encoded]:
            send_eio_packet(eio_sid, eio_packet.Packet(eio_packet.MESSAGE, part))

    queued_packet = server._send_packet
    server._send_eio_packet = send_eio_packet
    server._send_packet = send_packet
