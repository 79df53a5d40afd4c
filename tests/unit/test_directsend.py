"""Direct websocket writes (wiki/realtime/directsend.py), over real socket pairs.

A `Line` is given a stand-in for engineio's socket and for simple-websocket's connection, both backed
by a real connected socket pair; a thread plays engineio's writer (take from the queue, `ws.send` each
packet) and the far end decodes frames with wsproto's client-side frame parser. What a client would
notice: every packet arrives once, whole, in the order it was sent, whichever path it took; a packet
with nothing queued ahead of it is written at once; a client that stops reading never blocks the sender.
"""

import socket
import threading
import time

import pytest
from engineio import packet as eio_packet
from wsproto.frame_protocol import FrameProtocol, Opcode

from wiki.realtime import directsend


class _Connection:  # simple-websocket's Server, as far as a Line uses it
    def __init__(self, sock):
        self.sock, self.connected = sock, True


class _WebSocket:  # engineio's SimpleWebSocketWSGI: send() frames one message
    def __init__(self, sock):
        self.ws = _Connection(sock)

    def send(self, message):
        self.ws.sock.sendall(directsend.frame(message))


class _EngineSocket:  # engineio's Socket: a queue the writer thread empties
    def __init__(self):
        self.sid, self.closed, self.closing = "eio-1", False, False
        self.queue = directsend.CountingQueue()  # what install() makes every socket use


def _tcp_pair(small_send_buffer: bool = False) -> tuple[socket.socket, socket.socket]:
    """A connected loopback TCP pair (unlike a Unix socket pair, TCP writes a full buffer partly).

    The small buffer is set before the connection exists (the accepted socket inherits it): shrinking
    a live connection's buffers stalls TCP for seconds."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        if small_send_buffer:
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
        client = socket.create_connection(listener.getsockname())
        server, _ = listener.accept()
    return server, client


class _Pipe:
    """A Line on one end of a socket pair, engineio's writer thread, and a frame reader on the other end."""

    def __init__(self, queued_before: int = 0, small_buffers: bool = False):
        self.server, self.client = _tcp_pair(small_buffers)
        self.engine = _EngineSocket()
        for n in range(queued_before):
            self.engine.queue.put(eio_packet.Packet(eio_packet.MESSAGE, f"early {n}"))
        self.ws = _WebSocket(self.server)
        self.line = directsend.Line(self.engine, self.ws)
        self.writer = None
        self.frames = FrameProtocol(client=True, extensions=[])
        self.partial = []

    def send(self, pkt) -> None:
        """What the installed hook does: directly if it can, else engineio's queue."""
        if not self.line.send(pkt):
            self.engine.queue.put(pkt)

    def start_writer(self) -> None:
        def write():
            while (pkt := self.engine.queue.get()) is not None:
                self.ws.send(pkt.encode())

        self.writer = threading.Thread(target=write, daemon=True)
        self.writer.start()

    def received(self, count: int, timeout: float = 10) -> list:
        """The next `count` messages the client end reads (text as str, binary as bytes)."""
        out, deadline = [], time.monotonic() + timeout
        self.client.settimeout(0.2)
        while len(out) < count and time.monotonic() < deadline:
            try:
                chunk = self.client.recv(65536)
            except TimeoutError:
                continue
            self.frames.receive_bytes(chunk)
            for frame in self.frames.received_frames():  # a long frame comes in pieces
                self.partial.append(frame.payload)
                if frame.message_finished:
                    whole = b"".join(self.partial) if frame.opcode is Opcode.BINARY else "".join(self.partial)
                    out.append(whole)
                    self.partial = []
        return out

    def close(self) -> None:
        if self.writer is not None:
            self.engine.queue.put(None)
            self.writer.join(5)
        self.server.close()
        self.client.close()


@pytest.fixture
def pipes():
    made = []

    def make(**kwargs) -> _Pipe:
        made.append(_Pipe(**kwargs))
        return made[-1]

    yield make
    for pipe in made:
        pipe.close()


def text(body: str):
    return eio_packet.Packet(eio_packet.MESSAGE, body)


def test_frames_of_every_length_form_read_back_as_sent():
    parser = FrameProtocol(client=True, extensions=[])
    messages = ["4short", "4" + "x" * 300, b"\x02" + bytes(70_000)]  # 7-bit, 16-bit and 64-bit lengths
    for message in messages:
        parser.receive_bytes(directsend.frame(message))
    frames = list(parser.received_frames())
    assert [f.opcode for f in frames] == [Opcode.TEXT, Opcode.TEXT, Opcode.BINARY]
    assert [f.payload for f in frames] == messages


