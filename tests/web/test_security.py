"""Security baseline (DESIGN §4): CSP with a per-request nonce, no inline script, safe cookies, clean errors."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, add_member, login, make_space, make_user
from wiki import create_app
from wiki.extensions import db

REQUIRED_DIRECTIVES = {
    "object-src": ["'none'"],
    "base-uri": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
NONCE_RE = re.compile(r"'nonce-([A-Za-z0-9+/_=-]+)'")


def parse_csp(header: str) -> dict[str, list[str]]:
    policy = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            assert words[0].lower() not in policy, f"directive {words[0]} given twice"
            policy[words[0].lower()] = words[1:]
    return policy


def csp_nonce_of(response) -> str:
    policy = parse_csp(response.headers["Content-Security-Policy"])
    nonces = [m.group(1) for source in policy["script-src"] if (m := NONCE_RE.fullmatch(source))]
    assert len(nonces) == 1, policy["script-src"]
    return nonces[0]


def assert_security_headers(response):
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no CSP on {response.status_code} {response.mimetype}"
    policy = parse_csp(header)
    script_src = policy["script-src"]
    assert script_src[0] == "'self'" and len(script_src) == 2, script_src
    assert len(csp_nonce_of(response)) >= 16  # at least ~96 bits of randomness
    for directive, sources in REQUIRED_DIRECTIVES.items():
        assert policy.get(directive) == sources, (directive, policy.get(directive))
    assert "default-src" in policy
    lowered = header.lower()
    assert "'unsafe-inline'" not in lowered
    assert "'unsafe-eval'" not in lowered
    assert not any("*" in source for sources in policy.values() for source in sources), header
    assert response.headers.get("X-Content-Type-Options") == "nosniff"
    assert response.headers.get("Referrer-Policy") in {"same-origin", "strict-origin-when-cross-origin", "no-referrer"}


# --- headers on every kind of response -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status", "mimetype"),
    [
        ("/", 200, "text/html"),
        ("/login", 200, "text/html"),
        ("/api/v1/spaces", 200, "application/json"),
        ("/api/v1/me", 401, "application/json"),
        ("/nope", 404, "text/html"),
        ("/api/v1/nope", 404, "application/json"),
        ("/static/css/app.css", 200, "text/css"),
        ("/static/js/app.js", 200, "text/javascript"),
        ("/profile", 302, None),
        ("/admin/", 302, None),
    ],
)
def test_security_headers_on_every_response(client, path, status, mimetype):
    response = client.get(path)
    assert response.status_code == status
    if mimetype:
        assert response.mimetype == mimetype
    assert_security_headers(response)


def test_security_headers_on_405_and_post_redirect(client):
    assert_security_headers(client.post("/api/v1/spaces"))
    user = make_user()
    response = login(client, user)
    assert response.status_code == 302
    assert_security_headers(response)


def test_nonce_differs_per_request_and_matches_script_tags(client):
    first, second = client.get("/login"), client.get("/login")
    nonce1, nonce2 = csp_nonce_of(first), csp_nonce_of(second)
    assert nonce1 != nonce2
    for response, nonce in ((first, nonce1), (second, nonce2)):
        scripts = PageScanner.scan(response.get_data(as_text=True)).scripts
        assert scripts, "the base template loads app.js"
        assert [attrs.get("nonce") for attrs in scripts] == [nonce] * len(scripts)


# --- cookies ---------------------------------------------------------------------------------------


def set_cookie(response, name: str) -> dict[str, str | bool]:
    """The attributes of the Set-Cookie header for `name` (lower-case keys, flags as True)."""
    for header in response.headers.getlist("Set-Cookie"):
        cookie_name, _, rest = header.partition("=")
        if cookie_name.strip() == name:
            attributes: dict[str, str | bool] = {}
            for part in rest.split(";")[1:]:
                key, sep, value = part.strip().partition("=")
                attributes[key.lower()] = value if sep else True
            return attributes
    raise AssertionError(f"no Set-Cookie for {name}: {response.headers.getlist('Set-Cookie')}")


def test_session_cookie_flags_under_testing(client):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        cookie = set_cookie(response, name)
        assert cookie.get("httponly") is True, name
        assert str(cookie.get("samesite")).lower() == "lax", name
        assert "secure" not in cookie, name  # tests (and `make run`) use plain http


def _csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "login form has no CSRF token"
    return match.group(1)


@pytest.fixture
def production_app(tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(
        "production",
        {
            "SECRET_KEY": "a-production-secret-for-this-test-only",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'prod.sqlite'}",
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        },
    )
    with app.app_context():
        db.create_all()
        email = make_user().email
    yield app, email
    with app.app_context():
        db.engine.dispose()


def test_production_cookies_are_secure(production_app):
    app, email = production_app
    assert app.config["TESTING"] is False
    client = app.test_client()
    base = "https://wiki.example.org"
    page = client.get("/login", base_url=base)
    assert page.status_code == 200
    assert page.headers.get("Strict-Transport-Security", "").startswith("max-age=")
    response = client.post(
        "/login",
        base_url=base,
        headers={"Referer": f"{base}/login"},
        data={"email": email, "password": PASSWORD, "remember": "y", "csrf_token": _csrf_token(page.text)},
    )
    assert response.status_code == 302, response.text
    for name in ("session", "remember_token"):
        cookie = set_cookie(response, name)
        assert cookie.get("secure") is True, name
        assert cookie.get("httponly") is True, name
        assert str(cookie.get("samesite")).lower() == "lax", name
    assert_security_headers(response)


def test_production_login_without_csrf_token_is_refused(production_app):
    app, email = production_app
    client = app.test_client()
    base = "https://wiki.example.org"
    response = client.post("/login", base_url=base, data={"email": email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Traceback" not in response.text
    assert client.get("/api/v1/me", base_url=base).status_code == 401


# --- no inline script in rendered pages --------------------------------------------------------------


class PageScanner(HTMLParser):
    """Collects what a strict CSP would block or what would bypass it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[dict] = []
        self.styles: list[dict] = []
        self.problems: list[str] = []
        self.links: list[str] = []
        self._in_script = False

    @classmethod
    def scan(cls, html: str) -> "PageScanner":
        scanner = cls()
        scanner.feed(html)
        scanner.close()
        return scanner

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"inline event handler {name}= on <{tag}>")
            if name == "style":
                self.problems.append(f"inline style attribute on <{tag}> (style-src 'self' blocks it)")
            if value and value.strip().lower().replace("\t", "").startswith(("javascript:", "data:text/html")):
                self.problems.append(f"script URL in {name}= on <{tag}>")
        if tag == "script":
            self.scripts.append(attributes)
            if not attributes.get("src"):
                self.problems.append("inline <script> without src")
            self._in_script = True
        if tag == "style":
            self.styles.append(attributes)
            if not attributes.get("nonce"):
                self.problems.append("<style> element without a nonce")
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.problems.append("<script src> with an inline body")


