"""Commenting on a selection in the live editor (issue 5: "select a passage … in the editor and
comment on it"), keyboard only: an editor types a sentence (unsaved), selects it with Shift+arrows,
Tabs out of the editor to the visible "Comment on selection" button and posts through the reading
page's own dialog. The draft is saved as a revision so the thread has a text to be anchored on, the
passage is marked in the editor, and a reader watching the live draft sees the mark appear; that
reader (a contributor, read-only) comments on a saved passage with the mouse, and the editor sees it.
"""

from playwright.sync_api import expect

from tests.browser.test_comments_browser import ANONYMOUS, community, dialog, log_in

TYPED = "Entry stays free."


def test_keyboard_selection_in_the_editor_is_commented_and_marked_for_everyone(page, another_page, live_server):
    (editor, contributor), _space, doc = community(live_server, "editor", "contributor")
    reader = another_page()
    log_in(reader, contributor)
    reader.goto(doc.path + "/live")  # read-only live view
    expect(reader.locator("[data-live-status]")).to_have_text("Showing the live draft")

    log_in(page, editor)
    page.goto(doc.path + "/edit")
    expect(page.locator("[data-live-status]")).to_have_text("Saved")
    button = page.get_by_role("button", name="Comment on selection")
    expect(button).to_have_attribute("aria-disabled", "true")

    page.locator(".cm-line").nth(2).click()
    page.keyboard.press("End")
    page.keyboard.type(" " + TYPED)
    expect(page.locator("[data-live-status]")).to_have_text("Saved")
    for _ in TYPED:
        page.keyboard.press("Shift+ArrowLeft")
    expect(button).to_have_attribute("aria-disabled", "false")
    page.keyboard.press("Tab")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")

    expect(dialog(page).locator("[data-dialog-quote]")).to_have_text(TYPED)
    expect(dialog(page).get_by_label("Your comment")).to_be_focused()
    page.keyboard.type("Who pays for it?")
    dialog(page).get_by_label(ANONYMOUS).check()
    dialog(page).get_by_role("button", name="Post comment").click()
    expect(dialog(page)).to_have_count(0)

    expect(page.locator("[data-live-comment-status]")).to_contain_text("saved as revision 2")
    expect(button).to_be_focused()
    expect(page.locator(".cm-content .comment-mark-live")).to_have_text(TYPED)
    expect(reader.locator(".cm-content .comment-mark-live")).to_have_text(TYPED)  # live, nothing reloaded

    # The contributor cannot edit, but comments from the read-only live view (mouse selection): the
    # passage is saved already, so no revision is made for it; the editor sees its mark appear.
    reader.locator(".cm-line").nth(4).click(click_count=3)
    reader.get_by_role("button", name="Comment on selection").click()
    dialog(reader).get_by_label("Your comment").fill("Sundays matter.")
    dialog(reader).get_by_role("button", name="Post comment").click()
    expect(dialog(reader)).to_have_count(0)
    expect(reader.locator("[data-live-comment-status]")).to_have_text("Comment posted.")
    expect(page.locator(".cm-content .comment-mark-live")).to_have_count(2)
    expect(page.locator(".cm-content .comment-mark-live").nth(1)).to_contain_text("The library opens on Sundays")

    page.goto(doc.path)  # the reading page lists the thread on revision 2, anonymous
    thread = page.locator("[data-thread]", has_text="Who pays for it?")
    expect(thread).to_contain_text(TYPED)
    expect(thread).to_contain_text("Community member")
