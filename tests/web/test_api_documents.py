"""The documents JSON API: lifecycle, merges and conflicts, the role × privacy matrix, bad input, Unicode."""

import re

import pytest

from tests.factories import add_member, login, make_space, make_user, token_for
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db

ROLES = ("anonymous", "outsider", "contributor", "editor", "facilitator", "admin")
BASE = "# Plan\n\nFirst paragraph about housing.\n\nSecond paragraph about transport.\n\nThird paragraph about jobs.\n"


class Api:
    """The test client with a Bearer token (or none), speaking JSON."""

    def __init__(self, client, token: str | None = None):
        self.client, self.token = client, token

    def call(self, method: str, url: str, body=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            kwargs["json"] = body
        return self.client.open("/api/v1" + url, method=method, headers=headers, **kwargs)

    def get(self, url, **kw):
        return self.call("GET", url, **kw)

    def post(self, url, body=None, **kw):
        return self.call("POST", url, body, **kw)

    def put(self, url, body=None, **kw):
        return self.call("PUT", url, body, **kw)


def make_document(space, author, text=BASE, title="Housing plan"):
    document = documents.create_document(db.session, space, author, title, text)
    return document.id


def head_of(document_id: int) -> int:
    db.session.expire_all()
    return db.session.get(Document, document_id).head_number


@pytest.fixture
def world(app):
    """Two spaces and a user per role; members hold the same role in both spaces."""
    spaces = {False: make_space("open"), True: make_space("closed", private=True)}
    users = {"outsider": make_user("Olive Outsider"), "admin": make_user("Ada Admin", admin=True)}
    for role in ("contributor", "editor", "facilitator"):
        users[role] = make_user(f"{role.title()} Person")
        for space in spaces.values():
            add_member(space, users[role], role)
    return spaces, users


@pytest.fixture
def editor_api(client, world):
    return Api(client, token_for(world[1]["editor"]))


def api_as(client, world, role: str) -> Api:
    return Api(client, None if role == "anonymous" else token_for(world[1][role]))


# --- the whole lifecycle ----------------------------------------------------------------------


def test_create_get_save_history_diff_revert(editor_api):
    created = editor_api.post("/spaces/open/documents", {"title": "Café plan", "text": BASE, "summary": "Start"})
    assert created.status_code == 201, created.json
    doc = created.json
    assert doc["slug"] == "cafe-plan" and doc["revision"] == 1
    assert created.headers["Location"].endswith(f"/api/v1/documents/{doc['id']}")

    got = editor_api.get(f"/documents/{doc['id']}").json
    assert got == {**got, "id": doc["id"], "space": "open", "slug": "cafe-plan", "title": "Café plan",
                   "status": "draft", "revision": 1, "text": BASE}
    assert "<h1" in got["html"] and "housing" in got["html"]

    new_text = BASE.replace("housing", "affordable housing")
    saved = editor_api.put(f"/documents/{doc['id']}", {"text": new_text, "base_revision": 1, "summary": "Sharper"})
    assert saved.status_code == 200, saved.json
    assert saved.json == {"revision": 2, "created": True, "merged": False, "merged_with": []}

    assert_history(editor_api, doc["id"], new_text)

    diff = editor_api.get(f"/documents/{doc['id']}/diff?from=1&to=2").json["diff"]
    assert [1, "affordable "] in diff
    assert "".join(t for op, t in diff if op <= 0) == BASE
    assert "".join(t for op, t in diff if op >= 0) == new_text

    reverted = editor_api.post(f"/documents/{doc['id']}/revert", {"revision": 1})
    assert reverted.status_code == 200 and reverted.json == {"revision": 3, "created": True}
    assert editor_api.get(f"/documents/{doc['id']}").json["text"] == BASE
    again = editor_api.post(f"/documents/{doc['id']}/revert", {"revision": 3})
    assert again.json == {"revision": 3, "created": False}


def assert_history(api: Api, doc: int, new_text: str) -> None:
    """Two revisions: "Start" (BASE) then "Sharper" (new_text), both by the editor."""
    history = api.get(f"/documents/{doc}/revisions").json
    assert (history["page"], history["pages"], history["total"]) == (1, 1, 2)
    newest = history["revisions"][0]
    assert newest["number"] == 2 and newest["summary"] == "Sharper" and newest["authors"] == ["Editor Person"]
    assert newest["size"] == len(new_text) and newest["size_delta"] == len("affordable ")
    assert newest["created_at"].endswith("+00:00")
    assert history["revisions"][1]["summary"] == "Start"

    first = api.get(f"/documents/{doc}/revisions/1").json
    assert first["text"] == BASE and first["author"] == "Editor Person" and first["authors"] == ["Editor Person"]
    assert first["number"] == 1 and first["summary"] == "Start" and first["created_at"].endswith("+00:00")
    assert "housing" in first["html"]


def test_title_can_change_on_save(editor_api, world):
    doc = make_document(world[0][False], world[1]["editor"])
    saved = editor_api.put(f"/documents/{doc}", {"text": BASE, "base_revision": 1, "title": "New name"})
    assert saved.json["created"] is True
    assert editor_api.get(f"/documents/{doc}").json["title"] == "New name"


# --- concurrent saves -------------------------------------------------------------------------


def test_stale_save_with_separate_edits_merges(client, world, editor_api):
    doc = make_document(world[0][False], world[1]["editor"])
    facilitator = Api(client, token_for(world[1]["facilitator"]))
    theirs = BASE.replace("housing", "social housing")
    assert facilitator.put(f"/documents/{doc}", {"text": theirs, "base_revision": 1}).json["revision"] == 2

    mine = BASE.replace("jobs", "good jobs")
    response = editor_api.put(f"/documents/{doc}", {"text": mine, "base_revision": 1, "summary": "Jobs"})
    assert response.status_code == 200, response.json
    assert response.json == {"revision": 3, "created": True, "merged": True, "merged_with": ["Facilitator Person"]}
    text = editor_api.get(f"/documents/{doc}").json["text"]
    assert "social housing" in text and "good jobs" in text


def test_stale_save_with_overlapping_edit_is_a_conflict(client, world, editor_api):
    doc = make_document(world[0][False], world[1]["editor"])
    theirs = BASE.replace("about transport", "about buses")
    Api(client, token_for(world[1]["admin"])).put(f"/documents/{doc}", {"text": theirs, "base_revision": 1})

    mine = BASE.replace("about transport", "about trains")
    response = editor_api.put(f"/documents/{doc}", {"text": mine, "base_revision": 1})
    assert response.status_code == 409
    body = response.json
    assert body["error"] and body["head_revision"] == 2 and body["conflicts"]
    conflict = body["conflicts"][0]
    assert set(conflict) == {"start", "end", "base", "theirs", "mine"}
    assert "buses" in conflict["theirs"] and "trains" in conflict["mine"] and "transport" in conflict["base"]
    head = editor_api.get(f"/documents/{doc}").json
    assert head["revision"] == 2 and head["text"] == theirs

    retried = editor_api.put(f"/documents/{doc}", {"text": mine, "base_revision": body["head_revision"]})
    assert retried.json["revision"] == 3 and retried.json["merged"] is False


def test_identical_save_creates_no_revision(editor_api, world):
    doc = make_document(world[0][False], world[1]["editor"])
    response = editor_api.put(f"/documents/{doc}", {"text": BASE, "base_revision": 1, "summary": "Nothing"})
    assert response.status_code == 200
    assert response.json == {"revision": 1, "created": False, "merged": False, "merged_with": []}
    assert editor_api.get(f"/documents/{doc}/revisions").json["total"] == 1
    crlf = editor_api.put(f"/documents/{doc}", {"text": BASE.replace("\n", "\r\n"), "base_revision": 1})
    assert crlf.json["created"] is False


# --- who may do what --------------------------------------------------------------------------

WRITE_EXPECTED = {  # role → (status on a public space, status on a private space) when refused
    "anonymous": (401, 401),
    "outsider": (403, 404),
    "contributor": (403, 403),
}
READ_EXPECTED = {"anonymous": (200, 404), "outsider": (200, 404)}  # everyone else: 200


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize("role", ROLES)
def test_writes_by_role(client, world, role, private):
    spaces, users = world
    space = spaces[private]
    doc = make_document(space, users["editor"])
    documents.save(db.session, db.session.get(Document, doc), users["editor"], BASE + "More.\n", 1)
    api = api_as(client, world, role)
    calls = {
        "create": (api.post(f"/spaces/{space.slug}/documents", {"title": "T", "text": "x"}), 201),
        "put": (api.put(f"/documents/{doc}", {"text": "changed\n", "base_revision": 2}), 200),
        "revert": (api.post(f"/documents/{doc}/revert", {"revision": 1}), 200),
    }
    refused = WRITE_EXPECTED.get(role)
    for action, (response, ok) in calls.items():
        expected = refused[private] if refused else ok
        assert response.status_code == expected, (action, response.json)
        assert response.is_json and (expected < 400 or response.json["error"])
    assert head_of(doc) == (2 if refused else 4)
    assert db.session.query(Document).filter_by(space_id=space.id).count() == (1 if refused else 2)


@pytest.mark.parametrize("private", [False, True], ids=["public", "private"])
@pytest.mark.parametrize("role", ROLES)
def test_reads_by_role(client, world, role, private):
    spaces, users = world
    doc = make_document(spaces[private], users["editor"])
    api = api_as(client, world, role)
    expected = READ_EXPECTED.get(role, (200, 200))[private]
    for url in (f"/documents/{doc}", f"/documents/{doc}/revisions", f"/documents/{doc}/revisions/1",
                f"/documents/{doc}/diff?from=1&to=1"):
        response = api.get(url)
        assert response.status_code == expected, (url, response.json)
        assert response.is_json
        if expected == 404:
            assert BASE not in response.get_data(as_text=True)


def test_session_writes_need_csrf_but_tokens_do_not(app, client, world):
    editor = world[1]["editor"]
    login(client, editor)
    app.config["WTF_CSRF_ENABLED"] = True
    body = {"title": "Via session", "text": "x"}
    refused = client.post("/api/v1/spaces/open/documents", json=body)
    assert refused.status_code == 400 and refused.is_json
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    assert csrf, "the login form carries a CSRF token"
    accepted = client.post("/api/v1/spaces/open/documents", json=body, headers={"X-CSRFToken": csrf.group(1)})
    assert accepted.status_code == 201, accepted.json
    bearer = Api(app.test_client(), token_for(editor)).post("/spaces/open/documents", body)
    assert bearer.status_code == 201


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "content_type"), [
    ("not json", "application/json"),
    ("", "application/json"),
    ('{"text": "x", ', "application/json"),
    ('["a list"]', "application/json"),
    ('"a string"', "application/json"),
    ("null", "application/json"),
    ("text=x&base_revision=1", "application/x-www-form-urlencoded"),
    (b"\xff\xfe\x00", "application/json"),
])
def test_body_that_is_not_a_json_object_is_400(editor_api, world, raw, content_type):
    doc = make_document(world[0][False], world[1]["editor"])
    for method, url in (("PUT", f"/documents/{doc}"), ("POST", f"/documents/{doc}/revert"),
                        ("POST", "/spaces/open/documents")):
        response = editor_api.call(method, url, data=raw, content_type=content_type)
        assert response.status_code == 400, (url, response.get_data(as_text=True))
        assert "JSON object" in response.json["error"]


