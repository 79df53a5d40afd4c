"""Comments on the rendered document page in real browsers (issue 5): select text (mouse) or use
a paragraph's "Comment" button (keyboard) → inline form → the thread appears and its passage is
highlighted; other readers receive it live over /collab, each only if they may see it.

The `page` fixture fails a test on any JavaScript error, CSP violation or dialog: highlights and
the dialog must use classes (no style attributes), and XSS in a comment must stay inert.
"""

import re
from pathlib import Path

from playwright.sync_api import expect

XSS_CORPUS = Path("/work/shared/testdata/xss/markdown-xss-payloads.txt")
TEXT = """# Youth services plan

We will fund the youth centre on Station Road for three more years.

The library opens on Sundays from next spring, with volunteers from the community.

## Budget

- Staff costs rise by two per cent
- Repairs to the **roof** come first
"""
PASSAGE = "the youth centre on Station Road"
ANONYMOUS = "Anonymous to other participants"
FACILITATORS_ONLY = "Visible to facilitators only"


# --- helpers ------------------------------------------------------------------------------------------


def log_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".site-header .who")).to_have_text(user.display_name)


def consent_to_perspective(page, label: str) -> None:
    page.goto("/profile")
    page.get_by_label(label, exact=True).check()
    page.get_by_label("I consent").check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_label(label, exact=True)).to_be_checked()


def open_document(page, path: str) -> None:
    """The reading page, with its live connection joined (so nothing posted later is missed)."""
    page.goto(path)
    expect(page.locator("[data-comments]")).to_have_attribute("data-live-state", "joined")


def paragraph(page, text: str):
    return page.locator("article .doc-body p", has_text=text)


def _text_box(block, text: str):
    """Where `text` sits on screen inside `block` (None when it is not there)."""
    return block.evaluate(
        """(el, text) => {
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let n = walker.nextNode(); n; n = walker.nextNode()) {
            const at = n.data.indexOf(text);
            if (at < 0) continue;
            const range = document.createRange();
            range.setStart(n, at);
            range.setEnd(n, at + text.length);
            const rects = range.getClientRects();
            const first = rects[0], last = rects[rects.length - 1];
            return {x1: first.left + 1, y1: first.top + first.height / 2,
                    x2: last.right - 1, y2: last.top + last.height / 2};
          }
          return null;
        }""",
        text,
    )


def select_with_mouse(page, block, text: str) -> None:
    """Drag the mouse across `text` inside `block`, as a reader would.

    Posting a comment scrolls its thread into view smoothly, so the text is located again until it
    stops moving: a drag aimed at where the text was mid-scroll selects nothing."""
    box, previous = _text_box(block, text), None
    for _ in range(40):
        if box == previous:
            break
        page.wait_for_timeout(50)
        box, previous = _text_box(block, text), box
    assert box, f"{text!r} is not in the block"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move((box["x1"] + box["x2"]) / 2, (box["y1"] + box["y2"]) / 2, steps=4)
    page.mouse.move(box["x2"], box["y2"], steps=4)
    page.mouse.up()
    assert page.evaluate("window.getSelection().toString()") == text


def dialog(page):
    return page.locator("dialog.comment-dialog[open]")


def press_by_keyboard(page, label: str) -> None:
    """Tab through the form's choices to the button labelled `label` (keyboard users' path), press it."""
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == label:
            page.keyboard.press("Enter")
            return
    raise AssertionError(f"Tab never reached the {label!r} button")


def thread_with(page, text: str):
    return page.locator("[data-comments-panel] [data-thread]", has_text=text)


def mark_reload_sentinel(page) -> None:
    page.evaluate("window.__sameDocument = true")


def not_reloaded(page) -> bool:
    return page.evaluate("window.__sameDocument === true")


def community(live_server, *roles):
    """Users with the given roles in a new public space, and a document in it (written by an editor)."""
    users = [live_server.user(f"{role.title()} {live_server.unique('P')}") for role in roles]
    space = live_server.space(members=list(zip(users, roles, strict=True)))
    author = next(u for u, r in zip(users, roles, strict=True) if r in ("editor", "facilitator"))
    doc = live_server.document(space.slug, author.email, "Youth services plan", TEXT)
    return users, space, doc


