"""What a searcher gets, the same on every backend: stemming, phrases, prefixes, exclusions, OR,
ranking (title and headings above body), filters with counts per type / space / status, dates,
pagination, "did you mean", bad syntax, and snippets that show markup as text.

One world per backend, built once and only read (module scope).
"""

import html
from dataclasses import dataclass

import pytest

from tests.factories import make_document, make_space, make_user, token_for
from tests.unit.test_xss_corpus import CORPUS_FILES, audit
from tests.web.search.conftest import BACKENDS, flush, search_app_for
from wiki.comments import service as comments
from wiki.documents import service as documents
from wiki.extensions import db

XSS_LINES = [line for path in CORPUS_FILES for line in path.read_text(errors="replace").splitlines()[:40]]

DOCS = {
    "housing": ("Housing strategy", "Introduction to housing.\n\n## Our priorities\n\nWe set out the priorities for "
                "the year.\n\n## Peer support\n\nPeer support workers help people find employment.\n\n"
                "## Transport\n\nBuses and trains.\n"),
    "prioritise": ("How we prioritise", "A short note on choosing.\n"),
    "employment": ("Employment and skills", "Training for local people.\n"),
    "mentions": ("Budget notes", "Employment employment employment: employment matters. Employers employ people.\n"),
    "separated": ("Staffing", "Peer workers and support staff are different roles.\n"),
    "transport-body": ("Roads", "We discuss transport, transport and more transport here.\n"),
    "archived": ("Old housing plan", "An archived housing plan.\n"),
    "xss": ("Hostile <script>alert('title')</script>", "\n\n".join(f"Payload alert {line}" for line in XSS_LINES)),
}
ZEBRAS = 23  # documents that all mention "zebra", for pagination


@dataclass
class World:
    app: object
    token: str
    slugs: dict
    secret_slug: str


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with search_app_for(request, request.param, tmp_path_factory.mktemp(f"search-{request.param}")) as app:
        admin, reader = make_user("Ada Admin", admin=True), make_user("Rita Reader")
        public, other = make_space("town"), make_space("county")
        secret = make_space("secret", private=True)
        slugs = {key: make_document(public, admin, title, text).slug for key, (title, text) in DOCS.items()}
        for i in range(ZEBRAS):
            make_document(other, admin, f"Animals {i}", f"A zebra called number {i}.\n")
        secret_slug = make_document(secret, admin, "Secret housing", "Housing in the hidden quarter.\n").slug
        _hostile_comments(documents.find(db.session, "town", slugs["transport-body"], admin)[1], reader)
        archived = documents.find(db.session, "town", slugs["archived"], admin)[1]
        documents.set_status(db.session, archived, "archived")
        token = token_for(reader)
        flush(app)
        db.session.remove()
        yield World(app, token, slugs, secret_slug)


def _hostile_comments(document, author) -> None:
    """One comment per XSS corpus file, carrying its first lines (the corpus in comments, not only documents)."""
    for path in CORPUS_FILES:
        lines = path.read_text(errors="replace").splitlines()[:40]
        body = "\n\n".join(f"Payload alert {line}" for line in lines)[:4500]
        start, end, quote = comments.locate(db.session, document, 1, exact="transport")
        comments.create_thread(db.session, document, author, revision=1, start=start, end=end, quote=quote,
                               body=body, visibility="named")


def api(world, query: str, *, signed_in: bool = False, **params):
    headers = {"Authorization": f"Bearer {world.token}"} if signed_in else {}
    return world.app.test_client().get("/api/v1/search", query_string={"q": query, **params}, headers=headers)


def found(world, query: str, **params) -> list[tuple[str, str]]:
    response = api(world, query, **params)
    assert response.status_code == 200, response.get_json()
    return [(r["type"], r["title"]) for r in response.get_json()["results"]]


def titles(world, query: str, **params) -> list[str]:
    return [title for _, title in found(world, query, **params)]


def test_stemming_finds_other_forms_and_spellings(world):
    assert "Our priorities" in titles(world, "prioritise")
    assert "How we prioritise" in titles(world, "priority")
    assert "How we prioritise" in titles(world, "prioritize")


def test_a_phrase_needs_its_words_together(world):
    results = titles(world, '"peer support"')
    assert "Peer support" in results and "Staffing" not in results
    assert "Staffing" in titles(world, "peer support")  # both words, anywhere


def test_a_prefix_finds_words_that_start_with_it(world):
    results = titles(world, "employ*")
    assert {"Employment and skills", "Budget notes", "Peer support"} <= set(results)
    assert "Employment and skills" in titles(world, "employm*")


def test_excluded_words_and_alternatives(world):
    assert "Housing strategy" not in titles(world, "housing -transport")
    assert "Old housing plan" in titles(world, "housing -transport")
    results = titles(world, "buses OR training")
    assert "Transport" in results and "Employment and skills" in results


def test_a_title_match_ranks_above_body_mentions(world):
    results = [t for kind, t in found(world, "employment") if kind == "document"]
    assert results.index("Employment and skills") < results.index("Budget notes")


def test_a_heading_match_ranks_above_body_mentions(world):
    results = found(world, "transport")
    assert results[0] == ("section", "Transport")
    assert results.index(("document", "Housing strategy")) < results.index(("document", "Roads"))


