"""A whole consultation round in real browsers (issue 6, "Done when"): a facilitator opens it, two
contributors comment (one anonymously, one with a perspective), the round closes by the (injected)
clock, a late comment is refused, the facilitator answers both comments and publishes the report,
and a signed-out visitor reads it. Also: the countdown closes the page by itself in the browser.

The server's rounds clock is injected (``ROUNDS_CLOCK``) so "two weeks later" takes no time; the
browser's own clock is left alone except in the countdown test (Playwright's clock).
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.test_comments_browser import consent_to_perspective, dialog, log_in, paragraph
from wiki.consultations import lifecycle

TEXT = """# Community safety plan

We will light the underpass on Mill Lane before next winter.

## Youth

The youth club opens two more evenings a week.
"""


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(live_server):
    clock = Clock(datetime.now(UTC).replace(second=0, microsecond=0))
    live_server.app.config["ROUNDS_CLOCK"] = clock
    yield clock
    live_server.app.config["ROUNDS_CLOCK"] = None


def local(value: datetime) -> str:
    return lifecycle.to_local(value, "Europe/London").strftime("%Y-%m-%dT%H:%M")


def comment_on(page, text: str, body: str, visibility: str, perspective: str | None = None) -> None:
    block = paragraph(page, text)
    block_id = block.get_attribute("data-block")
    block.hover()
    page.locator(f'.comment-block-button[data-comment-block="{block_id}"]').click()
    form = dialog(page)
    form.get_by_label("Your comment").fill(body)
    form.get_by_label(visibility).check()
    if perspective:
        form.get_by_label("Show a perspective").select_option(label=perspective)
    form.get_by_role("button", name="Post comment").click()


def start_round(page, doc_path: str, clock: Clock) -> str:
    page.goto(doc_path)
    page.get_by_role("link", name="Start a consultation round").click()
    page.get_by_label("Title").fill("Spring safety consultation")
    page.get_by_label("Opens at").fill(local(clock.now))
    page.get_by_label("Closes at").fill(local(clock.now + timedelta(days=14)))
    page.get_by_label("Question 1", exact=True).fill("What would make you feel safer?")
    page.get_by_role("button", name="Start the round").click()
    expect(page.locator(".flash-success")).to_contain_text("Round 1 is open")
    expect(page.get_by_role("timer")).to_have_text(re.compile(r"^1[34] days"))
    return page.url


def test_a_whole_round(page, another_page, browser, live_server, clock, page_problems):
    page_problems.allow_status(409)  # the late comment's refusal is logged by the browser
    names = {role: live_server.user(f"{role.title()} {live_server.unique('R')}")
             for role in ("facilitator", "anna", "carl")}
    space = live_server.space(members=[(names["facilitator"], "facilitator"), (names["anna"], "contributor"),
                                       (names["carl"], "contributor")])
    doc = live_server.document(space.slug, names["facilitator"].email, "Community safety plan", TEXT)

    log_in(page, names["facilitator"])
    round_url = start_round(page, doc.path, clock)

    anna = another_page()
    log_in(anna, names["anna"])
    anna.goto(round_url)
    comment_on(anna, "underpass on Mill Lane", "Please add CCTV as well.", "Anonymous to other participants")
    thread = anna.locator("[data-comments-panel] [data-thread]", has_text="Please add CCTV as well.")
    expect(thread).to_be_visible()
    expect(thread.locator(".comment-author")).to_have_text("Community member")

    carl = another_page()
    log_in(carl, names["carl"])
    consent_to_perspective(carl, "Carer")
    carl.goto(round_url)
    expect(carl.get_by_role("timer")).to_have_text(re.compile(r"^1[34] days"))
    comment_on(carl, "youth club opens", "Saturdays matter most for carers.", "Show my name", "Carer")
    mine = carl.locator("[data-comments-panel] [data-thread]", has_text="Saturdays matter most")
    expect(mine.locator(".comment-perspective")).to_have_text("Carer")

    # Two weeks pass on the server's clock: the round closes by itself. Carl's page is still the
    # one he loaded while it was open; his late comment is refused by the server.
    clock.now += timedelta(days=14)
    comment_on(carl, "underpass on Mill Lane", "One more thing, late.", "Show my name")
    expect(dialog(carl).locator("[data-dialog-error]")).to_have_text("Comments are now closed for this round.")
    carl.get_by_role("button", name="Cancel").click()
    carl.reload()
    expect(carl.locator(".round-closed-notice")).to_have_text("Comments are now closed for this round.")
    expect(carl.get_by_role("link", name="Comment on a paragraph")).to_have_count(0)
    expect(carl.locator("[data-comments-panel]")).not_to_contain_text("One more thing, late.")

    # The facilitator answers both comments and publishes the report.
    page.goto(round_url)
    expect(page.locator(".round-progress")).to_contain_text("0 of 2 comments answered")
    page.get_by_role("link", name="Respond to comments").click()
    for quote, disposition, response in [("Please add CCTV", "Partly accepted", "Lighting first; CCTV reviewed."),
                                         ("Saturdays matter", "Accepted", "The club opens on Saturdays.")]:
        item = page.locator(".respond-item", has_text=quote)
        item.get_by_role("link", name="Respond").click()
        page.get_by_label(disposition, exact=True).check()
        page.get_by_label("Public response").fill(response)
        page.get_by_label("Themes (optional)").fill("safety, youth")
        page.get_by_role("button", name="Save the response").click()
        expect(page.locator(".flash-success")).to_have_text("Response saved.")
    expect(page.get_by_role("progressbar")).to_have_attribute("value", "2")
    expect(page.locator(".round-progress")).to_contain_text("2 of 2 comments answered")
    page.goto(round_url)
    page.get_by_role("link", name="Publish the report").click()
    page.get_by_role("button", name="Publish the report").click()
    expect(page.locator(".flash-success")).to_have_text("The report is published.")
    report_url = round_url + "/report"

    # A signed-out visitor reads it.
    visitor = browser.new_context(base_url=live_server.url)
    try:
        reader = visitor.new_page()
        reader.goto(report_url)
        expect(reader.get_by_role("heading", name="Consultation report: Spring safety consultation")).to_be_visible()
        said = reader.locator("table.you-said")
        expect(said).to_contain_text("Please add CCTV as well.")
        expect(said).to_contain_text("Lighting first; CCTV reviewed.")
        expect(said).to_contain_text("Partly accepted")
        expect(said).to_contain_text("Carer")
        assert names["anna"].display_name not in reader.content()
        expect(reader.locator("#table-disposition")).to_contain_text("Accepted")
        expect(reader.locator("svg.chart").first).to_be_visible()
    finally:
        visitor.close()


def test_the_countdown_closes_the_page_at_the_closing_time(page, live_server, clock):
    (facilitator, contributor) = (live_server.user(), live_server.user())
    space = live_server.space(members=[(facilitator, "facilitator"), (contributor, "contributor")])
    doc = live_server.document(space.slug, facilitator.email, "Community safety plan", TEXT)

    def _round():
        from wiki.consultations import service
        from wiki.documents.models import Document
        from wiki.extensions import db
        from wiki.spaces.models import Space

        document = db.session.scalar(db.select(Document).join(Space).where(Space.slug == space.slug,
                                                                             Document.slug == doc.slug))
        facilitator_user = document.space.memberships[0].user
        spec = service.RoundSpec("Quick round", clock.now, datetime.now(UTC) + timedelta(minutes=2))
        return service.start_round(db.session, document, facilitator_user, spec).id

    round_id = live_server.call(_round)
    page.clock.install(time=datetime.now(UTC))
    log_in(page, contributor)
    page.goto(f"{doc.path}/rounds/{round_id}")
    expect(page.get_by_role("timer")).to_contain_text("minute")
    expect(page.locator("[data-countdown-closed]")).to_be_hidden()
    page.clock.fast_forward("03:00")
    expect(page.locator("[data-countdown-closed]")).to_be_visible()
    expect(page.locator("[data-countdown-closed]")).to_have_text("Comments are now closed for this round.")
    expect(page.locator("template[data-comment-form]")).to_have_count(0)