def post_on_paragraph(page, text: str, body: str, visibility: str = "Show my name") -> None:
    """Comment on a whole paragraph through its button (the mouse path)."""
    block_id = paragraph(page, text).get_attribute("data-block")
    paragraph(page, text).hover()
    page.locator(f'.comment-block-button[data-comment-block="{block_id}"]').click()
    dialog(page).get_by_label("Your comment").fill(body)
    dialog(page).get_by_label(visibility).check()
    dialog(page).get_by_role("button", name="Post comment").click()
    expect(dialog(page)).to_have_count(0)


# --- tests -------------------------------------------------------------------------------------------


def test_selected_text_commented_anonymously_with_a_perspective_appears_live_for_an_editor(
        page, another_page, live_server):
    (contributor, editor), _space, doc = community(live_server, "contributor", "editor")
    log_in(page, contributor)
    consent_to_perspective(page, "Lived experience")
    editor_page = another_page()
    log_in(editor_page, editor)
    open_document(editor_page, doc.path)
    mark_reload_sentinel(editor_page)

    open_document(page, doc.path)
    select_with_mouse(page, paragraph(page, "Station Road"), PASSAGE)
    page.get_by_role("button", name="Comment on selection").click()
    form = dialog(page)
    expect(form).to_be_visible()
    expect(form.locator(".comment-dialog-quote")).to_have_text(PASSAGE)
    expect(form.get_by_label("Your comment")).to_be_focused()
    form.get_by_label("Your comment").fill("Please keep the *evening* sessions.")
    form.get_by_label(ANONYMOUS).check()
    expect(form.locator(".comment-anonymity-notice")).to_be_visible()
    form.get_by_label("Show a perspective").select_option(label="Lived experience")
    form.get_by_role("button", name="Post comment").click()

    expect(dialog(page)).to_have_count(0)
    thread = thread_with(page, "Please keep the evening sessions.")
    expect(thread).to_be_visible()
    expect(thread.locator(".comment-author")).to_have_text("Community member")
    expect(thread.locator(".comment-perspective")).to_have_text("Lived experience")
    expect(thread.locator("em")).to_have_text("evening")  # Markdown rendered
    thread_id = thread.get_attribute("data-thread")
    marks = page.locator(f'article mark.comment-mark[data-thread="{thread_id}"]')
    expect(marks).to_have_text([PASSAGE])
    expect(thread).to_be_focused()  # focus moved to the new thread

    # The passage and the thread link to each other.
    thread.get_by_role("button", name="Show passage").click()
    expect(marks.first).to_be_focused()
    expect(marks.first).to_have_class(re.compile(r"\bcomment-mark-active\b"))
    page.keyboard.press("Enter")
    expect(thread).to_be_focused()

    # The editor, reading the same page in another browser, sees it arrive without reloading.
    live = thread_with(editor_page, "Please keep the evening sessions.")
    expect(live).to_be_visible()
    expect(live.locator(".comment-author")).to_have_text("Community member")
    expect(live.locator(".comment-perspective")).to_have_text("Lived experience")
    expect(editor_page.locator(f'article mark.comment-mark[data-thread="{thread_id}"]')).to_have_text([PASSAGE])
    assert not_reloaded(editor_page)
    assert contributor.display_name not in editor_page.locator("[data-comments-panel]").inner_text()

    # After a reload both see the same, server-rendered thread, still highlighted.
    page.reload()
    expect(page.locator(f'article mark.comment-mark[data-thread="{thread_id}"]')).to_have_text([PASSAGE])