def test_results_link_to_the_section_with_the_words_to_highlight(world):
    result = next(r for r in api(world, '"peer support"').get_json()["results"] if r["type"] == "section")
    assert result["url"].endswith(f"/s/town/{world.slugs['housing']}?highlight=Peer+support#peer-support")
    assert result["snippet_html"] == "<mark>Peer</mark> <mark>support</mark> workers help people find employment."
    assert result["space"] == "town" and result["id"] > 0


def test_filters_by_type_space_and_status_with_counts(world):
    body = api(world, "housing").get_json()
    assert body["total"] == len(body["results"]) == 2  # not the private space's document
    assert {r["type"] for r in body["results"]} == {"document"}
    assert api(world, "peer", type="section").get_json()["total"] == 1
    assert titles(world, "housing", status="archived") == ["Old housing plan"]
    assert titles(world, "zebra", space="town") == [] and len(titles(world, "zebra", space="county")) == 10
    page = world.app.test_client().get("/search", query_string={"q": "peer", "type": "section"})
    text = page.get_data(as_text=True).replace('<span class="count">', "").replace("</span>", "")
    assert 'aria-current="page">Sections (1)' in text and "Documents (2)" in text and ">All (3)" in text


def test_an_unknown_type_or_space_or_date_is_a_400_with_a_message(world):
    assert api(world, "housing", type="poem").get_json() == {
        "error": "Unknown type 'poem': use document, section, comment, response, edition, round."}
    hidden, missing = api(world, "housing", space="secret"), api(world, "housing", space="nowhere")
    assert hidden.status_code == missing.status_code == 400  # a private space looks exactly like a missing one
    assert hidden.get_json()["error"].replace("secret", "nowhere") == missing.get_json()["error"]
    assert api(world, "housing", **{"from": "31/12/2026"}).get_json()["error"] == \
        "'from' must be a date like 2026-03-31."


def test_dates_narrow_the_results(world):
    assert titles(world, "zebra", **{"from": "2000-01-01", "to": "2999-12-31"})
    assert titles(world, "zebra", **{"to": "2000-01-01"}) == []


def test_pagination(world):
    first = api(world, "zebra").get_json()
    second = api(world, "zebra", page=2).get_json()
    third = api(world, "zebra", page=3).get_json()
    assert first["total"] == ZEBRAS and first["pages"] == 3
    assert [len(p["results"]) for p in (first, second, third)] == [10, 10, 3]
    urls = {r["url"] for p in (first, second, third) for r in p["results"]}
    assert len(urls) == ZEBRAS
    page = world.app.test_client().get("/search?q=zebra&page=2").get_data(as_text=True)
    assert "Page 2 of 3" in page and 'rel="next"' in page and 'rel="prev"' in page


def test_did_you_mean(world):
    body = api(world, "housng").get_json()
    assert body["total"] == 0 and body["suggestion"] == "housing"
    page = world.app.test_client().get("/search?q=peer+suport").get_data(as_text=True)
    assert 'Did you mean <a href="/search?q=peer+support"><strong>peer support</strong></a>?' in page


def test_did_you_mean_never_suggests_words_only_found_where_the_searcher_cannot_read(world):
    assert api(world, "quartr").get_json()["suggestion"] is None  # "quarter" is only in the private space
    assert api(world, "quartr").get_json()["total"] == 0


def test_private_spaces_are_never_searched_by_outsiders(world):
    assert "Secret housing" not in titles(world, "housing")
    assert "Secret housing" not in titles(world, "housing", signed_in=True)


@pytest.mark.parametrize("query", ['"peer support', "em*ploy", "-housing", "housing OR"])
def test_bad_syntax_is_a_400_with_a_message_on_the_api_and_the_page(world, query):
    response = api(world, query)
    assert response.status_code == 400 and response.get_json()["error"]
    page = world.app.test_client().get("/search", query_string={"q": query})
    assert page.status_code == 400
    assert response.get_json()["error"] in html.unescape(page.get_data(as_text=True))


def test_an_empty_query_shows_the_form_and_the_api_asks_for_one(world):
    page = world.app.test_client().get("/search")
    assert page.status_code == 200 and 'id="search-q"' in page.get_data(as_text=True)
    assert api(world, "").status_code == 400
    assert api(world, "").get_json()["error"] == "The query parameter 'q' is required."


def test_common_words_alone_find_nothing_and_say_so(world):
    assert api(world, "the of").get_json()["total"] == 0
    page = world.app.test_client().get("/search?q=the+of").get_data(as_text=True)
    assert "Very common words were left out: the, of." in page


def test_markup_in_documents_and_comments_is_inert_in_results(world):
    assert CORPUS_FILES, "the XSS corpus (shared/testdata/xss) was not found"
    kinds = {r["type"] for r in api(world, "payload", type=["document", "comment"]).get_json()["results"]}
    assert kinds == {"document", "comment"}  # the corpus is searched in both
    for query in ("alert", "script", "payload alert", "hostile", "onerror", "javascript"):
        for result in api(world, query).get_json()["results"] + api(
                world, query, type="comment").get_json()["results"]:
            assert audit(result["snippet_html"]) == []
            assert "<" not in result["snippet_html"].replace("<mark>", "").replace("</mark>", "")
        page = world.app.test_client().get("/search", query_string={"q": query}).get_data(as_text=True)
        main = page[page.index('<main'):]
        assert audit(main.replace('<form class="search-form"', "<div").replace("<input", "<br")
                     .replace("<select", "<br").replace("<button", "<br")) == []
        assert "<script>alert" not in main
