"""The live editor in real browsers (issue 4): CodeMirror bound to the shared Yjs document over
/collab. Two editors type into the same line at once and converge; each sees the other's cursor;
an editor cut off from the network keeps typing, is told what is not saved yet, and catches up on
reconnect; a contributor watches the draft change live but cannot change it.

The `page` fixture fails a test on any JavaScript error or CSP violation (CodeMirror's injected
styles must carry the nonce; cursor colours must not use style attributes).
"""

from playwright.sync_api import expect

TEXT = "# Budget plan\n\nWe will fund the youth centre.\n\nReview every spring.\n"


def log_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".site-header .who")).to_have_text(user.display_name)


def open_live(page, path: str) -> None:
    page.goto(path)
    expect(page.locator("[data-live-status]")).to_have_text("Saved")
    expect(page.locator(".cm-content")).to_contain_text("Budget plan")


def text_of(page) -> str:
    return page.evaluate("window.__collab.text()")


def converged_text(*pages, attempts: int = 50) -> str:
    """The text once every page shows "Saved" and all hold the same text (fails otherwise)."""
    for p in pages:
        expect(p.locator("[data-live-status]")).to_have_text("Saved")
    texts = []
    for _ in range(attempts):
        texts = [text_of(p) for p in pages]
        if len(set(texts)) == 1:
            return texts[0]
        pages[0].wait_for_timeout(100)
    raise AssertionError(f"the pages did not converge: {texts!r}")


def put_cursor_at_end_of_line(page, number: int) -> None:
    page.locator(".cm-line").nth(number - 1).click()
    page.keyboard.press("End")


def two_editors(live_server, another_page, page):
    alice, bob = live_server.user("Alice Lively"), live_server.user("Bob Brisk")
    space = live_server.space(members=[(alice, "editor"), (bob, "editor")])
    doc = live_server.document(space.slug, alice.email, "Budget plan", TEXT)
    page_b = another_page()
    log_in(page, alice)
    log_in(page_b, bob)
    open_live(page, doc.path + "/edit")
    open_live(page_b, doc.path + "/edit")
    return alice, bob, page_b, space, doc


def test_two_editors_type_into_the_same_line_and_converge(page, another_page, live_server):
    alice, bob, page_b, _space, _doc = two_editors(live_server, another_page, page)
    expect(page.locator("[data-plain-editor]")).to_be_hidden()  # the live editor took over
    expect(page.locator("[data-live-who] li")).to_have_text([f"{alice.display_name} (you)", bob.display_name])

    put_cursor_at_end_of_line(page, 3)
    put_cursor_at_end_of_line(page_b, 3)
    # Alternate keystrokes faster than the 75 ms batching: neither has the other's text while typing.
    for a, b in zip(" and the library", " for three years", strict=True):
        page.keyboard.type(a)
        page_b.keyboard.type(b)
    page.keyboard.press("Control+Home")
    page.keyboard.type("Draft: ")
    page_b.keyboard.press("Control+End")
    page_b.keyboard.type("Agreed by the board.")

    final = converged_text(page, page_b)
    line = final.splitlines()[2]
    assert " and the library" in line and " for three years" in line, line  # both kept, neither split
    assert final.startswith("Draft: # Budget plan") and final.endswith("Agreed by the board.")

    expect(page.locator(".cm-ySelectionCaret", has_text=bob.display_name)).to_be_visible()
    expect(page_b.locator(".cm-ySelectionCaret", has_text=alice.display_name)).to_be_visible()

    # Tab is not taken by the editor (no keyboard trap): it moves on, and indents nothing.
    page.locator(".cm-content").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.cm-editor') === null")
    assert text_of(page) == final


def test_offline_typing_is_counted_then_saved_on_reconnect(page, another_page, live_server, page_problems):
    alice, _bob, page_b, _space, _doc = two_editors(live_server, another_page, page)
    expect(page_b.locator("[data-live-who] li")).to_have_count(2)

    page.context.set_offline(True)  # cuts the open websocket too (checked: socket.connected is false)
    expect(page.locator("[data-live-status]")).to_have_text("Offline")
    assert page.evaluate("window.__collab.socket.connected") is False
    expect(page_b.locator("[data-live-who] li")).to_have_count(1)  # Alice's cursor left with her
    put_cursor_at_end_of_line(page, 5)
    page.keyboard.type(" Offline!")
    expect(page.locator("[data-live-status]")).to_have_text("Offline — 9 changes not saved yet")
    page.keyboard.press("Control+z")  # undo works offline, and counts as one more change
    expect(page.locator("[data-live-status]")).to_have_text("Offline — 10 changes not saved yet")
    page.keyboard.type(" Written on the train.")
    assert "Written on the train." not in text_of(page_b)

    page.context.set_offline(False)
    expect(page.locator("[data-live-status]")).to_have_text("Saved", timeout=15_000)
    final = converged_text(page, page_b)
    assert final.endswith("Review every spring. Written on the train.\n"), final
    expect(page_b.locator("[data-live-who] li")).to_have_count(2)  # and she is back
    expect(page_b.locator(".cm-ySelectionCaret", has_text=alice.display_name)).to_be_visible()
    # While offline, Chromium logs the failed reconnection attempts; those are expected here.
    page_problems.errors[:] = [e for e in page_problems.errors if "ERR_INTERNET_DISCONNECTED" not in e]


def test_contributor_watches_the_live_draft_read_only(page, another_page, live_server):
    editor, contributor = live_server.user("Eda Editor"), live_server.user("Cy Contributor")
    space = live_server.space(private=True, members=[(editor, "editor"), (contributor, "contributor")])
    doc = live_server.document(space.slug, editor.email, "Budget plan", TEXT)
    page_b = another_page()
    log_in(page, contributor)
    log_in(page_b, editor)

    page.goto(doc.path)
    page.locator("nav.doc-nav").get_by_role("link", name="Live draft").click()
    expect(page.locator("[data-live-status]")).to_have_text("Showing the live draft")
    expect(page.get_by_text("You can read this draft live but not edit it.")).to_be_visible()
    expect(page.get_by_role("button", name="Save version")).to_have_count(0)
    editor_box = page.get_by_role("textbox", name="Document text (Markdown)")
    expect(editor_box).to_have_attribute("contenteditable", "false")

    open_live(page_b, doc.path + "/edit")
    put_cursor_at_end_of_line(page_b, 1)
    page_b.keyboard.type(" (second draft)")
    page.wait_for_function("() => window.__collab.text().startsWith('# Budget plan (second draft)\\n')")
    expect(page.locator("[data-live-who] li")).to_have_text([f"{contributor.display_name} (you)",
                                                             editor.display_name])

    before = text_of(page)
    page.locator(".cm-line").nth(2).click()
    page.keyboard.type("not allowed")
    page.keyboard.press("Enter")
    page.wait_for_timeout(300)  # longer than a batch: anything typed would have been sent by now
    assert text_of(page) == before
    assert text_of(page_b) == before
    expect(page_b.locator("[data-live-status]")).to_have_text("Saved")
