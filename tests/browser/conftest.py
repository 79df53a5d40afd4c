"""Browser fixtures: the real app on a loopback port, driven by Debian's headless Chromium.

- `live_server`: one app per test module with real CSRF, on SQLite in a temporary folder, served by
  werkzeug in a daemon thread. Tests never share data: each creates its own users and spaces with
  unique names through `live_server.user(...)` / `live_server.space(...)`.
- `browser`: one Chromium per session; `page`: a fresh context (own cookies) per test that fails the
  test on any JavaScript error, CSP violation or unexpected dialog.
- Everything here is marked `browser`; it is skipped, with the reason, only when there is no Chromium.
"""

import os
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from werkzeug.serving import make_server

from tests import factories
from wiki import create_app
from wiki.extensions import db

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 10_000
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


def unique(prefix: str) -> str:
    """A short name no other test uses (tests share one live database)."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("WIKI_CHROMIUM", "/usr/bin/chromium")
    if not Path(path).is_file() or not os.access(path, os.X_OK):
        pytest.skip(f"no Chromium binary at {path}; install Debian's chromium (apt-get install chromium)")
    return path


class LiveServer:
    """The running app: `.url`, `.call(fn, *args)` in an app context, and data factories."""

    unique = staticmethod(unique)

    def __init__(self, app, url: str):
        self.app = app
        self.url = url

    def call(self, fn, *args, **kwargs):
        """Run fn inside an app context; return plain data (ORM objects are detached afterwards)."""
        with self.app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    def user(self, display_name: str | None = None, *, admin: bool = False) -> SimpleNamespace:
        """A new account with a unique email; returns its email, display name and password."""
        email = f"{unique('user')}@example.org"
        name = display_name or unique("User")

        def _make():
            factories.make_user(name, admin=admin, email=email)

        self.call(_make)
        return SimpleNamespace(email=email, display_name=name, password=factories.PASSWORD)

    def space(self, title: str | None = None, *, private: bool = False, members=()) -> SimpleNamespace:
        """A new space with a unique slug; `members` is a list of (user, role) pairs."""
        slug = unique("space")
        title = title or unique("Space")

        def _make():
            space = factories.make_space(slug, private=private, title=title)
            for user, role in members:
                factories.add_member(space, user, role)

        self.call(_make)
        return SimpleNamespace(slug=slug, title=title, path=f"/s/{slug}/")

    def document(self, space_slug: str, author_email: str, title: str, text: str) -> SimpleNamespace:
        """A new document (revision 1 by the user with `author_email`) made through the service layer."""

        def _make():
            from wiki.auth.service import find_user_by_email
            from wiki.documents.service import create_document
            from wiki.spaces.models import Space

            author = find_user_by_email(db.session, author_email)
            space = db.session.scalar(db.select(Space).where(Space.slug == space_slug))
            document = create_document(db.session, space, author, title, text)
            return document.slug

        slug = self.call(_make)
        return SimpleNamespace(slug=slug, title=title, path=f"/s/{space_slug}/{slug}")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    """One app per test module, served on a free port.

    Per module, not per session: the process has one Socket.IO server, bound to the app made last
    (wiki/extensions.py), and other modules on the same pytest-xdist worker make apps of their own
    between two browser modules; a session-wide server would then answer live connections with
    another app's Socket.IO server, and no reading page would ever join."""
    folder = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WIKI_INSTANCE_PATH", str(folder / "instance"))
        app = create_app(
            "testing",
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'browser.sqlite'}",
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                "WTF_CSRF_ENABLED": True,  # the browser must carry real tokens
            },
        )
    with app.app_context():
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@dataclass
class PageProblems:
    """JavaScript errors, CSP violations and dialogs seen during one test.

    A test that deliberately loads an error page calls `allow_status(404)` so the browser's
    "Failed to load resource: … status of 404" console line is not counted as a bug.
    """

    errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    allowed_statuses: set[int] = field(default_factory=set)

    def allow_status(self, status: int) -> None:
        self.allowed_statuses.add(status)

    def on_console(self, message) -> None:
        text = message.text
        if message.type == "error" or "Content Security Policy" in text:
            status = re.search(r"Failed to load resource: the server responded with a status of (\d+)", text)
            if status and int(status.group(1)) in self.allowed_statuses:
                return
            self.errors.append(f"console {message.type}: {text} ({message.location.get('url', '')})")

    def on_page_error(self, error) -> None:
        self.errors.append(f"uncaught: {error}")

    def on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def page_problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def context(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    context.close()


@pytest.fixture
def page(context, page_problems):
    page = context.new_page()
    page.on("console", page_problems.on_console)
    page.on("pageerror", page_problems.on_page_error)
    page.on("dialog", page_problems.on_dialog)
    yield page
    assert not page_problems.dialogs, f"unexpected dialogs: {page_problems.dialogs}"
    assert not page_problems.errors, "JavaScript errors or CSP violations:\n" + "\n".join(page_problems.errors)


@pytest.fixture
def another_page(browser, live_server, page_problems, page):
    """Open a page in a further context (its own cookies: a second user), watched like `page`.

    Depends on `page` so that page's teardown checks also cover everything seen here.
    """
    contexts = []

    def _open():
        context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        contexts.append(context)
        other = context.new_page()
        other.on("console", page_problems.on_console)
        other.on("pageerror", page_problems.on_page_error)
        other.on("dialog", page_problems.on_dialog)
        return other

    yield _open
    for context in contexts:
        context.close()
