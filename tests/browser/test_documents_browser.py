"""Documents in a real browser: create with live preview, edit, history, compare, revert, conflicts,
named versions, keyboard-only editing, XSS, roles and small screens (issue 3)."""

import base64
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

GIF = base64.b64decode("R0lGODlhAQABAAAAACH5BAEAAAAALAAAAAABAAEAAAIBAAA=")
XSS_CORPUS = Path("/work/shared/testdata/xss/markdown-xss-payloads.txt")

STRATEGY = """# Community plan

We will light the lamps in every library by spring.

## Goals

- Open three new hubs
- Train twenty volunteers
- Publish a yearly report

## Budget

| Item | Cost |
|------|------|
| Hubs | 30000 |
| Training | 5000 |

## Risks

Funding may arrive late.
"""
# Enough paragraphs that the last headings start below the fold, so a TOC link has to scroll.
FILLER = "\n".join(f"Paragraph {n} explains one more part of the plan in plain words." + "\n" for n in range(1, 25))
LONG_STRATEGY = STRATEGY.replace("## Budget", FILLER + "\n## Budget")

TWO_PARAGRAPHS = """# Shared draft

The council will fund the youth centre for three years.

Volunteers will meet on the first Monday of each month.
"""


def plain_form_only(context) -> None:
    """Serve the live editor's bundle empty, so edit pages show issue 3's plain form.

    Since issue 4 a connected live editor (static/dist/editor.js) hides the plain form. These tests
    cover the plain form itself: what people without the live editor use (no JavaScript, or the
    live connection failed), and the only way to a stale save, a merge or the conflict screen.
    The live editor has its own browser tests.
    """
    context.route("**/static/dist/editor.js",
                  lambda route: route.fulfill(status=200, content_type="text/javascript", body=""))


@pytest.fixture(autouse=True)
def _plain_form(context):
    plain_form_only(context)


def log_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".site-header .who")).to_have_text(user.display_name)


def save_revision(live_server, space_slug: str, slug: str, email: str, text: str, summary: str = "") -> int:
    """Save a new head revision through the service layer (another user's edit); returns its number."""

    def _save():
        from wiki.auth.service import find_user_by_email
        from wiki.documents import service
        from wiki.extensions import db

        user = find_user_by_email(db.session, email)
        _, document, _ = service.find(db.session, space_slug, slug, user, need="edit")
        return service.save(db.session, document, user, text, document.head_number, summary).revision.number

    return live_server.call(_save)


def h1(page):
    """The page's own heading (a rendered document or preview has headings of its own after it)."""
    return page.get_by_role("heading", level=1).first


def doc_tabs(page):
    return page.get_by_role("navigation", name="Document")


def textarea(page):
    return page.get_by_role("textbox", name="Text", exact=True)


def focused(page) -> dict:
    return page.evaluate(
        """() => { const el = document.activeElement;
                   return {tag: el.tagName.toLowerCase(), id: el.id, text: el.textContent.trim(),
                           outline: getComputedStyle(el).outlineStyle, shadow: getComputedStyle(el).boxShadow}; }"""
    )