@pytest.mark.parametrize(("body", "field"), [
    ({"text": 5, "base_revision": 1}, "text"),
    ({"text": None, "base_revision": 1}, "text"),
    ({"text": ["x"], "base_revision": 1}, "text"),
    ({"text": "x", "base_revision": "1"}, "base_revision"),
    ({"text": "x", "base_revision": 1.0}, "base_revision"),
    ({"text": "x", "base_revision": True}, "base_revision"),
    ({"text": "x", "base_revision": None}, "base_revision"),
    ({"text": "x"}, "base_revision"),
    ({"base_revision": 1}, "text"),
    ({"text": "x", "base_revision": 1, "summary": 3}, "summary"),
    ({"text": "x", "base_revision": 1, "title": 3}, "title"),
])
def test_wrong_field_types_are_422(editor_api, world, body, field):
    doc = make_document(world[0][False], world[1]["editor"])
    response = editor_api.put(f"/documents/{doc}", body)
    assert response.status_code == 422
    assert response.json["field"] == field and f"'{field}'" in response.json["error"]
    assert head_of(doc) == 1


def test_other_bad_bodies(editor_api, world):
    doc = make_document(world[0][False], world[1]["editor"])
    unknown = editor_api.put(f"/documents/{doc}", {"text": "x", "base_revision": 1, "base_revison": 2})
    assert unknown.status_code == 422 and "base_revison" in unknown.json["error"]
    assert editor_api.post(f"/documents/{doc}/revert", {"revision": "1"}).status_code == 422
    assert editor_api.post("/spaces/open/documents", {"title": "T"}).status_code == 422
    assert editor_api.post("/spaces/open/documents", {"title": None, "text": "x"}).status_code == 422
    long_title = editor_api.post("/spaces/open/documents", {"title": "t" * 201, "text": "x"})
    assert long_title.status_code == 422 and "200" in long_title.json["error"]
    put_title = editor_api.put(f"/documents/{doc}", {"text": "x", "base_revision": 1, "title": "t" * 201})
    assert put_title.status_code == 422
    assert editor_api.post("/spaces/open/documents", {"title": "   ", "text": "x"}).status_code == 422
    long_summary = editor_api.put(f"/documents/{doc}", {"text": "x", "base_revision": 1, "summary": "s" * 501})
    assert long_summary.status_code == 422
    assert head_of(doc) == 1


