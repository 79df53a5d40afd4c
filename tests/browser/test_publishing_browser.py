"""Publishing in a real Chromium: a facilitator publishes from the document page; a signed-out reader
of a private space opens the edition, which axe-core finds free of violations (light and dark, desktop
and phone), follows its permalinks, downloads it, and prints it.

axe-core comes from the `axe-playwright-python` package (it ships axe.min.js); no network is used.
"""

import hashlib
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.test_documents_browser import log_in
from wiki.extensions import db

STRATEGY = """# Northfield mental health concordat

*A shared promise by the council, the NHS and the voluntary sector.*

## 1. Why we need a concordat

One in four people will experience a mental health problem this year.[^one] Most will not see a
specialist service, so every first conversation has to count. See [our priorities](#3-our-priorities).

## 2. What people told us

- People want to be **listened to once**, not asked to repeat their story.
- Carers want to be recognised as partners in care.

## 3. Our priorities

### 3.1 Prevention and early help

| Priority | Lead partner | Target by 2027 |
|:--|:--|--:|
| Mental health first aid | Public health | 2,000 staff trained |
| Peer support groups | Voluntary sector forum | 12 groups funded |

### 3.2 Support while waiting

Everyone referred will get a named contact within two weeks ([NHS guidance](https://www.nhs.uk/mental-health/)).

## 4. How we will know it is working

We will publish what changed each year, in plain language.

[^one]: Local survey, 2024.
"""


@pytest.fixture
def published(page, browser, live_server):
    """A private space whose facilitator publishes the strategy through the pages."""
    facilitator = live_server.user("Fatima Facilitator")
    space = live_server.space("Northfield partnership", private=True, members=[(facilitator, "facilitator")])
    doc = live_server.document(space.slug, facilitator.email, "Northfield concordat", STRATEGY)
    log_in(page, facilitator)
    page.goto(doc.path)
    page.get_by_role("link", name="Publish a new edition…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Publish “Northfield concordat”")
    expect(page.get_by_text("even if this space is private")).to_be_visible()
    page.get_by_label("Note about this edition (optional)").fill("Agreed by the partnership board.")
    page.get_by_role("button", name="Preview the whole file").click()
    expect(page.get_by_role("note")).to_contain_text("Preview: not published.")
    expect(page.get_by_role("banner")).to_contain_text("Agreed by the partnership board.")
    page.go_back()
    page.get_by_label("Note about this edition (optional)").fill("Agreed by the partnership board.")
    page.get_by_role("button", name="Publish edition 1").click()
    expect(page.locator(".flash-success")).to_contain_text("Published edition 1")
    return {"space": space, "doc": doc, "url": f"/p/{space.slug}/{doc.slug}/"}


@pytest.fixture
def published_quietly(live_server):
    """The same, published through the service (for tests about the file, not the publishing pages)."""
    facilitator = live_server.user("Fatima Facilitator")
    space = live_server.space("Northfield partnership", private=True, members=[(facilitator, "facilitator")])
    doc = live_server.document(space.slug, facilitator.email, "Northfield concordat", STRATEGY)

    def _publish():
        from wiki.documents.models import Document
        from wiki.publishing.service import publish
        from wiki.spaces.models import Space

        found = db.session.scalar(db.select(Space).where(Space.slug == space.slug))
        document = db.session.scalar(db.select(Document).where(Document.space_id == found.id))
        publish(db.session, found, document, None, None, "", lambda n: f"{live_server.url}/p/{n}/")

    live_server.call(_publish)
    return {"space": space, "doc": doc, "url": f"/p/{space.slug}/{doc.slug}/"}


def _reader(browser, live_server, **options):
    """A signed-out visitor's browser (its own cookies), watched for console errors like `page`."""
    context = browser.new_context(base_url=live_server.url, **options)
    reader = context.new_page()
    errors: list[str] = []
    reader.on("console", lambda message: errors.append(message.text) if message.type == "error"
              or "Content Security Policy" in message.text else None)
    reader.on("pageerror", lambda error: errors.append(str(error)))
    return context, reader, errors


def _violations(page) -> list[str]:
    results = Axe().run(page, options={"resultTypes": ["violations"]})
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
            for v in results.response["violations"]]


