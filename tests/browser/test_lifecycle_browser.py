"""Erasing my account and deleting a document in a real browser, driven from the keyboard.

- Erase: from the profile page, a wrong password is refused in the page (error summary focused), the
  right one with the box ticked erases the account, signs out, and the person's revision now reads
  "deleted participant"; the old login no longer works.
- Delete: a facilitator opens the delete page from the document, is refused for a wrong title, types
  the right one and deletes; an editor who had the live draft open is told it was deleted.
"""

import re

from playwright.sync_api import expect

TEXT = "# Budget plan\n\nWe will fund the youth centre.\n"
GENERIC_LOGIN_ERROR = "That email and password do not match an account."


def log_in(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_label("Password").press("Enter")
    expect(page.locator(".site-header .who")).to_have_text(user.display_name)


def press_link(page, name: str) -> None:
    """Move the keyboard focus to a link or button and activate it with Enter."""
    target = page.get_by_role("link", name=name)
    target.focus()
    page.keyboard.press("Enter")


def test_erase_my_account_from_the_profile_with_the_keyboard(page, live_server, page_problems):
    page_problems.allow_status(422)  # the refused password and the refused login are 422 pages
    erin = live_server.user("Erin Erasable")
    space = live_server.space(members=[(erin, "editor")])
    doc = live_server.document(space.slug, erin.email, "Budget plan", TEXT)
    log_in(page, erin)

    page.goto("/profile")
    expect(page.get_by_role("link", name="Download my data")).to_have_attribute("href", "/profile/data")
    press_link(page, "Erase my account…")
    expect(page.get_by_role("heading", level=1)).to_have_text("Erase your account")
    expect(page.get_by_role("list").filter(has_text="API tokens are erased")).to_be_visible()

    page.get_by_label("Your current password").focus()
    page.keyboard.type("not my password")
    page.keyboard.press("Tab")
    page.keyboard.press("Space")  # tick "I understand…"
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Erase my account")).to_be_focused()
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("That is not your current password.")
    expect(summary).to_be_focused()

    page.get_by_label("Your current password").focus()
    page.keyboard.type(erin.password)
    checkbox = page.get_by_label("I understand that erasing my account cannot be undone")
    if not checkbox.is_checked():
        checkbox.focus()
        page.keyboard.press("Space")
    page.get_by_role("button", name="Erase my account").focus()
    page.keyboard.press("Enter")

    expect(page.locator(".flash-success")).to_contain_text("Your account is erased.")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    page.goto(doc.path + "/history")
    expect(page.locator("table")).to_contain_text("deleted participant")
    expect(page.get_by_text("Erin Erasable")).to_have_count(0)

    page.goto("/login")
    page.get_by_label("Email address").fill(erin.email)
    page.get_by_label("Password").fill(erin.password)
    page.get_by_label("Password").press("Enter")
    expect(page.locator(".error-summary")).to_contain_text(GENERIC_LOGIN_ERROR)


def test_delete_a_document_with_its_typed_title_and_live_editors_are_told(page, another_page, live_server,
                                                                         page_problems):
    page_problems.allow_status(422)  # the wrong title
    fay, ed = live_server.user("Fay Facilitator"), live_server.user("Ed Editor")
    space = live_server.space(members=[(fay, "facilitator"), (ed, "editor")])
    doc = live_server.document(space.slug, ed.email, "Budget plan", TEXT)
    editor_page = another_page()
    log_in(editor_page, ed)
    editor_page.goto(doc.path + "/edit")
    expect(editor_page.locator("[data-live-status]")).to_have_text("Saved")

    log_in(page, fay)
    page.goto(doc.path)
    press_link(page, "Delete this document…")
    expect(page.get_by_role("heading", level=1)).to_have_text("Delete “Budget plan”?")
    expect(page.locator(".what-goes")).to_contain_text("1 revision")
    field = page.get_by_label("Type the document’s title to confirm")
    expect(field).to_have_attribute("aria-describedby", re.compile("title-hint"))

    field.focus()
    page.keyboard.type("Budget")
    page.keyboard.press("Enter")
    expect(page.locator(".error-summary")).to_contain_text("Type the document’s title exactly as shown")
    expect(page.locator(".error-summary")).to_be_focused()

    field = page.get_by_label("Type the document’s title to confirm")
    field.fill("")
    field.focus()
    page.keyboard.type("budget plan")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Delete this document permanently")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(live_server.url + space.path)
    expect(page.locator(".flash-success")).to_contain_text("“Budget plan” is deleted")
    expect(page.get_by_role("link", name="Budget plan")).to_have_count(0)
    problem = editor_page.locator("[data-live-problem]")
    expect(problem).to_contain_text("This document was deleted by a facilitator")
    expect(problem.get_by_role("button", name="Reload the page")).to_have_count(0)
