"""Published editions in search: public once published — found by anyone, even from a private space
(publishing made the edition public), leading to its permanent address; the space is named only to
those who may read it; drafts of that space stay unfindable."""

import pytest

from tests.factories import add_member, login, make_document, make_space, make_user
from tests.web.search.conftest import flush
from wiki.extensions import db
from wiki.search import service as search

DRAFT = "# Concordat\n\nWe agree to share kingfisher survey data.\n\n## Rivers\n\nClean rivers by 2030.\n"


@pytest.fixture
def site(app):
    space = make_space("north", private=True, title="Northfield")
    facilitator = make_user("Fay Facilitator")
    add_member(space, facilitator, "facilitator")
    document = make_document(space, facilitator, "Concordat", DRAFT)
    client = app.test_client()
    login(client, facilitator)
    return space, facilitator, document, client


def found(app, query: str, client=None, **params) -> dict:
    flush(app)
    response = (client or app.test_client()).get("/api/v1/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_published_edition_is_found_by_anyone_at_its_permanent_address(app, site):
    _, _, document, client = site
    assert found(app, "kingfisher")["total"] == 0  # a private draft
    assert client.post(f"/s/north/{document.slug}/publish", data={"notes": "Approved by the board."}).status_code == 302
    body = found(app, "kingfisher")
    assert [(r["type"], r["title"]) for r in body["results"]] == [("edition", "Concordat")]
    assert body["results"][0]["url"] == f"http://localhost/p/north/{document.slug}/1/"
    assert "<mark>kingfisher</mark>" in body["results"][0]["snippet_html"]
    assert found(app, "board", type="edition")["total"] == 1  # the edition's notes
    page = app.test_client().get("/search?q=kingfisher").get_data(as_text=True)
    assert "Edition 1" in page and "Northfield" not in page.split('class="search-results"')[1]
    assert "Northfield" in client.get("/search?q=kingfisher").get_data(as_text=True).split('class="search-results"')[1]


def test_a_new_edition_is_found_beside_the_first_and_check_agrees(app, site):
    space, facilitator, document, client = site
    client.post(f"/s/north/{document.slug}/publish", data={"notes": ""})
    from wiki.documents import service as documents
    from wiki.documents.models import Document

    documents.save(db.session, db.session.get(Document, document.id), facilitator, DRAFT + "\nOtters too.\n", 1)
    client.post(f"/s/north/{document.slug}/publish", data={"notes": ""})
    assert [r["url"].rsplit("/", 2)[-2] for r in found(app, "otters", type="edition")["results"]] == ["2"]
    assert found(app, "kingfisher", type="edition")["total"] == 2
    assert search.check(db.session, search.engine(app).backend).ok