def test_keyboard_only_comment_on_a_paragraph(page, live_server):
    (contributor, _editor), _space, doc = community(live_server, "contributor", "editor")
    log_in(page, contributor)
    open_document(page, doc.path)
    target = paragraph(page, "library opens on Sundays")
    block_id = target.get_attribute("data-block")

    page.locator("#doc-title").click()  # start keyboard navigation at the title (not focusable itself)
    for _ in range(40):  # past the document tabs (rounds, editions, briefing…)
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.dataset.commentBlock") == block_id:
            break
    button = page.locator(f'.comment-block-button[data-comment-block="{block_id}"]')
    expect(button).to_be_focused()
    expect(button).to_have_accessible_name("Comment on this paragraph")
    expect(button).to_have_css("opacity", "1")  # visible while focused

    # Escape closes the form and gives focus back to the button.
    page.keyboard.press("Enter")
    expect(dialog(page)).to_be_visible()
    expect(dialog(page).get_by_label("Your comment")).to_be_focused()
    page.keyboard.type("Not yet")
    page.keyboard.press("Escape")
    expect(dialog(page)).to_have_count(0)
    expect(button).to_be_focused()

    page.keyboard.press("Enter")
    expect(dialog(page).locator(".comment-dialog-quote")).to_contain_text("The library opens on Sundays")
    page.keyboard.type("Sunday opening needs paid staff, not only volunteers.")
    press_by_keyboard(page, "Post comment")

    thread = thread_with(page, "Sunday opening needs paid staff")
    expect(thread).to_be_focused()
    expect(thread.locator(".comment-author")).to_have_text(contributor.display_name)
    thread_id = thread.get_attribute("data-thread")
    expect(page.locator(f'article mark.comment-mark[data-thread="{thread_id}"]').first).to_be_visible()
    assert "Sundays" in page.locator(f'article mark.comment-mark[data-thread="{thread_id}"]').all_inner_texts()[0]


def test_keyboard_selection_then_tab_past_the_body_reaches_comment_on_selection(page, live_server):
    (contributor, _editor), _space, doc = community(live_server, "contributor", "editor")
    log_in(page, contributor)
    open_document(page, doc.path)
    expect(page.get_by_role("button", name="Comment on selection")).to_be_hidden()
    # What Shift+arrow keys do with caret browsing on: a selection inside a list item's bold text.
    page.locator("article .doc-body li", has_text="Repairs").evaluate(
        """(li) => {
          const text = li.querySelector("strong").firstChild;
          const range = document.createRange();
          range.setStart(li.lastChild, 1);
          range.setEnd(li.lastChild, 6);
          range.setStart(text, 0);
          window.getSelection().removeAllRanges();
          window.getSelection().addRange(range);
        }""")
    page.locator(".comment-block-button").last.focus()  # the last control inside the body
    page.keyboard.press("Tab")
    button = page.get_by_role("button", name="Comment on selection")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(dialog(page).locator(".comment-dialog-quote")).to_have_text("roof come")
    page.keyboard.type("The roof first, agreed.")
    page.keyboard.press("Escape")
    expect(button).to_be_focused()  # focus comes back to where it was


def test_facilitators_only_comment_reaches_facilitators_live_but_not_other_contributors(
        page, another_page, live_server):
    (writer, reader, facilitator), _space, doc = community(live_server, "contributor", "contributor", "facilitator")
    reader_page, facilitator_page = another_page(), another_page()
    log_in(reader_page, reader)
    log_in(facilitator_page, facilitator)
    open_document(reader_page, doc.path)
    open_document(facilitator_page, doc.path)
    log_in(page, writer)
    open_document(page, doc.path)

    def comment(text: str, visibility: str) -> None:
        select_with_mouse(page, paragraph(page, "Station Road"), "three more years")
        page.get_by_role("button", name="Comment on selection").click()
        dialog(page).get_by_label("Your comment").fill(text)
        dialog(page).get_by_label(visibility).check()
        dialog(page).get_by_role("button", name="Post comment").click()
        expect(thread_with(page, text)).to_be_visible()

    comment("Only for the facilitators: funding risk.", FACILITATORS_ONLY)
    expect(thread_with(facilitator_page, "Only for the facilitators")).to_be_visible()
    expect(thread_with(facilitator_page, "Only for the facilitators").locator(".comment-author")).to_have_text(
        writer.display_name)

    # Then a public comment: once it has reached the other contributor, the private one would have too.
    comment("For everyone: three years is good.", "Show my name")
    expect(thread_with(reader_page, "For everyone")).to_be_visible()
    expect(thread_with(facilitator_page, "For everyone")).to_be_visible()
    expect(thread_with(reader_page, "Only for the facilitators")).to_have_count(0)
    assert "funding risk" not in reader_page.content()
    reader_page.reload()
    expect(thread_with(reader_page, "For everyone")).to_be_visible()
    expect(thread_with(reader_page, "Only for the facilitators")).to_have_count(0)


