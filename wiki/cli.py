"""Command-line groups: `flask --app wiki users|spaces|demo|serve …` (each with --help)."""

import gc
import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from werkzeug.serving import WSGIRequestHandler

from wiki.errors import DomainError
from wiki.extensions import db

users = AppGroup("users", help="Create accounts and API tokens.")
spaces_group = AppGroup("spaces", help="Create spaces and manage their members.")


def _run(action):
    """Run a use case; a refusal becomes a clean CLI error (exit 1) instead of a traceback."""
    try:
        result = action()
        db.session.commit()
        return result
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Display name (may be a pseudonym).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 10 characters.")
@click.option("--admin", is_flag=True, help="Make the account a site admin.")
def users_create(email, name, password, admin):
    """Create an account."""
    from wiki.auth.service import create_user

    user = _run(lambda: create_user(db.session, email, name, password, admin=admin))
    click.echo(f"Created {'admin ' if admin else ''}account {user.email} ({user.display_name}).")


@users.command("token")
@click.argument("email")
@click.option("--label", default="cli", help="A note to recognise the token by.")
def users_token(email, label):
    """Print a new personal API token for EMAIL (shown once; only its hash is stored)."""
    from wiki.auth.service import find_user_by_email, issue_token

    user = find_user_by_email(db.session, email)
    if user is None:
        raise click.ClickException(f"No account uses {email}.")
    click.echo(_run(lambda: issue_token(db.session, user, label)))


@spaces_group.command("create")
@click.argument("slug")
@click.option("--title", required=True, help="The space's title.")
@click.option("--private", is_flag=True, help="Only members can see the space.")
def spaces_create(slug, title, private):
    """Create a space at /s/SLUG/."""
    from wiki.spaces.service import create_space

    space = _run(lambda: create_space(db.session, slug, title, private=private))
    click.echo(f"Created {'private' if private else 'public'} space /s/{space.slug}/ '{space.title}'.")


@spaces_group.command("add-member")
@click.argument("slug")
@click.argument("email")
@click.option("--role", required=True, type=click.Choice(["facilitator", "editor", "contributor"]))
def spaces_add_member(slug, email, role):
    """Add EMAIL to the space SLUG with a role (or change their role)."""
    from sqlalchemy import select

    from wiki.spaces.models import Space
    from wiki.spaces.service import set_membership

    space = db.session.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        raise click.ClickException(f"No space /s/{slug}/.")
    _run(lambda: set_membership(db.session, space, email, role))
    click.echo(f"{email} is now a {role} in /s/{slug}/.")


@click.command("seed-demo")
def seed_demo():
    """Create the demo space and accounts if the database has no users; print the logins."""
    from wiki.seed import demo_logins, seed_if_empty

    created = seed_if_empty(db.session, current_app.instance_path)
    click.echo("Seeded the demo space." if created else "Database already has accounts; not seeding.")
    for role, email, password in demo_logins(current_app.instance_path):
        click.echo(f"  {role:<12} {email:<28} password: {password}")


@click.command("serve")
@click.option("--host", default=lambda: os.environ.get("HOST", "127.0.0.1"), show_default="$HOST or 127.0.0.1")
@click.option("--port", default=lambda: int(os.environ.get("PORT", "5000")), type=int, show_default="$PORT or 5000")
def serve(host, port):
    """Serve the app with Socket.IO on Werkzeug's threaded server (see README for gunicorn).

    Werkzeug is called directly: Flask refuses app.run() inside its own CLI, and Flask-SocketIO's
    threading mode needs nothing more than a threaded WSGI server with simple-websocket.
    """
    from werkzeug.serving import run_simple

    click.echo(f"Serving on http://{host}:{port}/  (Ctrl+C to stop)")
    freeze_startup_heap()
    run_simple(host, port, current_app._get_current_object(), threaded=True, use_reloader=False,
               request_handler=_NoAddressHandler)


def freeze_startup_heap() -> None:
    """Leave everything made so far (the app, its imports, its mappers) out of later garbage collections.

    Why: a full collection walks every object the process holds; in a server that is mostly the
    app's startup heap, which lives as long as the process. Here a full collection took 33–106 ms
    (2-CPU development machine), and every update arriving meanwhile waited for it: at 50 editors ×
    2 updates/s that was the p99 latency. Frozen, those objects are never walked; one that loses its
    last reference is still freed, only a reference cycle among them would stay (the startup heap
    lives as long as the process anyway). Called once a server process has loaded the app, before
    serving.
    """
    gc.collect()
    gc.freeze()


class _NoAddressHandler(WSGIRequestHandler):
    """Request log lines without the client's IP address or the query string (privacy: see DESIGN §4
    and docs/privacy.md: invite, feed and unsubscribe tokens travel in the query string)."""

    def address_string(self) -> str:
        return "-"

    def log_request(self, code="-", size="-") -> None:
        target = getattr(self, "path", None)
        if target is None:  # a malformed request line: Werkzeug logs the line itself
            self.requestline = self.requestline.split("?", 1)[0]
            return super().log_request(code, size)
        self.path = target.split("?", 1)[0]
        try:
            super().log_request(code, size)
        finally:
            self.path = target

    def connection_dropped(self, error, environ=None) -> None:
        """Close the TCP connection once a websocket ends.

        python-engineio ends a websocket request under Werkzeug by raising ConnectionError; Werkzeug
        would then wait on the socket for another HTTP request, so the connection (and this thread)
        lingered until the client gave up — a Python client's disconnect() took 3 s.
        """
        self.close_connection = True


def register_cli(app: Flask) -> None:
    from wiki.consultations.cli import rounds_cli

    for command in (users, spaces_group, seed_demo, serve, rounds_cli):
        app.cli.add_command(command)
    from wiki.publishing.cli import publish_group

    app.cli.add_command(publish_group)