def test_text_over_the_limit_is_413(app, editor_api, world):
    app.config["DOCUMENT_MAX_BYTES"] = 1000
    doc = make_document(world[0][False], world[1]["editor"])
    big = "é" * 501  # 1002 bytes in UTF-8, 501 characters
    put = editor_api.put(f"/documents/{doc}", {"text": big, "base_revision": 1})
    assert put.status_code == 413 and "1,000" in put.json["error"]
    create = editor_api.post("/spaces/open/documents", {"title": "Big", "text": big})
    assert create.status_code == 413 and create.is_json
    assert head_of(doc) == 1


def test_unknown_documents_and_revisions_are_404(editor_api, world):
    doc = make_document(world[0][False], world[1]["editor"])
    for missing in (999_999, 10**30):  # the huge one cannot even be bound by SQLite
        for method, url, body in (
            ("GET", f"/documents/{missing}", None), ("GET", f"/documents/{missing}/revisions", None),
            ("GET", f"/documents/{missing}/revisions/1", None), ("GET", f"/documents/{missing}/diff?from=1&to=1", None),
            ("PUT", f"/documents/{missing}", {"text": "x", "base_revision": 1}),
            ("POST", f"/documents/{missing}/revert", {"revision": 1}),
            ("GET", f"/documents/{doc}/revisions/{missing}", None),
        ):
            response = editor_api.call(method, url, body)
            assert response.status_code == 404, (method, url, response.get_data(as_text=True))
            assert response.json["error"]
    for method, url, body in (
        ("GET", f"/documents/{doc}/diff?from=1&to=999999", None),
        ("PUT", f"/documents/{doc}", {"text": "x", "base_revision": 999_999}),
        ("POST", f"/documents/{doc}/revert", {"revision": 999_999}),
        ("GET", f"/documents/{doc}/revisions/0", None),
        ("POST", "/spaces/nowhere/documents", {"title": "T", "text": "x"}),
    ):
        assert editor_api.call(method, url, body).status_code == 404, url
    assert head_of(doc) == 1


