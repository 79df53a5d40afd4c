"""Wiring for awareness: signal subscribers, the /notify namespace, pages, the API and the CLI."""

from flask import Flask


def init_awareness(app: Flask) -> None:
    from wiki.awareness import editions, rounds  # noqa: F401 - register how their activity is shown
    from wiki.awareness.cli import notify_group
    from wiki.awareness.events import init_bell
    from wiki.awareness.recorder import init_recorder
    from wiki.awareness.routes import bp

    init_recorder(app)
    init_bell(app)
    app.register_blueprint(bp)
    app.cli.add_command(notify_group)
