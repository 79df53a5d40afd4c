"""JSON API under /api/v1: token or session authentication, JSON errors, an OpenAPI document."""

from flask import Flask


def init_api(app: Flask) -> None:
    import wiki.api.editions  # noqa: F401 - publishing (issue 8)
    from wiki.api import awareness, comments, documents, rounds, search  # noqa: F401 - registers their routes on bp
    from wiki.api.routes import bp

    app.register_blueprint(bp)