def test_xss_in_a_comment_stays_inert_for_its_author_and_live_readers(page, another_page, live_server, page_problems):
    (contributor, editor), _space, doc = community(live_server, "contributor", "editor")
    payloads = [line for line in XSS_CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()][:12]
    payloads += ["<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", '"><script>alert(1)</script>',
                 "<a href=\"javascript:alert(1)\">x</a>", "<details open ontoggle=alert(1)>"]
    body = "\n\n".join(payloads)
    page_problems.allow_status(404)  # inert relative images may 404
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    editor_page = another_page()
    editor_page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.abort())
    log_in(editor_page, editor)
    open_document(editor_page, doc.path)
    log_in(page, contributor)
    open_document(page, doc.path)

    post_on_paragraph(page, "Station Road", body)
    thread = page.locator("[data-comments-panel] [data-thread]").last
    expect(thread).to_contain_text("prompt(document.cookie)")  # shown as text, inert
    live = editor_page.locator("[data-comments-panel] [data-thread]").last
    expect(live).to_contain_text("prompt(document.cookie)")
    for p in (page, editor_page):
        bad = p.locator("[data-comments-panel]").evaluate(NO_ACTIVE_CONTENT)
        assert bad == [], f"active content in the comments: {bad}"
    page.wait_for_timeout(300)  # a late onerror/onload would raise a dialog: the fixture fails on it


def test_a_refused_comment_shows_the_servers_message_and_keeps_what_was_typed(page, live_server, page_problems):
    (contributor, _editor), _space, doc = community(live_server, "contributor", "editor")
    page_problems.allow_status(422)  # the refusal itself (Chromium logs every 4xx fetch)
    log_in(page, contributor)
    open_document(page, doc.path)
    too_long = "Far too long. " * 400  # over COMMENT_MAX_CHARS (5000)
    select_with_mouse(page, paragraph(page, "library opens"), "volunteers from the community")
    page.get_by_role("button", name="Comment on selection").click()
    dialog(page).get_by_label("Your comment").fill(too_long)
    dialog(page).get_by_label(ANONYMOUS).check()
    dialog(page).get_by_role("button", name="Post comment").click()

    alert = dialog(page).get_by_role("alert")
    expect(alert).to_contain_text("the limit is 5,000")  # the server's own message
    expect(dialog(page).get_by_label("Your comment")).to_have_value(too_long)
    expect(dialog(page).get_by_label(ANONYMOUS)).to_be_checked()
    expect(page.locator("[data-comments-panel] [data-thread]")).to_have_count(0)

    dialog(page).get_by_label("Your comment").fill("Short enough now.")
    dialog(page).get_by_role("button", name="Post comment").click()
    expect(dialog(page)).to_have_count(0)
    expect(thread_with(page, "Short enough now.").locator(".comment-author")).to_contain_text("Community member")


def test_a_reader_who_was_offline_catches_up_after_reconnecting(page, another_page, live_server):
    (contributor, editor), _space, doc = community(live_server, "contributor", "editor")
    log_in(page, editor)
    open_document(page, doc.path)
    page.evaluate("window.__comments.socket.disconnect()")
    expect(page.locator("[data-comments]")).to_have_attribute("data-live-state", "offline")

    writer = another_page()
    log_in(writer, contributor)
    open_document(writer, doc.path)
    post_on_paragraph(writer, "library opens", "Posted while the editor was offline.")
    expect(thread_with(writer, "Posted while the editor was offline.")).to_be_visible()
    page.wait_for_timeout(300)
    expect(thread_with(page, "Posted while the editor was offline.")).to_have_count(0)

    mark_reload_sentinel(page)
    page.evaluate("window.__comments.socket.connect()")
    expect(page.locator("[data-comments]")).to_have_attribute("data-live-state", "joined")
    expect(thread_with(page, "Posted while the editor was offline.")).to_be_visible()
    assert not_reloaded(page)
    thread_id = thread_with(page, "Posted while the editor was offline.").get_attribute("data-thread")
    expect(page.locator(f'article mark.comment-mark[data-thread="{thread_id}"]').first).to_be_visible()


