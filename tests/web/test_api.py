"""The JSON API: token and session authentication, space listing, JSON errors, the OpenAPI document."""

import re
from urllib.parse import urlsplit

import pytest

from tests.factories import add_member, login, make_space, make_user, token_for
from wiki.extensions import db

IGNORED_METHODS = {"HEAD", "OPTIONS"}


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_json_error(response, status: int):
    assert response.status_code == status, response.data
    assert response.is_json, response.headers.get("Content-Type")
    body = response.get_json()
    assert isinstance(body.get("error"), str) and body["error"], body
    return body


# --- /me ---------------------------------------------------------------------------------------


def test_me_with_token(client):
    user = make_user("Ada", email="ada@example.org")
    space = make_space("alpha", private=True)
    other = make_space("beta")
    add_member(space, user, "editor")
    add_member(other, user, "contributor")

    response = client.get("/api/v1/me", headers=bearer(token_for(user)))

    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == user.id
    assert body["display_name"] == "Ada"
    assert body["email"] == "ada@example.org"
    assert body["is_admin"] is False
    assert sorted(body["memberships"], key=lambda m: m["space"]) == [
        {"space": "alpha", "role": "editor"},
        {"space": "beta", "role": "contributor"},
    ]


def test_me_token_sets_no_session_cookie(client):
    """A token call is stateless: it must not hand out a session that then works without the token."""
    user = make_user()
    response = client.get("/api/v1/me", headers=bearer(token_for(user)))
    assert response.status_code == 200
    assert_json_error(client.get("/api/v1/me"), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer wk_not-a-real-token",
        "Bearer garbage",
        "Bearer ",
        "Bearer " + "wk_" + "x" * 500,
        "Basic dXNlcjpwYXNz",
        "wk_token-without-scheme",
    ],
)
def test_me_with_wrong_token_is_401_json(client, header):
    make_user()
    assert_json_error(client.get("/api/v1/me", headers={"Authorization": header}), 401)


def test_me_with_another_users_token_hash_fails(client):
    """Only the token itself authenticates; its stored hash is not a token."""
    from wiki.auth.models import ApiToken

    user = make_user()
    token_for(user)
    stored = db.session.scalars(db.select(ApiToken.token_hash)).one()
    assert_json_error(client.get("/api/v1/me", headers=bearer(stored)), 401)
    assert_json_error(client.get("/api/v1/me", headers=bearer("wk_" + stored)), 401)


def test_me_with_browser_session(client):
    user = make_user("Grace")
    assert login(client, user).status_code == 302
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.get_json()["display_name"] == "Grace"


def test_me_anonymous_is_401_json(client):
    body = assert_json_error(client.get("/api/v1/me"), 401)
    assert "log in" in body["error"].lower() or "token" in body["error"].lower()


def test_token_of_disabled_account_is_refused(client):
    user = make_user()
    token = token_for(user)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    user.is_active_account = False
    db.session.commit()
    assert_json_error(client.get("/api/v1/me", headers=bearer(token)), 401)


def test_token_does_not_authenticate_html_pages(client):
    """Tokens are for /api only: a page must not accept one (no CSRF-free cookie-less logins)."""
    user = make_user()
    response = client.get("/profile", headers=bearer(token_for(user)))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


# --- /spaces -----------------------------------------------------------------------------------


def _spaces(client, **kwargs) -> dict:
    response = client.get("/api/v1/spaces", **kwargs)
    assert response.status_code == 200
    return {space["slug"]: space for space in response.get_json()["spaces"]}


def test_spaces_anonymous_sees_public_only(client):
    make_space("open", title="Open")
    make_space("hidden", private=True, title="Hidden")
    spaces = _spaces(client)
    assert set(spaces) == {"open"}
    assert spaces["open"]["private"] is False
    assert spaces["open"]["role"] is None
    assert spaces["open"]["title"] == "Open"
    assert urlsplit(spaces["open"]["url"]).path == "/s/open/"