def tab_until(page, predicate, limit: int = 40) -> dict:
    """Press Tab until `predicate(focused)` holds; fail if it never does within `limit` presses."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        now = focused(page)
        if predicate(now):
            assert now["outline"] != "none" or now["shadow"] != "none", f"focus is invisible on {now}"
            return now
        seen.append(f"{now['tag']}#{now['id']} {now['text'][:30]!r}")
    raise AssertionError("never reached by Tab; focus went through:\n" + "\n".join(seen))


def test_create_document_with_live_preview_toc_and_block_ids(page, live_server):
    editor = live_server.user()
    space = live_server.space(members=[(editor, "editor")])
    log_in(page, editor)
    page.goto(space.path)
    page.get_by_role("navigation", name="Space").get_by_role("link", name="New document").click()
    expect(h1(page)).to_have_text("New document")

    preview = page.locator("#preview-body")
    expect(preview).to_have_text("The formatted text appears here as you type.")
    page.get_by_label("Title").fill("Community plan for libraries")
    textarea(page).fill(LONG_STRATEGY)
    # The live preview (debounced fetch) renders the Markdown before anything is saved.
    expect(preview.get_by_role("heading", level=1)).to_have_text("Community plan")
    expect(preview.get_by_role("heading", level=2)).to_have_text(["Goals", "Budget", "Risks"])
    expect(preview.locator("li")).to_have_count(3)
    expect(preview.locator("table td").first).to_have_text("Hubs")
    assert urlsplit(page.url).path == f"{space.path}new", "the preview must not submit the form"

    page.get_by_label("Edit summary").fill("First draft")
    page.get_by_role("button", name="Create document").click()
    expect(page.locator(".flash-success")).to_have_text("Document created.")
    assert urlsplit(page.url).path == f"{space.path}community-plan-for-libraries"
    expect(page.locator("#doc-title")).to_have_text("Community plan for libraries")
    expect(page.locator(".doc-header .status")).to_have_text("Draft")
    expect(page.locator(".doc-header .meta")).to_contain_text(f"Revision 1 by {editor.display_name}")
    expect(doc_tabs(page).get_by_role("link", name="Read")).to_have_attribute("aria-current", "page")

    body = page.locator("article .doc-body")
    expect(body.locator("li")).to_have_text(
        ["Open three new hubs", "Train twenty volunteers", "Publish a yearly report"]
    )
    expect(body.locator("table th")).to_have_text(["Item", "Cost"])
    # Stable block ids on headings, paragraphs and list items (comments and permalinks rely on them).
    for selector in ("h1", "h2", "p", "li"):
        blocks = body.locator(f"{selector}[data-block]")
        assert blocks.count() == body.locator(selector).count() > 0, f"{selector} without data-block"
    ids = body.locator("[data-block]").evaluate_all("els => els.map(e => e.dataset.block)")
    assert len(ids) == len(set(ids)), "block ids must be unique"

    toc = page.get_by_role("navigation", name="Contents")
    expect(toc.get_by_role("link")).to_have_text(["Community plan", "Goals", "Budget", "Risks"])
    risks = body.get_by_role("heading", name="Risks")
    expect(risks).not_to_be_in_viewport()
    toc.get_by_role("link", name="Risks").click()
    heading_id = risks.get_attribute("id")
    assert heading_id and urlsplit(page.url).fragment == heading_id
    expect(risks).to_be_in_viewport()


def test_edit_then_history_and_compare(page, live_server):
    editor = live_server.user()
    space = live_server.space(members=[(editor, "editor")])
    doc = live_server.document(space.slug, editor.email, "Lighting strategy", STRATEGY)
    log_in(page, editor)
    page.goto(doc.path)

    doc_tabs(page).get_by_role("link", name="Edit", exact=True).click()
    expect(h1(page)).to_have_text("Edit “Lighting strategy”")
    expect(textarea(page)).to_have_value(STRATEGY)
    textarea(page).fill(STRATEGY.replace("by spring", "by midsummer"))
    page.get_by_label("Edit summary").fill("Later start")
    expect(page.locator("#preview-body")).to_contain_text("every library by midsummer")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-success")).to_have_text("Saved as revision 2.")
    expect(page.locator("article .doc-body")).to_contain_text("light the lamps in every library by midsummer.")

    doc_tabs(page).get_by_role("link", name="History").click()
    expect(h1(page)).to_have_text("History of “Lighting strategy”")
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").nth(2)).to_contain_text("2")
    expect(rows.nth(0)).to_contain_text(editor.display_name)
    expect(rows.nth(0)).to_contain_text("Later start")
    expect(rows.nth(0).locator(".size-delta")).to_have_text("+3 characters")  # "midsummer" is 3 longer
    expect(rows.nth(1)).to_contain_text("Created the document")
    expect(rows.nth(1).locator(".size-delta")).to_have_text(f"+{len(STRATEGY)} characters")

    page.get_by_role("radio", name="Compare from revision 1").check()
    page.get_by_role("radio", name="Compare to revision 2").check()
    page.get_by_role("button", name="Compare selected revisions").click()
    expect(h1(page)).to_have_text("Compare revision 1 with revision 2")
    diff = page.get_by_role("region", name="Changes from revision 1 to 2")
    expect(diff.locator("del")).to_have_text(["spring"])
    expect(diff.locator("ins")).to_have_text(["midsummer"])
    expect(diff).to_contain_text("every library by springmidsummer.")
    legend = page.locator(".diff-legend")
    expect(legend).to_contain_text("Inserted text is underlined")
    expect(legend).to_contain_text("Deleted text is struck through")

    page.get_by_label("Side by side").check()
    page.get_by_role("button", name="Compare", exact=True).click()
    table = page.locator("table.side-by-side")
    expect(table).to_be_visible()
    expect(table.locator("thead th")).to_have_text(["Line", "Revision 1", "Line", "Revision 2"])
    changed = table.locator("tbody tr", has=page.locator("del"))
    expect(changed.locator("td.old")).to_have_text("We will light the lamps in every library by spring.")
    expect(changed.locator("td.old del")).to_have_text("spring")
    expect(changed.locator("td.new ins")).to_have_text("midsummer")
    expect(page.get_by_label("Side by side")).to_be_checked()


def test_revert_to_an_old_revision(page, live_server):
    editor = live_server.user()
    space = live_server.space(members=[(editor, "editor")])
    doc = live_server.document(space.slug, editor.email, "Transport plan", TWO_PARAGRAPHS)
    save_revision(live_server, space.slug, doc.slug, editor.email,
                  TWO_PARAGRAPHS.replace("three years", "one year"), "Shorter funding")
    log_in(page, editor)
    page.goto(doc.path)
    expect(page.locator("article .doc-body")).to_contain_text("for one year")

    doc_tabs(page).get_by_role("link", name="History").click()
    page.get_by_role("link", name="Revert to this (revision 1)").click()
    expect(h1(page)).to_have_text("Revert “Transport plan” to revision 1?")
    page.get_by_role("button", name="Yes, revert to revision 1").click()

    expect(page.locator(".flash-success")).to_have_text("Reverted: revision 3 restores revision 1.")
    expect(page.locator(".doc-header .meta")).to_contain_text("Revision 3")
    expect(page.locator("article .doc-body")).to_contain_text("for three years")
    expect(page.locator("article .doc-body")).not_to_contain_text("one year")
    doc_tabs(page).get_by_role("link", name="History").click()
    rows = page.locator("table.history tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("Reverted to revision 1")
    expect(rows.nth(0)).to_contain_text("current")


def test_overlapping_stale_edit_shows_conflict_screen_and_keeps_text(page, another_page, live_server, page_problems):
    alice, bob = live_server.user(), live_server.user()
    space = live_server.space(members=[(alice, "editor"), (bob, "facilitator")])
    doc = live_server.document(space.slug, alice.email, "Youth centre", TWO_PARAGRAPHS)
    page_b = another_page()
    plain_form_only(page_b.context)
    log_in(page, alice)
    log_in(page_b, bob)
    page.goto(doc.path + "/edit")
    page_b.goto(doc.path + "/edit")  # both are editing revision 1
    expect(page.locator("[data-plain-editor] > .hint")).to_contain_text("You are editing revision 1")

    alice_text = TWO_PARAGRAPHS.replace("for three years", "for five years")
    textarea(page).fill(alice_text)
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-success")).to_have_text("Saved as revision 2.")

    page_problems.allow_status(409)
    bob_text = TWO_PARAGRAPHS.replace("for three years", "until the new school opens")
    textarea(page_b).fill(bob_text)
    with page_b.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/edit")) as posted:
        page_b.get_by_role("button", name="Save changes").click()
    assert posted.value.status == 409
    expect(h1(page_b)).to_have_text("Your changes overlap with someone else’s")
    expect(page_b.locator(".error-summary")).to_contain_text("Nothing was saved")
    theirs = page_b.get_by_role("region", name="Their version, conflict 1")
    mine = page_b.get_by_role("region", name="Your version, conflict 1")
    expect(theirs).to_contain_text("five years")
    expect(theirs).not_to_contain_text("new school")
    expect(mine).to_contain_text("until the new school opens")
    expect(mine).not_to_contain_text("five years")
    expect(textarea(page_b)).to_have_value(bob_text)  # nothing Bob typed is lost

    page_b.get_by_role("button", name="Save my version over revision 2").click()
    expect(page_b.locator(".flash-success")).to_have_text("Saved as revision 3.")
    expect(page_b.locator("article .doc-body")).to_contain_text("fund the youth centre until the new school opens")
    expect(page_b.locator(".doc-header .meta")).to_contain_text(f"Revision 3 by {bob.display_name}")


def test_stale_edit_of_another_paragraph_merges(page, live_server):
    alice, bob = live_server.user(), live_server.user()
    space = live_server.space(members=[(alice, "editor"), (bob, "editor")])
    doc = live_server.document(space.slug, alice.email, "Volunteering", TWO_PARAGRAPHS)
    log_in(page, bob)
    page.goto(doc.path + "/edit")  # Bob starts from revision 1 ...
    textarea(page).fill(TWO_PARAGRAPHS.replace("first Monday", "last Friday"))
    # ... while Alice saves a change to the other paragraph.
    save_revision(live_server, space.slug, doc.slug, alice.email,
                  TWO_PARAGRAPHS.replace("for three years", "for five years"))

    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-success")).to_have_text(
        f"Saved as revision 3, merged with changes by {alice.display_name}."
    )
    body = page.locator("article .doc-body")
    expect(body).to_contain_text("fund the youth centre for five years")
    expect(body).to_contain_text("meet on the last Friday of each month")


def test_name_a_version(page, live_server):
    editor = live_server.user()
    space = live_server.space(members=[(editor, "editor")])
    doc = live_server.document(space.slug, editor.email, "Housing strategy", TWO_PARAGRAPHS)
    save_revision(live_server, space.slug, doc.slug, editor.email, TWO_PARAGRAPHS + "\nA new closing line.\n")
    log_in(page, editor)
    page.goto(doc.path)

    doc_tabs(page).get_by_role("link", name="Named versions").click()
    expect(page.get_by_text("No revision has a name yet.")).to_be_visible()
    page.get_by_label("Version name").fill("Consultation draft 1")
    page.get_by_label("Revision number").fill("1")
    page.get_by_role("button", name="Name this revision").click()
    expect(page.locator(".flash-success")).to_have_text("Revision 1 is now named 'Consultation draft 1'.")
    row = page.locator("table tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator("td").nth(0)).to_have_text("Consultation draft 1")
    expect(row.locator("td").nth(1)).to_have_text("Revision 1")
    expect(row.locator("td").nth(2)).to_have_text(editor.display_name)
    expect(row.get_by_role("link", name="Revision 1")).to_have_attribute("href", f"{doc.path}/r/1")

    doc_tabs(page).get_by_role("link", name="History").click()
    rows = page.locator("table.history tbody tr")
    expect(rows.nth(1).locator(".badge")).to_have_text(["Consultation draft 1"])
    expect(rows.nth(0).locator(".badge")).to_have_text(["current"])


def test_edit_with_keyboard_only(page, live_server):
    editor = live_server.user()
    space = live_server.space(members=[(editor, "editor")])
    doc = live_server.document(space.slug, editor.email, "Keyboard plan", TWO_PARAGRAPHS)
    log_in(page, editor)
    page.goto(doc.path)

    tab_until(page, lambda f: f["tag"] == "a" and f["text"] == "Edit")
    page.keyboard.press("Enter")
    expect(h1(page)).to_have_text("Edit “Keyboard plan”")
    tab_until(page, lambda f: f["id"] == "text")
    page.keyboard.press("Control+End")
    page.keyboard.type("\nTyped without a mouse.")
    expect(page.locator("#preview-body")).to_contain_text("Typed without a mouse.")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "Save changes", limit=10)
    page.keyboard.press("Enter")
    expect(page.locator(".flash-success")).to_have_text("Saved as revision 2.")
    expect(page.locator("article .doc-body")).to_contain_text("Typed without a mouse.")


NO_ACTIVE_CONTENT = """(root) => {
  const bad = [];
  const urlAttrs = ["href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background"];
  for (const el of root.querySelectorAll("*")) {
    const ourScript = el.tagName === "SCRIPT" && el.src.startsWith(location.origin + "/static/");
    if (["SCRIPT", "IFRAME", "OBJECT", "EMBED", "META", "BASE", "STYLE"].includes(el.tagName) && !ourScript)
      bad.push(el.outerHTML.slice(0, 120));
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on") || attr.name === "style") bad.push(`${el.tagName} ${attr.name}=${attr.value}`);
      if (!urlAttrs.includes(attr.name)) continue;
      let protocol;
      try { protocol = new URL(attr.value, document.baseURI).protocol; } catch { continue; }  // not a URL: inert
      if (!["http:", "https:", "mailto:"].includes(protocol))
        bad.push(`${el.tagName} ${attr.name}=${attr.value.slice(0, 60)}`);
    }
  }
  return bad;
}"""


def test_xss_payloads_stay_inert_everywhere(page, live_server, page_problems):
    lines = XSS_CORPUS.read_text(encoding="utf-8").splitlines()
    editor = live_server.user()
    space = live_server.space(members=[(editor, "editor")])
    title = "<img src=x onerror=alert(1)>"
    doc = live_server.document(space.slug, editor.email, title, "\n\n".join(lines[:30]) + "\n")
    save_revision(live_server, space.slug, doc.slug, editor.email, "\n\n".join(lines) + "\n", "More payloads")
    # Inert images still load: relative ones 404 here, and nothing may leave the test machine.
    page_problems.allow_status(404)
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"),
               lambda route: route.fulfill(status=200, content_type="image/gif", body=GIF))
    log_in(page, editor)

    def check(path: str, body_selector: str) -> None:
        """The payloads are shown (as text or inert markup) and nothing on the page can run."""
        page.goto(path)
        expect(page.locator(body_selector).first).to_be_visible()
        bad = page.locator("main").evaluate(NO_ACTIVE_CONTENT)
        assert bad == [], f"{path}: active content on the page: {bad}"
        expect(page.locator("main :is(h1, .breadcrumb, .doc-nav, .meta) img")).to_have_count(0)
        assert title in page.title(), f"{path}: title not shown as text: {page.title()!r}"

    check(doc.path, "article .doc-body")
    expect(page.locator("#doc-title")).to_have_text(title)
    expect(page.locator("article .doc-body")).to_contain_text("clickme")  # the payloads are there, inert
    check(f"{doc.path}/r/1", "article .doc-body")
    check(f"{doc.path}/history", "main table")
    check(f"{doc.path}/compare?from=1&to=2", ".diff")
    check(f"{doc.path}/compare?from=1&to=2&mode=side", "table.side-by-side")
    check(f"{doc.path}/attribution", ".attribution")
    check(f"{doc.path}/versions", "main form")
    expect(h1(page)).to_have_text(f"Named versions of “{title}”")

    check(f"{doc.path}/edit", "#preview-body a")  # the live preview fills in from the server after load
    expect(h1(page)).to_have_text(f"Edit “{title}”")
    page.get_by_role("button", name="Preview", exact=True).click()  # the no-JavaScript preview
    expect(page.locator("#preview-body a").first).to_be_visible()
    assert page.locator("main").evaluate(NO_ACTIVE_CONTENT) == []
    control = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # the corpus has a \x01, removed on save
    expect(textarea(page)).to_have_value(control.sub("", "\n\n".join(lines) + "\n"))
    page.wait_for_timeout(200)  # any late onerror/onload would raise a dialog: the fixture fails on it
    assert page_problems.dialogs == []


def test_contributor_cannot_edit(page, live_server, page_problems):
    editor, contributor = live_server.user(), live_server.user()
    space = live_server.space(private=True, members=[(editor, "editor"), (contributor, "contributor")])
    doc = live_server.document(space.slug, editor.email, "Read-only for some", TWO_PARAGRAPHS)
    save_revision(live_server, space.slug, doc.slug, editor.email, TWO_PARAGRAPHS + "\nMore.\n")
    log_in(page, contributor)
    page.goto(space.path)
    expect(page.get_by_role("link", name="Read-only for some")).to_be_visible()
    expect(page.get_by_role("link", name="New document")).to_have_count(0)

    page.get_by_role("link", name="Read-only for some").click()
    tabs = doc_tabs(page)
    expect(tabs.get_by_role("link", name="History")).to_be_visible()
    tab_names = tabs.get_by_role("link").all_inner_texts()
    assert "Edit" not in tab_names and "Read" in tab_names, tab_names
    tabs.get_by_role("link", name="History").click()
    expect(page.get_by_role("link", name="Revert to this (revision 1)")).to_have_count(0)
    tabs.get_by_role("link", name="Named versions").click()
    expect(page.get_by_role("button", name="Name this revision")).to_have_count(0)

    page_problems.allow_status(403)
    for path in (f"{doc.path}/edit", f"{space.path}new", f"{doc.path}/r/1/revert"):
        response = page.goto(path)
        assert response.status == 403, path
        expect(h1(page)).to_have_text("Not allowed")
        expect(page.locator(".error-text")).to_have_text("Only editors and facilitators can change documents.")
        expect(page.locator("textarea")).to_have_count(0)


def test_document_pages_fit_the_screen(page, live_server, page_problems):
    """Editor with preview, conflict screen, history, compare and view at 1280 and 375 px: no
    sideways scrolling, and the layouts each width needs.

    Set WIKI_SCREENSHOTS=/some/folder to keep docs-*.png of each page for a human to look at.
    """
    shots = os.environ.get("WIKI_SCREENSHOTS")
    editor, other = live_server.user("Morgan Example-Longname"), live_server.user("Sam Otherwriter")
    space = live_server.space("Community mental health strategy 2025–2030",
                              members=[(editor, "facilitator"), (other, "editor")])
    doc = live_server.document(space.slug, editor.email, "Draft strategy for community wellbeing services",
                               LONG_STRATEGY)
    text = LONG_STRATEGY.replace("Open three new hubs", "Open four new hubs in rural areas")
    save_revision(live_server, space.slug, doc.slug, other.email, text, "More hubs")
    sentence = "We will light the lamps in every library by spring."
    log_in(page, editor)
    page_problems.allow_status(409)

    for width in (1280, 375):
        page.set_viewport_size({"width": width, "height": 900})

        def check(name: str, width=width) -> None:
            overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, f"{name} at {width}px scrolls sideways by {overflow}px"
            if shots:
                Path(shots).mkdir(parents=True, exist_ok=True)
                page.screenshot(path=f"{shots}/docs-{name}-{width}.png", full_page=True)

        page.goto(space.path + "new")
        page.get_by_label("Title").fill("A new plan")
        textarea(page).fill(STRATEGY)
        expect(page.locator("#preview-body table")).to_be_visible()
        check("new")

        page.goto(doc.path)
        expect(page.locator("#doc-title")).to_be_visible()
        check("view")

        page.goto(doc.path + "/edit")
        expect(page.locator("#preview-body table")).to_be_visible()
        text_box, preview_box = textarea(page).bounding_box(), page.locator(".preview").bounding_box()
        summary_box = page.locator("label[for=summary]").bounding_box()
        if width >= 1000:  # side by side
            assert preview_box["x"] >= text_box["x"] + text_box["width"], (text_box, preview_box)
        else:  # stacked, with room between the boxes
            assert preview_box["y"] >= text_box["y"] + text_box["height"] + 8, (text_box, preview_box)
        assert summary_box["y"] >= preview_box["y"] + preview_box["height"] + 16, "the preview touches the summary"
        check("edit")

        # Someone saves the same sentence meanwhile: the next save here is a conflict.
        theirs = f"We will light every library by spring ({width})."
        save_revision(live_server, space.slug, doc.slug, other.email, text.replace(sentence, theirs), "Shorter")
        textarea(page).fill(text.replace(sentence, "We will put lamps in each library and school by spring."))
        text, sentence = text.replace(sentence, theirs), theirs
        page.get_by_role("button", name="Save changes").click()
        expect(h1(page)).to_have_text("Your changes overlap with someone else’s")
        expect(page.locator(".error-summary")).to_be_focused()
        expect(h1(page)).to_be_in_viewport()  # focusing the summary must not scroll past the conflicts
        if shots:  # what the user sees on arrival
            page.screenshot(path=f"{shots}/docs-conflict-arrival-{width}.png")
        check("conflict")

        page.goto(doc.path + "/history")
        expect(page.locator("table.history tbody tr").first).to_be_visible()
        if width < 600:  # the column headings are hidden: each picker and cell is labelled instead
            expect(page.locator("label[for=from-1]")).to_be_visible()
            expect(page.locator("label[for=to-1]")).to_be_visible()
        check("history")

        page.goto(doc.path + "/compare?from=1&to=3")
        expect(page.locator(".diff ins").first).to_be_visible()
        check("compare")
        page.goto(doc.path + "/compare?from=1&to=3&mode=side")
        expect(page.locator("table.side-by-side")).to_be_visible()
        check("compare-side")