def test_narrow_screen_paragraph_buttons_show_and_thread_and_passage_link_both_ways(page, live_server):
    (contributor, _editor), _space, doc = community(live_server, "contributor", "editor")
    page.set_viewport_size({"width": 380, "height": 800})
    log_in(page, contributor)
    open_document(page, doc.path)
    block_id = paragraph(page, "library opens").get_attribute("data-block")
    button = page.locator(f'.comment-block-button[data-comment-block="{block_id}"]')
    expect(button).to_have_css("opacity", "1")  # no hover on touch screens: always shown
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # nothing sticks out
    post_on_paragraph(page, "library opens", "Small screens too.")
    thread = thread_with(page, "Small screens too.")
    expect(thread).to_be_focused()
    below = thread.evaluate("(t) => t.getBoundingClientRect().top >= "
                            "document.querySelector('article .doc-body').getBoundingClientRect().bottom")
    assert below, "on a narrow screen the threads follow the text"
    thread.get_by_role("button", name="Show passage").click()
    mark = page.locator(f'article mark.comment-mark[data-thread="{thread.get_attribute("data-thread")}"]').first
    expect(mark).to_be_focused()
    expect(mark).to_be_in_viewport()
    mark.click()
    expect(thread).to_be_focused()
    expect(thread).to_be_in_viewport()


NO_ACTIVE_CONTENT = """(root) => {
  const bad = [];
  const urlAttrs = ["href", "src", "action", "formaction", "xlink:href", "srcset", "poster", "background"];
  for (const el of root.querySelectorAll("*")) {
    if (["SCRIPT", "IFRAME", "OBJECT", "EMBED", "META", "BASE", "STYLE", "SVG"].includes(el.tagName.toUpperCase()))
      bad.push(el.outerHTML.slice(0, 120));
    for (const attr of el.attributes) {
      if (attr.name.startsWith("on") || attr.name === "style") bad.push(`${el.tagName} ${attr.name}`);
      if (!urlAttrs.includes(attr.name)) continue;
      let protocol;
      try { protocol = new URL(attr.value, document.baseURI).protocol; } catch { continue; }
      if (!["http:", "https:", "mailto:"].includes(protocol))
        bad.push(`${el.tagName} ${attr.name}=${attr.value.slice(0, 60)}`);
    }
  }
  return bad;
}"""


def post_on_block(page, block, body: str) -> None:
    """Comment on a whole block (a list item, say) through its "Comment" button."""
    block_id = block.get_attribute("data-block")
    block.hover()
    page.locator(f'.comment-block-button[data-comment-block="{block_id}"]').click()
    dialog(page).get_by_label("Your comment").fill(body)
    dialog(page).get_by_role("button", name="Post comment").click()
    expect(dialog(page)).to_have_count(0)