def test_out_of_range_integers_are_refused_not_500(editor_api, world):
    doc = make_document(world[0][False], world[1]["editor"])
    huge = 10**30
    assert editor_api.get(f"/documents/{doc}/diff?from=1&to={huge}").status_code == 400
    put = editor_api.put(f"/documents/{doc}", {"text": "x", "base_revision": huge})
    assert put.status_code == 422 and "out of range" in put.json["error"]
    assert editor_api.post(f"/documents/{doc}/revert", {"revision": -huge}).status_code == 422


@pytest.mark.parametrize("query", ["", "?from=1", "?to=1", "?from=a&to=1", "?from=1&to=2.5", "?from=&to=1"])
def test_diff_needs_integer_from_and_to(editor_api, world, query):
    doc = make_document(world[0][False], world[1]["editor"])
    response = editor_api.get(f"/documents/{doc}/diff{query}")
    assert response.status_code == 400
    assert "from" in response.json["error"] or "to" in response.json["error"]


def test_history_is_paginated(app, editor_api, world):
    app.config["PER_PAGE"] = 2
    editor = world[1]["editor"]
    doc = make_document(world[0][False], editor)
    for n in range(2, 6):
        documents.save(db.session, db.session.get(Document, doc), editor, f"{BASE}\nedit {n}\n", n - 1)
    second = editor_api.get(f"/documents/{doc}/revisions?page=2").json
    assert (second["page"], second["pages"], second["total"]) == (2, 3, 5)
    assert [r["number"] for r in second["revisions"]] == [3, 2]
    assert editor_api.get(f"/documents/{doc}/revisions?page=junk").json["page"] == 1
    assert editor_api.get(f"/documents/{doc}/revisions?page=99").json["revisions"] == []


