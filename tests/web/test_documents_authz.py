"""Who may open what among the document pages: every HTML document route × six kinds of visitor × two spaces.

The expectations are derived from the rules (wiki/auth/permissions.py), not copied from the code:
- reading (page, history, old revision, compare, named versions, attribution) follows can_read: anyone
  on a public space; on a private one members and site admins, and everyone else gets the same 404 as
  for a space that does not exist;
- writing (new, edit, revert, naming a version, the live preview) needs an editor, facilitator or site
  admin: other readers get 403, those who cannot read the space 404, and anonymous visitors the login
  page (or, for the one write route open to anonymous readers, POST versions, a 403);
- setting the status and deleting the document need a facilitator or site admin.
Every refused request must leave the database as it was (documents, revisions, named versions, status),
and every allowed write must have done exactly its one change.

One app and one set of people per database backend serve the whole module (built once: fast). Reads and
refused writes use one shared document per space; each allowed write gets a fresh document, so no test
depends on another.
"""

import html
import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.factories import make_document, make_space
from tests.worlds import ACTORS, BACKENDS, Cast, can_read, module_app
from wiki.auth.models import User
from wiki.documents import service
from wiki.documents.models import Document, NamedVersion, Revision
from wiki.extensions import db
from wiki.spaces.models import Space

NO_SUCH_SPACE = "No such space, or you do not have access to it."
ONLY_EDITORS = "Only editors and facilitators can change documents."
ONLY_FACILITATORS = "Only facilitators can do this."
SLUGS = {"public": "open-strategy", "private": "closed-strategy"}
FIRST = "# Plan\n\nHousing comes first.\n\nTransport links the towns.\n"
SECOND = "# Plan\n\nHousing comes first.\n\nRail and buses link the towns.\n"
_made = itertools.count(1)


@dataclass
class World:
    app: object
    cast: Cast
    shared: dict  # space kind -> slug of the document the read-only cases use


def _document_with_two_revisions(space, author) -> str:
    document = make_document(space, author, f"Plan {next(_made)}", FIRST)
    service.save(db.session, document, author, SECOND, 1, "rail and buses")
    return document.slug


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "docs-authz") as app:
        with app.app_context():
            spaces = {kind: make_space(slug, private=kind == "private", title=f"{kind.title()} strategy")
                      for kind, slug in SLUGS.items()}
            cast = Cast.build(spaces)
            admin = db.session.scalar(select(User).where(User.email == cast.emails[("admin", "public")]))
            shared = {kind: _document_with_two_revisions(space, admin) for kind, space in spaces.items()}
            db.session.remove()
        yield World(app, cast, shared)


def client_for(world: World, actor: str, space_kind: str):
    return world.cast.client(world.app, actor, space_kind)


# --- the rules -------------------------------------------------------------------------------------


def can_edit(actor: str) -> bool:
    return actor in ("editor", "facilitator", "admin")


def can_facilitate(actor: str) -> bool:
    return actor in ("facilitator", "admin")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # under /s/<space>/; <doc> is the document's slug
    rule: str  # read | edit | facilitate
    ok_status: int
    ok_text: str = ""  # shown on a 200 page; for a 302, the end of the Location ({space}, {doc} filled in)
    login_required: bool = True  # anonymous visitors are sent to the login page before anything else
    writes: str = ""  # what an allowed request changes: documents | revisions | versions | status


ROUTES = [
    Route("GET", "<doc>", "read", 200, "Rail and buses link the towns.", login_required=False),
    Route("GET", "<doc>/history", "read", 200, "History of", login_required=False),
    Route("GET", "<doc>/r/1", "read", 200, "You are reading", login_required=False),
    Route("GET", "<doc>/compare", "read", 200, "Compare revision 1 with revision 2", login_required=False),
    Route("GET", "<doc>/versions", "read", 200, "Named versions of", login_required=False),
    Route("GET", "<doc>/attribution", "read", 200, "Who wrote what", login_required=False),
    Route("GET", "new", "edit", 200, "New document"),
    Route("POST", "new", "edit", 302, "/s/{space}/made-", writes="documents"),
    Route("GET", "<doc>/edit", "edit", 200, "You are editing revision 2"),
    Route("POST", "<doc>/edit", "edit", 302, "/s/{space}/{doc}", writes="revisions"),
    Route("GET", "<doc>/r/1/revert", "edit", 200, "to revision 1?"),
    Route("POST", "<doc>/r/1/revert", "edit", 302, "/s/{space}/{doc}", writes="revisions"),
    Route("POST", "<doc>/versions", "edit", 302, "/s/{space}/{doc}/versions", login_required=False,
          writes="versions"),
    Route("POST", "preview", "edit", 200, '<h1 data-block="'),
    Route("POST", "<doc>/status", "facilitate", 302, "/s/{space}/{doc}", writes="status"),
    Route("GET", "<doc>/delete", "facilitate", 200, "This cannot be undone."),
    Route("POST", "<doc>/delete", "facilitate", 302, "/s/{space}/", writes="deleted"),
]


def expected(route: Route, actor: str, space_kind: str) -> tuple[int, str]:
    """(status, what the visitor should see: a message, or the start/end of where they are sent)."""
    if route.login_required and actor == "anonymous":
        return 302, "/login?next="
    if not can_read(actor, space_kind):
        return 404, NO_SUCH_SPACE
    if route.rule == "edit" and not can_edit(actor):
        return 403, ONLY_EDITORS
    if route.rule == "facilitate" and not can_facilitate(actor):
        return 403, ONLY_FACILITATORS
    return route.ok_status, route.ok_text