def test_a_live_thread_outside_the_panels_filter_is_counted_not_shown(page, another_page, live_server):
    (contributor, editor), _space, doc = community(live_server, "contributor", "editor")
    reader = another_page()
    log_in(reader, editor)
    open_document(reader, doc.path)
    budget = reader.locator("#filter-section option", has_text="Budget").get_attribute("value")
    open_document(reader, f"{doc.path}?section={budget}#comments")  # only the Budget section's comments
    mark_reload_sentinel(reader)
    note = reader.locator("[data-comments-panel] [data-filtered-out]")
    expect(note).to_have_count(0)

    log_in(page, contributor)
    open_document(page, doc.path)
    post_on_paragraph(page, "library opens", "Sundays are busy: outside the Budget section.")
    expect(note).to_have_text("1 new comment hidden by the filter.")
    expect(note).to_have_attribute("role", "status")  # announced politely, not as an alert
    post_on_paragraph(page, "Station Road", "Also outside the filter.")
    expect(note).to_have_text("2 new comments hidden by the filter.")

    resolved_only = another_page()  # a new thread is open: a panel of resolved threads leaves it out
    log_in(resolved_only, editor)
    open_document(resolved_only, f"{doc.path}?status=resolved#comments")
    post_on_block(page, page.locator("article .doc-body li", has_text="Staff costs"), "Two per cent is too little.")
    inside = thread_with(reader, "Two per cent is too little.")
    expect(inside).to_be_visible()  # in the Budget section: inserted live
    expect(thread_with(reader, "Sundays are busy")).to_have_count(0)
    expect(thread_with(reader, "Also outside the filter.")).to_have_count(0)
    expect(note).to_have_text("2 new comments hidden by the filter.")
    assert not_reloaded(reader)
    expect(resolved_only.locator("[data-filtered-out]")).to_have_text("1 new comment hidden by the filter.")
    expect(thread_with(resolved_only, "Two per cent is too little.")).to_have_count(0)

    reader.get_by_role("link", name="Show all comments").click()
    expect(thread_with(reader, "Sundays are busy")).to_be_visible()
    expect(reader.locator("[data-comments-panel] [data-thread]")).to_have_count(3)


def test_reply_and_hide_forms_open_in_place_from_the_keyboard(page, another_page, live_server):
    (contributor, facilitator), _space, doc = community(live_server, "contributor", "facilitator")
    log_in(page, contributor)
    open_document(page, doc.path)
    post_on_paragraph(page, "library opens", "Volunteers cannot run it alone.")

    moderator = another_page()
    log_in(moderator, facilitator)
    open_document(moderator, doc.path)
    thread = thread_with(moderator, "Volunteers cannot run it alone.")
    expect(thread.locator("form")).to_have_count(0)  # no form per thread until one is asked for

    reply = thread.get_by_role("link", name="Reply")
    reply.focus()
    moderator.keyboard.press("Enter")
    expect(reply).to_have_attribute("aria-expanded", "true")
    expect(thread.get_by_label("Your reply")).to_be_focused()
    moderator.keyboard.type("Not yet")
    moderator.keyboard.press("Escape")  # closes the form, focus back on the link
    expect(thread.locator("form")).to_have_count(0)
    expect(reply).to_be_focused()
    moderator.keyboard.press("Enter")
    moderator.keyboard.type("We are funding two paid staff.")
    press_by_keyboard(moderator, "Post reply")
    thread = thread_with(moderator, "Volunteers cannot run it alone.")
    expect(thread).to_contain_text("We are funding two paid staff.")
    expect(thread_with(page, "Volunteers cannot run it alone.")).to_contain_text("We are funding two paid staff.")

    # One-click actions post through the page's one shared form (form="comment-actions" formaction=…).
    thread.get_by_role("button", name="Resolve").click()
    thread = thread_with(moderator, "Volunteers cannot run it alone.")
    expect(thread.locator(".badge", has_text="Resolved")).to_be_visible()
    expect(thread.get_by_role("button", name="Reopen")).to_be_visible()

    hide = thread.locator(".comment", has_text="Volunteers cannot").get_by_role("link", name="Hide")
    hide.focus()
    moderator.keyboard.press("Enter")
    reason = thread.get_by_label("Reason (shown to facilitators, logged)")
    expect(reason).to_be_focused()
    moderator.keyboard.type("Names a member of staff <b>by name</b>")
    moderator.keyboard.press("Enter")
    thread = thread_with(moderator, "Hidden by a facilitator")
    expect(thread).to_contain_text("Hidden by a facilitator: Names a member of staff <b>by name</b>")

    moderator.get_by_role("link", name="Moderation log").click()
    expect(moderator.get_by_role("heading", name="Moderation log")).to_be_visible()
    entry = moderator.locator(".moderation-entry").first
    expect(entry).to_contain_text("Hid a comment")
    expect(entry).to_contain_text(facilitator.display_name)
    expect(entry).to_contain_text("Reason: Names a member of staff <b>by name</b>")
    entry.get_by_role("link", name=re.compile(r"^thread ")).click()
    expect(moderator.locator("[data-comments-panel] [data-thread]").first).to_contain_text("Hidden by a facilitator")
