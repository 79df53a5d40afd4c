"""Accounts and spaces in a real browser: login (mouse and keyboard only), logout, errors, profile, XSS."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

GENERIC_LOGIN_ERROR = "That email and password do not match an account."
NO_SUCH_SPACE = "No such space, or you do not have access to it."

FOCUS_STYLE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {outline: style.outlineStyle, width: style.outlineWidth, shadow: style.boxShadow};
}"""


def focused(page) -> dict:
    """What has the keyboard focus: tag, id, class, text and whether it is on screen."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const box = el.getBoundingClientRect();
          return {tag: el.tagName.toLowerCase(), id: el.id, cls: el.className, text: el.textContent.trim(),
                  onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
                            && box.left < innerWidth && box.top < innerHeight};
        }"""
    )


def assert_focus_visible(page) -> None:
    style = page.evaluate(FOCUS_STYLE)
    has_outline = style["outline"] != "none" and style["width"] not in ("0px", "")
    assert has_outline or style["shadow"] != "none", f"focus is invisible: {style}"


def log_in_with_mouse(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email address").click()
    page.keyboard.type(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()


def test_login_see_private_space_and_logout(page, live_server, page_problems):
    user = live_server.user()
    space = live_server.space(live_server.unique("Hidden concordat"), private=True, members=[(user, "editor")])

    log_in_with_mouse(page, user)
    assert urlsplit(page.url).path == "/"
    expect(page.locator(".flash-success")).to_contain_text(f"Welcome back, {user.display_name}.")
    expect(page.locator(".site-header .who")).to_have_text(user.display_name)

    page.get_by_role("link", name=space.title).click()
    expect(page).to_have_url(live_server.url + space.path)
    expect(page.get_by_role("heading", level=1)).to_have_text(space.title)
    expect(page.locator(".space-head")).to_contain_text("Your role: editor")
    expect(page.locator(".space-head .badge")).to_have_text("Private space")

    page.get_by_role("navigation", name="Main").get_by_role("button", name="Log out").click()
    expect(page.locator(".flash-success")).to_have_text("You have logged out.")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")).to_be_visible()
    expect(page.get_by_role("link", name=space.title)).to_have_count(0)

    page_problems.allow_status(404)
    response = page.goto(space.path)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator(".error-text")).to_have_text(NO_SUCH_SPACE)
    expect(page.get_by_text(space.title)).to_have_count(0)


def test_keyboard_only_login(page, live_server):
    user = live_server.user()
    page.goto("/login")

    page.keyboard.press("Tab")
    first = focused(page)
    assert first["text"] == "Skip to main content" and first["cls"] == "skip-link"
    assert first["onScreen"], "the skip link must come into view when focused"
    expect(page.get_by_role("link", name="Skip to main content")).to_be_in_viewport()
    assert_focus_visible(page)

    page.keyboard.press("Enter")  # follow the skip link: focus moves to <main>
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "email"
    assert_focus_visible(page)
    page.keyboard.type(user.email)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "password"
    assert_focus_visible(page)
    page.keyboard.press("Shift+Tab")
    assert focused(page)["id"] == "email"
    page.keyboard.press("Tab")
    page.keyboard.type(user.password)
    page.keyboard.press("Enter")

    expect(page.locator(".site-header .who")).to_have_text(user.display_name)
    assert urlsplit(page.url).path == "/"


def test_failed_login_focuses_generic_error_summary(page, live_server, page_problems):
    user = live_server.user()
    page_problems.allow_status(422)
    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("not the password at all")
    page.get_by_role("button", name="Log in").click()

    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("heading")).to_have_text("There is a problem")
    expect(summary.locator("li")).to_have_text([GENERIC_LOGIN_ERROR])
    expect(page.get_by_label("Email address")).to_have_value(user.email)
    expect(page.locator(".site-header .who")).to_have_count(0)