def test_a_signed_out_reader_opens_an_accessible_edition_of_a_private_space(published, browser, live_server):
    context, reader, errors = _reader(browser, live_server, viewport={"width": 1280, "height": 900})
    try:
        response = reader.goto(published["url"])
        assert response.status == 200
        expect(reader.get_by_role("heading", level=1).first).to_have_text("Northfield concordat")
        expect(reader.get_by_role("banner")).to_contain_text("Agreed by the partnership board.")
        for role in ("banner", "navigation", "main", "contentinfo"):
            expect(reader.get_by_role(role)).to_have_count(1)
        assert _violations(reader) == []
        reader.emulate_media(color_scheme="dark")
        assert _violations(reader) == []

        top = "selector => document.querySelector(selector).getBoundingClientRect().top"
        reader.get_by_role("navigation").get_by_role("link", name="3.1 Prevention and early help").click()
        assert reader.url.endswith("#s-3-1") and 0 <= reader.evaluate(top, "#s-3-1") < 50
        reader.get_by_role("link", name="our priorities", exact=True).click()  # the author's own link lands
        assert reader.url.endswith("#3-our-priorities") and 0 <= reader.evaluate(top, "#s-3") < 50
        reader.goto(published["url"])
        reader.keyboard.press("Tab")  # the skip link comes first
        expect(reader.get_by_role("link", name="Skip to the text")).to_be_focused()

        download = context.request.get(published["url"] + "1/download")
        assert download.status == 200 and "attachment" in download.headers["content-disposition"]
        assert hashlib.sha256(download.body()).hexdigest() == download.headers["etag"].strip('"')
        assert errors == []
    finally:
        context.close()


def test_the_edition_reads_well_on_a_phone(published_quietly, browser, live_server):
    published = published_quietly
    context, reader, errors = _reader(browser, live_server, viewport={"width": 375, "height": 740},
                                      is_mobile=True, has_touch=True)
    try:
        reader.goto(published["url"])
        overflow = reader.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"the edition scrolls sideways by {overflow}px on a phone"
        size = reader.evaluate("() => parseFloat(getComputedStyle(document.querySelector('article p')).fontSize)")
        assert size >= 16
        assert _violations(reader) == []
        assert errors == []
    finally:
        context.close()


def test_the_edition_prints_with_its_print_stylesheet(published_quietly, browser, live_server):
    published = published_quietly
    context, reader, errors = _reader(browser, live_server)
    try:
        reader.goto(published["url"])
        reader.emulate_media(media="print")
        style = "([selector, property]) => getComputedStyle(document.querySelector(selector))[property]"
        assert reader.evaluate(style, [".skip-link", "display"]) == "none"
        assert reader.evaluate(style, [".title-page", "breakAfter"]) == "page"
        assert reader.evaluate(style, [".contents", "breakAfter"]) == "page"
        assert reader.evaluate(style, ["#ed\\:acknowledgements", "breakBefore"]) == "page"
        after = reader.evaluate("() => getComputedStyle(document.querySelector('.text a[href^=\"https\"]'), "
                                "'::after').content")
        assert "https://www.nhs.uk/mental-health/" in after  # a printed link shows where it goes
        pdf = reader.pdf(format="A4")
        assert pdf.startswith(b"%PDF") and len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 3
        assert errors == []
    finally:
        context.close()


def test_facilitator_downloads_from_the_editions_page(published, page):
    page.goto(f"/s/{published['space'].slug}/{published['doc'].slug}/editions")
    expect(page.get_by_role("cell", name=re.compile("Edition 1 latest"))).to_be_visible()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download edition 1").click()
    download = info.value
    assert download.suggested_filename.startswith("document-") and download.suggested_filename.endswith(
        "-edition-1.html")
    sha = page.locator("code.hash").first.inner_text()
    assert hashlib.sha256(Path(download.path()).read_bytes()).hexdigest() == sha
    assert _violations(page) == []


def test_the_downloaded_file_opens_from_disk_styled_and_asks_for_nothing(published_quietly, browser, live_server,
                                                                         tmp_path):
    """Saved and opened with file://: its own stylesheet applies under its CSP <meta> (a wrong hash
    would leave it unstyled, with a console error), no other request is made, and the contents work."""
    context, reader, errors = _reader(browser, live_server)
    try:
        saved = tmp_path / "edition.html"
        saved.write_bytes(context.request.get(published_quietly["url"] + "1/download").body())
        requests: list[str] = []
        reader.on("request", lambda request: requests.append(request.url))
        reader.goto(saved.as_uri())
        expect(reader.get_by_role("heading", level=1).first).to_have_text("Northfield concordat")
        assert requests == [saved.as_uri()]
        font = reader.evaluate("() => getComputedStyle(document.body).fontFamily")
        assert font.startswith("Charter")  # the file's <style> applied
        measure = reader.evaluate("() => getComputedStyle(document.querySelector('.page')).maxWidth")
        assert measure not in ("none", "")
        reader.get_by_role("navigation").get_by_role("link", name="3.1 Prevention and early help").click()
        assert reader.url == saved.as_uri() + "#s-3-1"
        assert errors == []
    finally:
        context.close()