def form_for(world: World, route: Route, space_kind: str, doc: str) -> dict | None:
    if route.method != "POST":
        return None
    with world.app.app_context():
        document = db.session.scalar(select(Document).where(Document.slug == doc))
        head_number = document.head_number if document else 0
        title = document.title if document else ""
        db.session.remove()
    return {
        "new": {"title": f"Made {next(_made)}", "text": "# Made here\n\nNew text.\n", "summary": "made"},
        "<doc>/edit": {"title": doc.replace("-", " ").title(), "text": SECOND + "\nA new paragraph.\n",
                       "base_revision": str(head_number), "summary": "added", "action": "save"},
        "<doc>/r/1/revert": {},
        "<doc>/versions": {"name": f"Version {next(_made)}", "revision": "1"},
        "preview": {"text": "# Preview\n\nPreviewed text."},
        "<doc>/status": {"status": "consultation"},
        "<doc>/delete": {"title": title},
    }[route.path]


def snapshot(world: World, space_kind: str, doc: str) -> dict:
    """Everything a document route could change, for the space and document under test."""
    with world.app.app_context():
        space = db.session.scalar(select(Space).where(Space.slug == SLUGS[space_kind]))
        document = db.session.scalar(select(Document).where(Document.space_id == space.id, Document.slug == doc))
        documents = db.session.scalar(select(func.count()).select_from(Document).where(Document.space_id == space.id))
        if document is None:  # deleted
            db.session.remove()
            return {"documents": documents, "deleted": True}
        state = {
            "documents": documents,
            "revisions": db.session.scalar(select(func.count()).select_from(Revision)
                                           .where(Revision.document_id == document.id)),
            "versions": db.session.scalar(select(func.count()).select_from(NamedVersion)
                                          .where(NamedVersion.document_id == document.id)),
            "status": document.status,
            "head": document.head_number,
        }
        db.session.remove()
    return state


def fresh_document(world: World, space_kind: str) -> str:
    with world.app.app_context():
        space = db.session.scalar(select(Space).where(Space.slug == SLUGS[space_kind]))
        admin = db.session.scalar(select(User).where(User.is_admin.is_(True)))
        slug = _document_with_two_revisions(space, admin)
        db.session.remove()
    return slug


CASES = [
    pytest.param(route, actor, kind, id=f"{route.method} {route.path} | {actor} | {kind}")
    for route in ROUTES
    for actor in ACTORS
    for kind in ("public", "private")
]


@pytest.mark.parametrize(("route", "actor", "space_kind"), CASES)
def test_document_route_authorisation(world, route, actor, space_kind):
    status, shown = expected(route, actor, space_kind)
    allowed = shown == route.ok_text  # not refused (a login redirect is a 302 too)
    # a write that is allowed gets a document of its own; a refused one must leave the shared one as it was
    changes_document = route.writes in ("revisions", "versions", "status", "deleted")
    doc = fresh_document(world, space_kind) if allowed and changes_document else world.shared[space_kind]
    space = SLUGS[space_kind]
    path = f"/s/{space}/{route.path.replace('<doc>', doc)}"
    data = form_for(world, route, space_kind, doc)
    before = snapshot(world, space_kind, doc)

    response = client_for(world, actor, space_kind).open(path, method=route.method, data=data)

    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:2000]
    if status == 302 and shown.startswith("/login"):
        assert response.headers["Location"].startswith(shown)
    elif status == 302:
        location = response.headers["Location"]
        target = shown.format(space=space, doc=doc)
        assert location.startswith(target) if target.endswith("-") else location == target, location
    elif route.path == "preview" and status == 200:
        assert response.is_json and shown in response.get_json()["html"]
    else:
        assert shown in html.unescape(body), body[:2000]
    if status == 404:  # a hidden document gives nothing away
        assert "Housing comes first" not in body and "Plan " not in body

    after = snapshot(world, space_kind, doc)
    change = route.writes if allowed else ""
    assert after == _expected_state(before, change)


def _expected_state(before: dict, change: str) -> dict:
    state = dict(before)
    if change == "documents":
        state["documents"] += 1
    elif change == "revisions":
        state["revisions"] += 1
        state["head"] += 1
    elif change == "versions":
        state["versions"] += 1
    elif change == "status":
        state["status"] = "consultation"
    elif change == "deleted":
        state = {"documents": state["documents"] - 1, "deleted": True}
    return state


def test_the_matrix_covers_every_document_route(world):
    assert len(CASES) == len(ROUTES) * len(ACTORS) * 2
    registered = {
        (method, rule.rule.removeprefix("/s/<space_slug>/").replace("<slug>", "<doc>").replace("<int:number>", "1"))
        for rule in world.app.url_map.iter_rules() if rule.endpoint.startswith("documents.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert registered == {(route.method, route.path) for route in ROUTES}


@pytest.mark.parametrize("actor", ["anonymous", "outsider", "contributor"])
def test_a_hidden_private_document_looks_exactly_like_a_missing_one(world, actor):
    # a contributor of the *public* space is an outsider to the private one
    client = client_for(world, actor, "public")
    for suffix in ("", "/history", "/r/1", "/compare", "/versions", "/attribution"):
        hidden = client.get(f"/s/{SLUGS['private']}/{world.shared['private']}{suffix}")
        missing = client.get(f"/s/no-such-space/no-such-doc{suffix}")
        assert hidden.status_code == missing.status_code == 404, suffix
        for response in (hidden, missing):
            text = html.unescape(response.get_data(as_text=True))
            assert NO_SUCH_SPACE in text and "Page not found" in text, suffix
            assert "Plan " not in text and "Housing" not in text and "Private strategy" not in text, suffix
