"""Registers the HTML blueprints and the template helpers they share."""

from flask import Flask
from werkzeug.routing import IntegerConverter

from wiki.auth.perspectives import PERSPECTIVES


def _at_most(limit: int) -> str:
    """A regex for the decimal numbers 0..limit: any shorter number, or one of the limit's width that
    shares a prefix with it and then has a smaller digit, or the limit itself."""
    digits = str(limit)
    width = len(digits)
    parts = [rf"\d{{1,{width - 1}}}"] if width > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 and width > 1 else 0
        if int(digit) > low:
            rest = rf"\d{{{width - i - 1}}}" if width - i - 1 else ""
            parts.append(f"{digits[:i]}[{low}-{int(digit) - 1}]{rest}")
    return "(?:" + "|".join([*parts, digits]) + ")"


class BoundedInt(IntegerConverter):
    """<int:…> in URLs stops at 2³¹−1: ids are 32-bit columns on PostgreSQL, and a larger number
    must be a 404 (no such thing), not a database error. The bound is in the regex, so a larger
    number matches no route for any method (a failed conversion would make Werkzeug answer 405
    where another method's route shares the path)."""

    regex = _at_most(2**31 - 1)

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def register_blueprints(app: Flask) -> None:
    from wiki.admin.routes import bp as admin_bp
    from wiki.auth.routes import bp as auth_bp
    from wiki.auth.session import init_login
    from wiki.comments.routes import bp as comments_bp
    from wiki.consultations import respond_routes  # noqa: F401 - adds the facilitators' pages to the blueprint
    from wiki.consultations.routes import bp as rounds_bp
    from wiki.documents import deletion_routes, history_routes  # noqa: F401 - add their pages to the blueprint
    from wiki.documents.routes import bp as documents_bp
    from wiki.privacy.routes import bp as privacy_bp
    from wiki.realtime.routes import bp as live_bp
    from wiki.search.routes import bp as search_bp
    from wiki.spaces.routes import bp as spaces_bp
    from wiki.spaces.routes import main as main_bp

    app.url_map.converters["int"] = BoundedInt
    init_login(app)
    for blueprint in (main_bp, auth_bp, spaces_bp, documents_bp, live_bp, admin_bp, comments_bp, rounds_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(privacy_bp)
    from wiki.publishing.routes import bp as publishing_bp
    from wiki.publishing.routes import public as published_bp

    app.register_blueprint(publishing_bp)
    app.register_blueprint(published_bp)
    app.register_blueprint(search_bp)
    app.jinja_env.add_extension("jinja2.ext.do")
    register_filters(app)
    app.jinja_env.globals["PERSPECTIVES"] = PERSPECTIVES


def _isodate(value) -> str:
    from wiki.timeutil import as_utc

    return as_utc(value).isoformat() if value else ""


def _shortdate(value) -> str:
    """A readable UK-style date and time in UTC ("23 Nov 2026, 14:05 UTC")."""
    from wiki.timeutil import as_utc

    return as_utc(value).strftime("%-d %b %Y, %H:%M UTC") if value else ""


def _can(need: str, actor, space) -> bool:
    """Templates ask the same permission rules as the services: can('edit', actor, space)."""
    from wiki.auth import permissions

    rules = {"read": permissions.can_read, "comment": permissions.can_comment,
             "edit": permissions.can_edit, "facilitate": permissions.can_facilitate}
    return rules[need](actor, space.is_private)


def register_filters(app: Flask) -> None:
    app.jinja_env.globals["can"] = _can
    app.jinja_env.filters["isodate"] = _isodate
    app.jinja_env.filters["shortdate"] = _shortdate