def test_register_then_perspectives_need_consent(page, live_server, page_problems):
    page_problems.allow_status(422)
    name = live_server.unique("Newcomer")
    page.goto("/register")
    page.get_by_label("Email address").fill(f"{name.lower()}@example.org")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_label("Confirm password").fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator(".flash-success")).to_contain_text("Your account is ready.")
    expect(page.locator(".site-header .who")).to_have_text(name)

    page.get_by_role("link", name=f"Profile for {name}").click()
    carer = page.get_by_role("checkbox", name="Carer")
    consent = page.get_by_role("checkbox", name="I consent")
    carer.check()
    page.get_by_role("button", name="Save profile").click()
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Tick the consent box to save perspectives")

    page.goto("/profile")  # nothing was saved
    expect(page.locator(".error-summary")).to_have_count(0)
    expect(carer).not_to_be_checked()
    expect(consent).not_to_be_checked()

    carer.check()
    consent.check()
    page.get_by_role("button", name="Save profile").click()
    expect(page.locator(".flash-success")).to_have_text("Your profile is saved.")
    page.reload()
    expect(carer).to_be_checked()
    expect(consent).to_be_checked()
    expect(page.get_by_role("checkbox", name="Practitioner")).not_to_be_checked()


def test_markup_in_names_is_shown_as_text(page, live_server, page_problems):
    evil_name = "<img src=x onerror=alert(1)>"
    evil_title = "<script>alert(1)</script>"
    user = live_server.user(evil_name)
    space = live_server.space(evil_title, private=True, members=[(user, "contributor")])

    log_in_with_mouse(page, user)
    expect(page.locator(".site-header .who")).to_have_text(evil_name)
    expect(page.get_by_role("link", name=evil_title)).to_be_visible()
    page.goto(space.path)
    expect(page.get_by_role("heading", level=1)).to_have_text(evil_title)
    assert page.title().startswith(evil_title)
    expect(page.locator(".site-header .who")).to_have_text(evil_name)
    assert page.locator("main img, header img").count() == 0
    assert page.locator("main script").count() == 0
    assert page_problems.dialogs == []


@pytest.mark.parametrize("width", [1280, 375])
def test_pages_fit_the_screen(page, live_server, page_problems, width):
    """Home, login with an error and a space page have no sideways scrolling; screenshots on request.

    Set WIKI_SCREENSHOTS=/some/folder to keep a PNG of each page for a human to look at.
    """
    page_problems.allow_status(422)
    shots = os.environ.get("WIKI_SCREENSHOTS")
    page.set_viewport_size({"width": width, "height": 800})
    user = live_server.user("Morgan Example-Longname")
    space = live_server.space(
        "Community mental health strategy 2025–2030", private=True, members=[(user, "facilitator")]
    )

    def check(name: str) -> None:
        overflow = page.evaluate("() => document.documentElement.scrollWidth - innerWidth")
        assert overflow <= 0, f"{name} at {width}px scrolls sideways by {overflow}px"
        brand, heading = page.locator(".brand").bounding_box(), page.locator("main h1").bounding_box()
        assert abs(brand["x"] - heading["x"]) <= 1, f"{name}: the page content is not aligned with the header"
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{shots}/{name}-{width}.png", full_page=True)

    page.goto("/login")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check("login-error")

    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".flash-success")).to_be_visible()
    check("home")

    page.goto(space.path)
    expect(page.get_by_role("heading", level=1)).to_have_text(space.title)
    check("space")

    page.goto("/profile")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your profile")
    check("profile")
    if shots:  # how keyboard focus looks, in the header and in a form
        page.keyboard.press("Tab")
        page.screenshot(path=f"{shots}/focus-skip-{width}.png")
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.screenshot(path=f"{shots}/focus-header-{width}.png")
        page.get_by_label("Display name").focus()
        page.keyboard.press("Tab")
        page.screenshot(path=f"{shots}/focus-checkbox-{width}.png")


def test_the_page_fixture_catches_csp_violations(page, page_problems):
    """The guard every test relies on: an inline script is refused by the CSP and reported."""
    page.goto("/")
    page.evaluate(
        """() => { const s = document.createElement("script"); s.textContent = "window.ran = 1";
                   document.body.append(s); }"""
    )
    assert page.evaluate("() => window.ran") is None
    for _ in range(40):  # the console event arrives asynchronously
        if page_problems.errors:
            break
        page.wait_for_timeout(50)
    assert any("Content Security Policy" in error for error in page_problems.errors), page_problems.errors
    page_problems.errors.clear()  # expected here; any other test would fail on it