def test_with_nothing_queued_a_packet_is_written_at_once_without_the_writer(pipes):
    pipe = pipes()  # no writer thread started: only a direct write can deliver
    assert pipe.line.send(text("hello")) is True
    assert pipe.received(1) == ["4hello"]
    assert pipe.line.queue.unsent == 0


def test_a_packet_waits_behind_what_engineio_already_queued(pipes):
    pipe = pipes(queued_before=3)
    assert pipe.line.send(text("late")) is False  # three ahead of it: left to the queue
    pipe.send(text("late"))
    pipe.start_writer()
    assert pipe.received(4) == ["4early 0", "4early 1", "4early 2", "4late"]
    deadline = time.monotonic() + 5  # the writer thread counts its last send just after making it
    while pipe.line.queue.unsent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert pipe.line.send(text("after")) is True  # all written: direct again
    assert pipe.received(1) == ["4after"]


def test_the_queue_counts_what_is_not_yet_written():
    counting = directsend.CountingQueue()
    counting.put("a")
    counting.put(None)  # the writer's stop signal is not a packet
    assert counting.unsent == 1
    got = []
    waiter = threading.Thread(target=lambda: got.append(counting.get(timeout=5)))
    waiter.start()
    with counting.mutex:
        counting.put_locked("b")  # wakes a waiting getter like put() would
    waiter.join(5)
    assert got == ["a"] and counting.unsent == 2
    counting.written()
    assert counting.unsent == 1


def test_a_client_that_stops_reading_never_blocks_the_sender_and_loses_nothing(pipes):
    pipe = pipes(small_buffers=True)
    pipe.start_writer()
    payloads = [b"\x02" + f"update {n:04d} ".encode() + bytes(2990) for n in range(600)]  # ~1.8 MB, written partly
    slowest = 0.0
    for payload in payloads:  # nobody reads the client end meanwhile
        started = time.monotonic()
        pipe.send(eio_packet.Packet(eio_packet.MESSAGE, payload))
        slowest = max(slowest, time.monotonic() - started)
    assert slowest < 0.05
    assert pipe.line.queue.unsent > 0  # the buffer filled up: the rest waits in the queue
    assert pipe.received(len(payloads), timeout=20) == payloads


def test_write_now_never_waits_on_a_full_buffer():
    server, client = _tcp_pair(small_send_buffer=True)
    try:
        assert directsend._direct_capable(server)  # blocking, plain: what Werkzeug and gunicorn hand over
        written, started = 0, time.monotonic()
        for _ in range(1000):
            n = directsend.write_now(server, bytes(4096))
            written += n
            if n == 0:
                break
        assert n == 0 and written > 0
        assert time.monotonic() - started < 1
        server.settimeout(5.0)  # a socket with a timeout would wait in send(): left to engineio
        assert not directsend._direct_capable(server)
    finally:
        server.close()
        client.close()


def test_a_frame_written_in_part_is_finished_before_anything_else(pipes, monkeypatch):
    pipe = pipes()
    calls = []

    def half_then_full_buffer(sock, data):  # what a nearly full socket buffer does
        calls.append(len(data))
        return sock.send(data[: len(data) // 2]) if len(calls) == 1 else 0

    monkeypatch.setattr(directsend, "write_now", half_then_full_buffer)
    first, second = b"\x02first" + bytes(5000), b"\x02second"
    assert pipe.line.send(eio_packet.Packet(eio_packet.MESSAGE, first)) is True  # taken, in part
    assert pipe.line.queue.unsent == 1  # the rest waits for the writer thread
    pipe.send(eio_packet.Packet(eio_packet.MESSAGE, second))
    assert len(calls) == 1  # not tried directly: something is queued ahead of it
    pipe.start_writer()
    assert pipe.received(2) == [first, second]


def test_a_connection_closed_before_it_is_set_up_leaves_it_to_engineio():
    server, client = _tcp_pair()
    server.close()  # the client went away between the upgrade and the handler
    client.close()
    engine, ws = _EngineSocket(), _WebSocket(server)
    ws.ws.connected = False
    line = directsend.Line(engine, ws)  # no error while setting the socket up
    assert line.send(text("too late")) is False  # engineio's path reports the closed socket