# --- Unicode and offsets ----------------------------------------------------------------------


def test_unicode_round_trips_and_diffs_reconstruct(editor_api):
    text = "# Stratégie 🌍\n\n住房政策：每个人都有家。\n\nCafé, naïve, Zürich — 👩🏽‍⚕️ care.\n"
    created = editor_api.post("/spaces/open/documents", {"title": "Stratégie 🌍 住房", "text": text}).json
    got = editor_api.get(f"/documents/{created['id']}").json
    assert got["text"] == text and got["title"] == "Stratégie 🌍 住房"
    assert "住房政策" in got["html"] and "🌍" in got["html"]

    new = text.replace("每个人", "所有人").replace("🌍", "🌏🌱").replace("naïve", "naïf")
    assert editor_api.put(f"/documents/{created['id']}", {"text": new, "base_revision": 1}).json["revision"] == 2
    assert editor_api.get(f"/documents/{created['id']}/revisions/2").json["text"] == new
    diff = editor_api.get(f"/documents/{created['id']}/diff?from=1&to=2").json["diff"]
    assert "".join(t for op, t in diff if op in (-1, 0)) == text
    assert "".join(t for op, t in diff if op in (0, 1)) == new
    assert {op for op, _ in diff} <= {-1, 0, 1}


def test_conflict_offsets_are_code_points(client, world, editor_api):
    text = "🌍 Intro é.\n\nLine about 住房 policy.\n"
    doc = make_document(world[0][False], world[1]["editor"], text)
    theirs = text.replace("住房 policy", "住房 plan")
    Api(client, token_for(world[1]["admin"])).put(f"/documents/{doc}", {"text": theirs, "base_revision": 1})
    conflict = editor_api.put(f"/documents/{doc}", {"text": text.replace("住房 policy", "住房 rules"),
                                                    "base_revision": 1}).json
    assert conflict["conflicts"]
    for c in conflict["conflicts"]:  # a region of the merged text, which holds theirs there
        assert conflict["merged_text"][c["start"]:c["end"]] == c["theirs"]
        assert "住房 plan" in c["theirs"] and "住房 rules" in c["mine"] and c["base"] in text
    assert conflict["merged_text"] == theirs


# --- the OpenAPI document ---------------------------------------------------------------------


def test_openapi_lists_every_document_route(client):
    spec = client.get("/api/v1/openapi.json").json
    expected = {
        "/spaces/{space}/documents": {"post"},
        "/documents/{document_id}": {"get", "put"},
        "/documents/{document_id}/revisions": {"get"},
        "/documents/{document_id}/revisions/{number}": {"get"},
        "/documents/{document_id}/diff": {"get"},
        "/documents/{document_id}/revert": {"post"},
    }
    for path, methods in expected.items():
        assert methods <= set(spec["paths"][path]), path
    put = spec["paths"]["/documents/{document_id}"]["put"]
    body = put["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["text", "base_revision"]
    assert body["properties"]["base_revision"]["type"] == "integer"
    assert "409" in put["responses"] and "conflicts" in put["responses"]["409"]["content"]["application/json"][
        "schema"]["properties"]
    assert spec["paths"]["/documents/{document_id}"]["get"]["security"] == []
    assert "security" not in put