def test_spaces_member_sees_their_private_space_with_role(client):
    user = make_user()
    make_space("open")
    mine = make_space("mine", private=True)
    make_space("theirs", private=True)
    add_member(mine, user, "facilitator")
    spaces = _spaces(client, headers=bearer(token_for(user)))
    assert set(spaces) == {"open", "mine"}
    assert spaces["mine"]["role"] == "facilitator"
    assert spaces["mine"]["private"] is True
    assert spaces["open"]["role"] is None


def test_spaces_admin_sees_all(client):
    admin = make_user(admin=True)
    make_space("open")
    make_space("hidden-1", private=True)
    make_space("hidden-2", private=True)
    spaces = _spaces(client, headers=bearer(token_for(admin)))
    assert set(spaces) == {"open", "hidden-1", "hidden-2"}
    assert all(space["role"] is None for space in spaces.values())


def test_spaces_with_session(client):
    user = make_user()
    mine = make_space("mine", private=True)
    add_member(mine, user, "contributor")
    login(client, user)
    assert _spaces(client)["mine"]["role"] == "contributor"


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/nope", "/api/v1/spaces/x/y/z"])
def test_unknown_api_route_is_json_404(client, path):
    assert_json_error(client.get(path), 404)


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_wrong_method_is_json_405(client, method):
    response = getattr(client, method)("/api/v1/me", json={})
    assert_json_error(response, 405)
    assert "GET" in response.headers.get("Allow", "")


def test_unknown_html_route_is_an_html_page(client):
    response = client.get("/nope", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"


# --- OpenAPI -----------------------------------------------------------------------------------


@pytest.fixture
def openapi_doc(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.is_json
    return response.get_json()


def test_openapi_document_structure(openapi_doc):
    assert re.fullmatch(r"3\.\d+\.\d+", openapi_doc["openapi"])
    assert openapi_doc["info"]["title"]
    assert openapi_doc["info"]["version"]
    assert isinstance(openapi_doc["paths"], dict) and openapi_doc["paths"]
    for path, item in openapi_doc["paths"].items():
        assert path.startswith("/"), path
        for method, op in item.items():
            assert method in {"get", "put", "post", "delete", "patch"}, (path, method)
            assert op["responses"], (path, method)
            assert op.get("operationId"), (path, method)
    operation_ids = [op["operationId"] for item in openapi_doc["paths"].values() for op in item.values()]
    assert len(operation_ids) == len(set(operation_ids)), "operationIds must be unique"
    schemes = openapi_doc["components"]["securitySchemes"]
    assert schemes["bearer"]["scheme"] == "bearer"


def test_openapi_is_public(openapi_doc):
    assert openapi_doc["paths"]["/openapi.json"]["get"]["security"] == []
    assert openapi_doc["paths"]["/spaces"]["get"]["security"] == []
    assert "security" not in openapi_doc["paths"]["/me"]["get"]  # inherits the global requirement


def test_openapi_validates(openapi_doc):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi_doc)


def _openapi_path(rule: str) -> str:
    """Flask's <int:x> / <x> / <path:x> become OpenAPI's {x}."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_every_api_route_is_documented(app, openapi_doc):
    """Each /api/v1 rule, with each of its methods, has an operation — and nothing else is listed."""
    prefix = urlsplit(openapi_doc["servers"][0]["url"]).path.rstrip("/")
    assert prefix == "/api/v1"
    documented = {
        (prefix + path, method.upper())
        for path, item in openapi_doc["paths"].items()
        for method in item
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.rule == prefix or rule.rule.startswith(prefix + "/"):
            for method in rule.methods - IGNORED_METHODS:
                routed.add((_openapi_path(rule.rule), method))
    assert routed, "no API routes found"
    assert sorted(routed - documented) == [], "routes missing from the OpenAPI document"
    assert sorted(documented - routed) == [], "documented operations without a route"


def test_every_path_parameter_is_declared(openapi_doc):
    for path, item in openapi_doc["paths"].items():
        names = set(re.findall(r"{([^}]+)}", path))
        for method, op in item.items():
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == names, (path, method)


def test_openapi_path_conversion():
    assert _openapi_path("/api/v1/s/<slug>/docs/<int:doc_id>") == "/api/v1/s/{slug}/docs/{doc_id}"
    assert _openapi_path("/api/v1/files/<path:name>") == "/api/v1/files/{name}"
