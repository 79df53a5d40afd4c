"""Deleting a document: only facilitators of its space and site admins, after a confirmation page
that says what will go and asks for the title (the API's DELETE is explicit enough by itself).

Expectations from the issue, written out from the permission rules rather than the code:
- facilitator and admin: the page shows what will go; the typed title deletes; DELETE is a 204;
- contributor and editor (they can read): 403, and the document stays;
- outsider: 403 on a public space, 404 on a private one (it must look like nothing is there);
- anonymous: the login page (HTML) or a 401 (API).
The deletion is real: every row belonging to the document is gone, through the foreign keys' ON
DELETE CASCADE, and nothing of another document is touched.
"""

import html
import itertools
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, add_member, make_document, make_space, make_user
from tests.worlds import BACKENDS, module_app
from wiki.documents.deletion import TITLE_MISMATCH, title_matches
from wiki.documents.models import Document
from wiki.extensions import db

ACTORS = ("anonymous", "outsider", "contributor", "editor", "facilitator", "admin")
KINDS = ("public", "private")
TEXT = "# Plan\n\nHousing comes first for everyone here.\n\nTransport links the towns.\n"
_made = itertools.count(1)


def expected(actor: str, kind: str, api: bool = False) -> int:
    if actor in ("facilitator", "admin"):
        return 204 if api else 200
    if actor == "anonymous":
        return 401 if api else 302
    if actor == "outsider" and kind == "private":
        return 404
    return 403


@dataclass
class World:
    app: object
    emails: dict  # (actor, kind) -> email, None for anonymous
    spaces: dict  # kind -> slug
    clients: dict = field(default_factory=dict)


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "deletion") as app:
        emails, spaces = {}, {}
        with app.app_context():
            outsider, admin = make_user("Olive Outsider"), make_user("Ada Admin", admin=True)
            for kind in KINDS:
                space = make_space(f"{kind}-plans", private=kind == "private")
                spaces[kind] = space.slug
                emails.update({("anonymous", kind): None, ("outsider", kind): outsider.email,
                               ("admin", kind): admin.email})
                for role in ("contributor", "editor", "facilitator"):
                    person = make_user(f"{kind.title()} {role.title()}")
                    add_member(space, person, role)
                    emails[(role, kind)] = person.email
            db.session.remove()
        yield World(app, emails, spaces)


def client_for(world: World, actor: str, kind: str):
    key = (actor, kind)
    if key not in world.clients:
        client = world.app.test_client()
        if actor != "anonymous":
            assert client.post("/login", data={"email": world.emails[key], "password": PASSWORD}).status_code == 302
        world.clients[key] = client
    return world.clients[key]


def new_document(world: World, kind: str) -> tuple[int, str, str]:
    """A fresh document in the space: (id, slug, title)."""
    with world.app.app_context():
        from wiki.spaces.models import Space

        space = db.session.scalar(select(Space).where(Space.slug == world.spaces[kind]))
        document = make_document(space, None, f"Plan {next(_made)} for {kind}", TEXT)
        made = document.id, document.slug, document.title
        db.session.remove()
    return made


def exists(world: World, document_id: int) -> bool:
    with world.app.app_context():
        found = db.session.get(Document, document_id) is not None
        db.session.remove()
    return found


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("actor", ACTORS)
def test_only_facilitators_and_admins_delete(world, actor, kind):
    client, space = client_for(world, actor, kind), world.spaces[kind]
    status = expected(actor, kind)
    doc_id, slug, title = new_document(world, kind)

    page = client.get(f"/s/{space}/{slug}/delete")
    assert page.status_code == status
    view = html.unescape(client.get(f"/s/{space}/{slug}").get_data(as_text=True))
    assert (f"/s/{space}/{slug}/delete" in view) == (status == 200)  # the link only for those who may
    if status == 200:
        text = html.unescape(page.get_data(as_text=True))
        assert f"Delete “{title}”?" in text and "1 revision:" in text and "cannot be undone" in text

    posted = client.post(f"/s/{space}/{slug}/delete", data={"title": title})
    if status == 200:
        assert posted.status_code == 302 and posted.headers["Location"] == f"/s/{space}/"
        assert f"“{title}” is deleted" in html.unescape(client.get(f"/s/{space}/").get_data(as_text=True))
        assert client.get(f"/s/{space}/{slug}").status_code == 404
        assert not exists(world, doc_id)
    else:
        assert posted.status_code == status
        assert exists(world, doc_id)

    api_doc, _, _ = new_document(world, kind)
    deleted = client.delete(f"/api/v1/documents/{api_doc}")
    assert deleted.status_code == expected(actor, kind, api=True)
    if deleted.status_code == 204:
        assert deleted.data == b""
        assert client.get(f"/api/v1/documents/{api_doc}").status_code == 404
    else:
        assert deleted.get_json()["error"]
    assert exists(world, api_doc) == (deleted.status_code != 204)


def test_a_wrong_or_missing_title_is_refused_and_deletes_nothing(world):
    client, space = client_for(world, "facilitator", "public"), world.spaces["public"]
    doc_id, slug, title = new_document(world, "public")
    wrong = client.post(f"/s/{space}/{slug}/delete", data={"title": "Something else"})
    assert wrong.status_code == 422 and TITLE_MISMATCH in html.unescape(wrong.get_data(as_text=True))
    missing = client.post(f"/s/{space}/{slug}/delete", data={})
    assert missing.status_code == 422 and "This field is required." in missing.get_data(as_text=True)
    assert exists(world, doc_id)
    sloppy = client.post(f"/s/{space}/{slug}/delete", data={"title": f"  {title.upper()} "})
    assert sloppy.status_code == 302 and not exists(world, doc_id)


def test_unknown_and_out_of_range_ids_are_404(world):
    client = client_for(world, "admin", "public")
    for document_id in (999999, 2**31 - 1):
        assert client.delete(f"/api/v1/documents/{document_id}").status_code == 404, document_id
    for document_id in (2**31, 10**12):  # no route takes them
        assert client.delete(f"/api/v1/documents/{document_id}").status_code == 404, document_id
    assert client.get(f"/s/{world.spaces['public']}/no-such-doc/delete").status_code == 404


def test_the_openapi_document_declares_the_delete(world):
    spec = world.app.test_client().get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/documents/{document_id}"]["delete"]
    assert set(operation["responses"]) >= {"204", "401", "403", "404", "409"}


@pytest.mark.parametrize(("typed", "title", "same"), [
    ("Housing plan", "Housing plan", True), ("  housing   PLAN ", "Housing plan", True),
    ("Housing", "Housing plan", False), ("", "Housing plan", False), (None, "Housing plan", False),
    ("   ", "   ", False),
])
def test_title_matching(typed, title, same):
    assert title_matches(typed, title) is same
