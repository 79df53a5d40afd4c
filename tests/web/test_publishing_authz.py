"""Who may publish and who may read editions: every publishing route × six kinds of visitor × two spaces.

Derived from the rules, not the code:
- publishing (the confirmation page, the preview, the publish POST and the API POST) is for the
  space's facilitators and site admins; other readers get 403, people who cannot read the space 404
  (as for a missing document), anonymous visitors the login page (the API: 401);
- the editions list (page and API) follows reading;
- an edition's public URLs are open to everyone, signed in or not, whatever the space's privacy.
Every allowed publish makes exactly one edition (on a fresh document); every refused one makes none.
"""

import itertools
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from tests.factories import make_document, make_space
from tests.worlds import ACTORS, BACKENDS, Cast, can_read, module_app
from wiki.auth.models import User
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.publishing import service
from wiki.publishing.models import Edition
from wiki.spaces.models import Space

SLUGS = {"public": "open-publishing", "private": "closed-publishing"}
PUBLISHERS = ("facilitator", "admin")
_made = itertools.count(1)


@dataclass
class World:
    app: object
    cast: Cast
    shared: dict  # space kind -> (document id, slug), published once as edition 1


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "publishing-authz") as app:
        with app.app_context():
            spaces = {kind: make_space(slug, private=kind == "private", title=kind) for kind, slug in SLUGS.items()}
            cast = Cast.build(spaces)
            shared = {}
            for kind, space in spaces.items():
                author = db.session.scalar(select(User).where(User.email == cast.emails[("editor", kind)]))
                document = make_document(space, author, f"Shared {kind}", "# Plan\n\n## One\n\nText.\n")
                service.publish(db.session, space, document, author, None, "", lambda n: f"/p/{n}/")
                shared[kind] = (document.id, document.slug)
            db.session.remove()
        yield World(app, cast, shared)


def _fresh_document(world, kind: str) -> tuple[int, str]:
    with world.app.app_context():
        space = db.session.scalar(select(Space).where(Space.slug == SLUGS[kind]))
        author = db.session.scalar(select(User).where(User.email == world.cast.emails[("editor", kind)]))
        document = make_document(space, author, f"Fresh {next(_made)}", "# Fresh\n\nText.\n")
        found = document.id, document.slug
        db.session.remove()
    return found


def _editions(world, document_id: int) -> int:
    with world.app.app_context():
        count = db.session.scalar(select(func.count(Edition.id)).where(Edition.document_id == document_id))
        db.session.remove()
    return count


def _expected_for_publishing(actor: str, kind: str, allowed: int, api: bool = False) -> int:
    if actor in PUBLISHERS:
        return allowed
    if actor == "anonymous":
        return 401 if api else 302
    return 403 if can_read(actor, kind) else 404


CASES = [(actor, kind) for actor in ACTORS for kind in SLUGS]


@pytest.mark.parametrize(("actor", "kind"), CASES)
def test_publishing_pages_are_for_facilitators(world, actor, kind):
    client = world.cast.client(world.app, actor, kind)
    document_id, slug = _fresh_document(world, kind)
    base = f"/s/{SLUGS[kind]}/{slug}"
    assert client.get(f"{base}/publish").status_code == _expected_for_publishing(actor, kind, 200)
    assert client.get(f"{base}/publish/preview").status_code == _expected_for_publishing(actor, kind, 200)
    assert client.post(f"{base}/publish/preview", data={}).status_code == _expected_for_publishing(actor, kind, 200)
    response = client.post(f"{base}/publish", data={"notes": ""})
    assert response.status_code == _expected_for_publishing(actor, kind, 302)
    if response.status_code == 302 and actor == "anonymous":
        assert "/login" in response.location
    assert _editions(world, document_id) == (1 if actor in PUBLISHERS else 0)


@pytest.mark.parametrize(("actor", "kind"), CASES)
def test_the_api_publishes_for_facilitators_only(world, actor, kind):
    client = world.cast.client(world.app, actor, kind)
    document_id, _ = _fresh_document(world, kind)
    response = client.post(f"/api/v1/documents/{document_id}/editions", json={})
    assert response.status_code == _expected_for_publishing(actor, kind, 201, api=True)
    assert _editions(world, document_id) == (1 if actor in PUBLISHERS else 0)


@pytest.mark.parametrize(("actor", "kind"), CASES)
def test_editions_lists_follow_reading_and_editions_are_open_to_all(world, actor, kind):
    client = world.cast.client(world.app, actor, kind)
    document_id, slug = world.shared[kind]
    reader = 200 if can_read(actor, kind) else 404
    assert client.get(f"/s/{SLUGS[kind]}/{slug}/editions").status_code == reader
    assert client.get(f"/api/v1/documents/{document_id}/editions").status_code == reader
    for suffix in ("", "1/", "1/download"):
        assert client.get(f"/p/{SLUGS[kind]}/{slug}/{suffix}").status_code == 200
    with world.app.app_context():
        assert db.session.get(Document, document_id).status == "published"
        db.session.remove()
