"""The search box on every page, the results page's structure and labels, and the API's place in the
OpenAPI document. (Backend behaviour is in test_search_backends.py; these run on the default one.)"""

import html

import pytest

from tests.factories import login, make_document, make_space, make_user
from tests.web.search.conftest import flush, search_app_for


@pytest.fixture
def backend():
    return "whoosh"


@pytest.fixture
def world(app):
    admin = make_user("Ada Admin", admin=True)
    space = make_space("town", title="Town <b>centre</b>")
    document = make_document(space, admin, "Housing plan", "# Plan\n\nHousing comes first.\n\n## Parks\n\nTrees.\n")
    flush(app)
    return admin, space, document


def test_every_page_has_a_labelled_search_box(client, world):
    admin, _, document = world
    pages = ["/", "/s/town/", f"/s/town/{document.slug}", "/login", "/no-such-page", "/search?q=housing"]
    for path in pages:
        text = client.get(path).get_data(as_text=True)
        assert '<form class="header-search" method="get" action="/search" role="search"' in text, path
        assert '<label for="header-search-q" class="visually-hidden">Search documents and comments</label>' in text
        assert 'type="search" name="q" id="header-search-q"' in text
    login(client, admin)
    assert 'id="header-search-q"' in client.get("/profile").get_data(as_text=True)


def test_the_results_page_is_grouped_labelled_and_escaped(client, world):
    page = client.get("/search?q=housing")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<title>housing · Search · Strategy wiki</title>" in text
    assert '<nav class="search-types" aria-label="Result types">' in text
    assert '<label for="search-space">Space</label>' in text and '<label for="search-status">Status</label>' in text
    assert '<label for="search-from">From</label>' in text and '<label for="search-to">To</label>' in text
    assert 'role="status" class="search-count">2 results for <strong>housing</strong>' in text
    assert '<span class="badge">Document</span>' in text and '<span class="badge">Section</span>' in text
    assert "Town &lt;b&gt;centre&lt;/b&gt;" in text and "<b>centre</b>" not in text
    assert '<mark>Housing</mark> comes first.' in text


def test_a_section_result_names_its_document_and_links_to_its_heading(client, world):
    text = html.unescape(client.get("/search?q=trees").get_data(as_text=True))
    assert "in Housing plan" in text
    assert '/s/town/housing-plan?highlight=Trees#parks">Parks</a>' in text


def test_nothing_found_says_what_to_try(client, world):
    text = client.get("/search?q=zebras").get_data(as_text=True)
    assert "0 results for <strong>zebras</strong>" in text
    assert "Nothing matched. Try fewer or different words" in text


def test_a_page_number_out_of_range_or_garbled_is_a_page_not_an_error(client, world):
    assert client.get("/search?q=housing&page=abc").status_code == 200
    assert client.get("/api/v1/search?q=housing&page=99999999999").get_json()["page"] == 100
    assert client.get("/api/v1/search?q=housing&page=99999999999").get_json()["results"] == []


def test_the_api_is_in_the_openapi_document(client, world):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/search"]["get"]
    assert operation["security"] == []
    assert {p["name"] for p in operation["parameters"]} == {"q", "type", "space", "status", "from", "to", "page"}
    result = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert set(result["properties"]["results"]["items"]["properties"]) == {
        "type", "id", "title", "url", "snippet_html", "space"}
    assert "400" in operation["responses"]


def test_the_api_answers_with_the_documented_shape(client, world):
    body = client.get("/api/v1/search?q=housing").get_json()
    assert set(body) == {"total", "page", "pages", "per_page", "suggestion", "results"}
    assert body["total"] == 2 and body["page"] == 1
    assert {r["type"] for r in body["results"]} == {"document", "section"}
    assert all(r["url"].startswith("http://localhost/s/town/housing-plan") for r in body["results"])


def test_a_broken_index_is_a_503_with_a_message_not_a_500(app, client, world, monkeypatch):
    from wiki.search import service

    def broken(request):
        raise OSError("the index folder is unreadable")

    monkeypatch.setattr(service.engine(app).backend, "search", broken)
    page = client.get("/search?q=housing")
    assert page.status_code == 503
    assert "Search is unavailable just now. Please try again in a minute." in page.get_data(as_text=True)
    api = client.get("/api/v1/search?q=housing")
    assert api.status_code == 503 and api.get_json() == {
        "error": "Search is unavailable just now. Please try again in a minute."}


@pytest.mark.parametrize("name", ["postgresql", "elastic"])
def test_a_misconfigured_backend_is_a_503_and_never_fails_a_save(request, tmp_path, name):
    """SEARCH_BACKEND=postgresql on a SQLite database, or an unknown backend: searches answer 503 with
    a message (logged for the operator); saving still works."""
    with search_app_for(request, "whoosh", tmp_path, SEARCH_BACKEND=name) as app:
        admin = make_user("Ada Admin", admin=True)
        make_document(make_space("town"), admin, "Housing plan", "Housing comes first.\n")  # indexing fails quietly
        client = app.test_client()
        page = client.get("/search?q=housing")
        assert page.status_code == 503
        assert "Search is unavailable just now. Please try again later." in page.get_data(as_text=True)
        api = client.get("/api/v1/search?q=housing")
        assert api.status_code == 503 and "unavailable" in api.get_json()["error"]
