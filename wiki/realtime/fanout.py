"""Deliver a notice to the connections of *every* server process: the one mechanism behind live
comments (wiki/comments/events.py) and the notification bell (wiki/awareness/events.py).

A notice is a small JSON object of ids — never content — for a named topic. Without ``REDIS_URL``
the topic's handler runs in this process. With it, the notice is published on a Redis channel of
the deployment (``<SOCKETIO_CHANNEL>-<topic>``) and one listener thread per process hands each
notice to the topic's handler, which delivers to that process's own connections, checking each
recipient's access against the database first.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from flask import Flask

from wiki.extensions import socketio

log = logging.getLogger(__name__)
_handlers: dict[str, Callable[[Flask, dict], None]] = {}


def register(topic: str, handler: Callable[[Flask, dict], None]) -> None:
    """handler(app, notice) delivers one notice to this process's connections (keep it quick: start
    a background task for slow work)."""
    _handlers[topic] = handler


def channel(app: Flask, topic: str) -> str:
    return f"{app.config['SOCKETIO_CHANNEL']}-{topic}"


def redis_client(app: Flask):
    client = app.extensions.get("fanout_redis")
    if client is None:
        import redis

        client = app.extensions["fanout_redis"] = redis.Redis.from_url(app.config["REDIS_URL"])
    return client


def publish(app: Flask, topic: str, notice: dict) -> None:
    """Send ``notice`` to every process (through Redis when configured, else straight to the handler)."""
    if app.config.get("REDIS_URL"):
        try:
            redis_client(app).publish(channel(app, topic), json.dumps(notice))
            return
        except Exception:  # Redis down: at least this process's connections get it
            log.exception("could not publish a %s notice; delivering locally only", topic)
    _handlers[topic](app, notice)


def start_listener(app: Flask) -> None:
    """With REDIS_URL, one thread per process receives every topic's notices. Started with the
    process's first Socket.IO connection (a process without connections has nobody to deliver to)."""
    if not app.config.get("REDIS_URL") or app.extensions.get("fanout_listener"):
        return
    app.extensions["fanout_listener"] = True
    by_channel = {channel(app, topic): handler for topic, handler in _handlers.items()}

    def listen():
        while not app.extensions.get("collab_stop"):
            try:
                pubsub = redis_client(app).pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(*by_channel)
                for message in pubsub.listen():
                    if app.extensions.get("collab_stop"):
                        break
                    name = message["channel"].decode() if isinstance(message["channel"], bytes) else message["channel"]
                    try:
                        by_channel[name](app, json.loads(message["data"]))
                    except Exception:  # one bad notice must not end the listener
                        log.exception("live notice on %s could not be delivered", name)
                pubsub.close()
            except Exception:
                log.exception("live notice listener; restarting in a second")
                socketio.sleep(1)

    socketio.start_background_task(listen)