@pytest.fixture
def populated(client):
    """An admin who facilitates a space with another member, logged in."""
    admin = make_user("Admin", admin=True)
    other = make_user("Other")
    space = make_space("scan-me", private=True, title="Scanned space")
    add_member(space, admin, "facilitator")
    add_member(space, other, "editor")
    assert login(client, admin).status_code == 302
    from wiki.spaces.models import Membership

    membership_id = db.session.scalar(select(Membership.id).where(Membership.user_id == other.id))
    return {"space": space, "membership_id": membership_id}


def _scan(client, path: str) -> PageScanner:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "text/html"
    scanner = PageScanner.scan(response.get_data(as_text=True))
    nonce = csp_nonce_of(response)
    assert scanner.problems == [], (path, scanner.problems)
    assert all(attrs.get("nonce") == nonce for attrs in scanner.scripts + scanner.styles), path
    return scanner


def test_main_pages_have_no_inline_script(client, populated):
    pages = [
        "/",
        "/s/scan-me/",
        "/profile",
        "/s/scan-me/members",
        f"/s/scan-me/members/{populated['membership_id']}/remove",
        "/admin/spaces",
        "/admin/spaces/scan-me/edit",
        "/admin/users",
    ]
    for path in pages:
        _scan(client, path)


def test_anonymous_pages_have_no_inline_script(client):
    make_space("open-one")
    for path in ("/", "/login", "/register", "/s/open-one/"):
        _scan(client, path)
    response = client.get("/nope")
    assert response.status_code == 404
    assert PageScanner.scan(response.text).problems == []


def test_crawled_pages_have_no_inline_script(client, populated):
    """Follow every same-site link from the home page, so pages added later are scanned too."""
    seen: set[str] = set()
    queue = ["/"]
    while queue and len(seen) < 150:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = client.get(path)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        scanner = PageScanner.scan(response.get_data(as_text=True))
        assert scanner.problems == [], (path, scanner.problems)
        for href in scanner.links:
            target = urlsplit(urljoin("http://localhost" + path, href))
            if target.netloc in ("", "localhost") and not target.path.startswith("/static/"):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    assert {"/", "/s/scan-me/", "/admin/spaces"} <= seen


# --- errors -----------------------------------------------------------------------------------------


@pytest.fixture
def boom_app(app):
    def boom():
        raise RuntimeError("secret internal detail from the database layer")

    app.add_url_rule("/boom-test", "boom_test", boom)
    app.add_url_rule("/api/boom-test", "api_boom_test", boom)
    return app


def test_unexpected_exception_is_a_friendly_500_page(boom_app, caplog):
    response = boom_app.test_client().get("/boom-test")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "Something went wrong" in text
    assert "Traceback" not in text
    assert "secret internal detail" not in text
    assert "RuntimeError" not in text
    assert_security_headers(response)
    assert any(record.exc_info for record in caplog.records), "the error is logged with its traceback"


def test_unexpected_exception_on_api_is_json_500(boom_app):
    response = boom_app.test_client().get("/api/boom-test")
    assert response.status_code == 500
    assert response.is_json
    body = response.get_json()
    assert body["error"]
    assert "secret internal detail" not in response.get_data(as_text=True)


def test_body_over_max_content_length_is_413(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 64 * 1024 * 1024
    body = b"email=" + b"x" * (limit + 1)
    response = client.post("/login", data=body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "too large" in response.get_data(as_text=True)
    assert_security_headers(response)


def test_body_over_max_content_length_is_413_json_for_json_clients(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    response = client.post(
        "/login",
        data=b"email=" + b"x" * 2048,
        content_type="application/x-www-form-urlencoded",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]


def test_ids_past_32_bits_match_no_route_for_any_method(app, client):
    """Every <int:…> route, with every method it has, answers 404 for 2³¹ (and a JSON 404 under
    /api): ids are 32-bit columns, and a larger one is "no such thing", never a 405 or a 500."""
    checked = 0
    for rule in app.url_map.iter_rules():
        if "int" not in {type(c).__name__.lower().removeprefix("bounded") for c in rule._converters.values()}:
            continue
        path = re.sub(r"<int:[^>]+>", str(2**31), rule.rule)
        path = re.sub(r"<[^>]+>", "x", path)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            response = client.open(path, method=method)
            assert response.status_code == 404, (method, path, response.status_code)
            checked += 1
    assert checked > 50
