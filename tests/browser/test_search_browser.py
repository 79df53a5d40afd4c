"""Search in a real browser: from the search box in the header of any page, to the results, to the
section of the document — or the comment — with the matching words highlighted and brought into view
(issue 7)."""

import re

import pytest
from playwright.sync_api import expect

from wiki.extensions import db
from wiki.search import service

FILLER = "\n".join(f"Paragraph {n} explains one more part of the plan in plain words.\n" for n in range(1, 30))
TEXT = f"""# Community plan

We will light the lamps in every library by spring.

{FILLER}

## Peer support

Trained peer supporters will meet people leaving hospital. Peer support groups run weekly.

## Budget

Funding may arrive late.
"""


@pytest.fixture
def indexing(live_server):
    """The shared server indexes changes during this test (the rest of the suite does not)."""
    app = live_server.app
    app.config["SEARCH_INDEX_ON_CHANGE"] = True
    try:
        yield lambda: service.engine(app).indexer.flush(timeout=30)
    finally:
        app.config["SEARCH_INDEX_ON_CHANGE"] = False


def test_search_from_the_header_lands_on_the_highlighted_passage(page, live_server, indexing):
    author = live_server.user("Sam Searcher", admin=True)
    space = live_server.space()
    document = live_server.document(space.slug, author.email, live_server.unique("Plan"), TEXT)
    assert indexing()

    page.goto(document.path)  # any page has the box; start on one
    box = page.get_by_role("searchbox", name="Search documents and comments")
    box.fill('"peer support"')
    box.press("Enter")

    expect(page).to_have_url(re.compile(r"/search\?q=%22peer\+support%22"))
    expect(page.get_by_role("status")).to_contain_text("result")
    section = page.get_by_role("link", name="Peer support", exact=True)
    expect(section.locator("xpath=ancestor::li").locator("mark").first).to_have_text("Peer")
    section.click()

    expect(page).to_have_url(re.compile(rf"{document.path}\?highlight=.*#peer-support$"))
    current = page.locator("mark.search-hit-current")
    expect(current).to_have_text(re.compile("peer", re.IGNORECASE))
    expect(current).to_be_focused()
    expect(current).to_be_in_viewport()
    in_section = page.locator("#peer-support ~ p mark.search-hit")
    expect(in_section.first).to_be_visible()
    assert in_section.count() >= 3  # "peer" twice and "support" in the section's paragraph
    assert page.evaluate("window.scrollY") > 0  # the section is far down the page: it was scrolled to


def _comment_on(live_server, space_slug: str, slug: str, email: str, body: str) -> int:
    """A comment on the document's "Budget" paragraph, made through the comments service; its id."""

    def _make():
        from wiki.auth.service import find_user_by_email
        from wiki.comments import service as comments
        from wiki.comments.models import Comment
        from wiki.documents import service as documents

        author = find_user_by_email(db.session, email)
        document = documents.find(db.session, space_slug, slug, author)[1]
        start, end, quote = comments.locate(db.session, document, 1, exact="Funding may arrive late")
        thread = comments.create_thread(db.session, document, author, revision=1, start=start, end=end, quote=quote,
                                        body=body, visibility="named")
        return db.session.scalar(db.select(Comment.id).where(Comment.thread_id == thread.id))

    return live_server.call(_make)


def test_a_comment_result_lands_on_the_comment_with_its_words_marked(page, live_server, indexing):
    author = live_server.user("Cam Commenter", admin=True)
    space = live_server.space()
    document = live_server.document(space.slug, author.email, live_server.unique("Plan"), TEXT)
    comment_id = _comment_on(live_server, space.slug, document.slug, author.email,
                             "Ask the lottery fund about wheelchair ramps.")
    assert indexing()

    page.goto("/")
    box = page.get_by_role("searchbox", name="Search documents and comments")
    box.fill("wheelchair ramps")
    box.press("Enter")
    result = page.locator(".search-result-comment").first
    expect(result.locator("mark").first).to_have_text(re.compile("wheelchair", re.IGNORECASE))
    result.get_by_role("link").first.click()

    expect(page).to_have_url(re.compile(rf"{document.path}\?highlight=.*#comment-{comment_id}$"))
    current = page.locator("mark.search-hit-current")
    expect(current).to_have_text(re.compile("wheelchair", re.IGNORECASE))
    expect(current).to_be_focused()
    expect(current).to_be_in_viewport()
    assert page.locator(f"#comment-{comment_id} mark.search-hit-current").count() == 1  # inside the comment


def test_the_search_page_filters_by_type_with_the_keyboard(page, live_server, indexing):
    author = live_server.user(admin=True)
    space = live_server.space()
    live_server.document(space.slug, author.email, live_server.unique("Plan"), TEXT)
    assert indexing()

    page.goto("/search?q=funding")
    tabs = page.get_by_role("navigation", name="Result types")
    expect(tabs.get_by_role("link", name=re.compile(r"^All \(\d+\)"))).to_have_attribute("aria-current", "page")
    sections = tabs.get_by_role("link", name=re.compile(r"^Sections \(\d+\)"))
    sections.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"type=section"))
    expect(page.get_by_role("navigation", name="Result types").get_by_role(
        "link", name=re.compile(r"^Sections"))).to_have_attribute("aria-current", "page")
    expect(page.locator(".search-result-section").first).to_be_visible()
    assert page.locator(".search-result-document").count() == 0
