"""A bare Flask-SocketIO relay, the baseline of bench/realtime.py: no CRDT, no database, no auth.

It speaks just enough of /collab for the benchmark's editors: `join {doc}` puts the connection in the
document's room; `sync {doc, data}` is relayed unchanged to the others in the room and acknowledged.
It is configured and served like the wiki (threading mode, one connection's events in order, the
same buffer limit and send lock, Werkzeug's threaded server with `flask serve`'s request handler), so
the difference between the two sets of figures is the wiki's own work: access checks on every event,
the commit before the ack, the CRDT.

    .venv/bin/python bench/_relay.py PORT
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402
from werkzeug.serving import run_simple  # noqa: E402

from wiki.cli import _NoAddressHandler  # noqa: E402 (the request handler `flask serve` uses)
from wiki.extensions import _serialise_sends  # noqa: E402

NAMESPACE = "/collab"


def create_relay() -> Flask:
    app = Flask(__name__)
    socketio = SocketIO(app, async_mode="threading", async_handlers=False, manage_session=False,
                        max_http_buffer_size=1024 * 1024)
    _serialise_sends(socketio.server)

    @socketio.on("join", namespace=NAMESPACE)
    def join(data):
        join_room(f"doc:{data['doc']}")
        return {"ok": True, "role": "editor", "epoch": 0, "seq": 0, "user": None}

    @socketio.on("sync", namespace=NAMESPACE)
    def sync(data):
        emit("sync", data, to=f"doc:{data['doc']}", skip_sid=request.sid)
        return {"ok": True, "seq": 0}

    return app


def main() -> None:
    port = int(sys.argv[1])
    run_simple("127.0.0.1", port, create_relay(), threaded=True, use_reloader=False,
               request_handler=_NoAddressHandler)


if __name__ == "__main__":
    main()
