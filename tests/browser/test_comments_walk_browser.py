"""Issue 5's "Done when", walked once in three real browsers: a contributor selects text and comments
anonymously with a perspective; an editor reading the page sees it arrive live, then rewrites that
passage (the comment re-anchors to the new wording) and deletes another commented paragraph (that
comment is orphaned and stays visible under "Detached comments"); a facilitator hides a comment
(everyone else reads "Hidden by a facilitator"); the facilitator's CSV export, downloaded through
the page's link, holds exactly the rows the page shows.

Helpers come from test_comments_browser.py; the `page` fixture fails the walk on any JavaScript
error, CSP violation or dialog in any of the three browsers.
"""

import csv
import io

from playwright.sync_api import expect

from tests.browser.test_comments_browser import (
    ANONYMOUS,
    TEXT,
    consent_to_perspective,
    dialog,
    log_in,
    mark_reload_sentinel,
    not_reloaded,
    open_document,
    paragraph,
    post_on_paragraph,
    select_with_mouse,
    thread_with,
)

PASSAGE = "the youth centre on Station Road"
REWRITTEN = "the youth centre at Station Road"
SUNDAYS = "The library opens on Sundays from next spring, with volunteers from the community.\n\n"
FIRST, SECOND = "Keep the evening sessions, please.", "Sunday opening needs paid staff."


def mark_of(page, thread_id: str):
    return page.locator(f'article mark.comment-mark[data-thread="{thread_id}"]')


def comment_on_selection_anonymously(page) -> str:
    """The contributor's comment: selected with the mouse, anonymous, with a perspective; its id."""
    select_with_mouse(page, paragraph(page, "Station Road"), PASSAGE)
    page.get_by_role("button", name="Comment on selection").click()
    form = dialog(page)
    form.get_by_label("Your comment").fill(FIRST)
    form.get_by_label(ANONYMOUS).check()
    form.get_by_label("Show a perspective").select_option(label="Lived experience")
    form.get_by_role("button", name="Post comment").click()
    expect(dialog(page)).to_have_count(0)
    thread = thread_with(page, FIRST)
    expect(thread.locator(".comment-author")).to_have_text("Community member")
    expect(thread.locator(".comment-perspective")).to_have_text("Lived experience")
    return thread.get_attribute("data-thread")


def save_with_the_form(page, doc_path: str, text: str) -> None:
    """The editor changes the text through the edit page's plain form (beside the live editor)."""
    page.goto(doc_path + "/edit")
    page.get_by_role("button", name="Show the plain form (to change the title)").click()
    page.get_by_role("textbox", name="Text", exact=True).fill(text)
    page.get_by_label("Edit summary").fill("Station Road wording; no Sunday opening")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash-success")).to_have_text("Saved as revision 2.")


def shown_rows(page) -> list[dict]:
    """What the facilitator's comments panel shows, one dict per comment, in page order."""
    return page.locator("[data-comments-panel] [data-thread]").evaluate_all(
        """(threads) => threads.flatMap((t) => [...t.querySelectorAll("li.comment")].map((c) => ({
             thread: t.dataset.thread, comment: c.id.replace("comment-", ""),
             quote: t.querySelector("[data-thread-quote]").textContent.trim(),
             status: t.dataset.status,
             author: c.querySelector(".comment-author").textContent.trim(),
             perspective: c.querySelector(".comment-perspective")?.textContent.trim() || "",
             body: c.querySelector(".comment-body")?.textContent.trim() || "",
           })))""")


def exported_rows(page) -> list[dict]:
    """The CSV behind the panel's "Download comments (CSV)" link, as the browser downloads it."""
    with page.expect_download() as download:
        page.get_by_role("link", name="Download comments (CSV)").click()
    text = open(download.value.path(), encoding="utf-8").read()  # noqa: SIM115 - Playwright's temporary file
    return [{"thread": r["thread"], "comment": r["comment id"], "quote": r["quote"], "status": r["status"],
             "author": r["author"], "perspective": r["perspective"], "body": r["body"], "state": r["state"]}
            for r in csv.DictReader(io.StringIO(text))]


def test_done_when_walk(page, another_page, live_server):
    contributor, editor, facilitator = (live_server.user(f"{role} {live_server.unique('W')}")
                                        for role in ("Contributor", "Editor", "Facilitator"))
    space = live_server.space(members=[(contributor, "contributor"), (editor, "editor"),
                                       (facilitator, "facilitator")])
    doc = live_server.document(space.slug, editor.email, "Youth services plan", TEXT)
    editor_page, facilitator_page = another_page(), another_page()
    log_in(editor_page, editor)
    open_document(editor_page, doc.path)
    mark_reload_sentinel(editor_page)

    # 1. The contributor comments on selected text, anonymously, with a perspective; and on a paragraph.
    log_in(page, contributor)
    consent_to_perspective(page, "Lived experience")
    open_document(page, doc.path)
    first = comment_on_selection_anonymously(page)
    expect(mark_of(page, first)).to_have_text([PASSAGE])
    post_on_paragraph(page, "library opens on Sundays", SECOND)
    second = thread_with(page, SECOND).get_attribute("data-thread")

    # 2. The editor sees both arrive live, anonymous and highlighted, without reloading.
    live = thread_with(editor_page, FIRST)
    expect(live.locator(".comment-author")).to_have_text("Community member")
    expect(live.locator(".comment-perspective")).to_have_text("Lived experience")
    expect(mark_of(editor_page, first)).to_have_text([PASSAGE])
    expect(thread_with(editor_page, SECOND)).to_be_visible()
    assert not_reloaded(editor_page)
    assert contributor.display_name not in live.inner_text()

    # 3. The editor rewrites the first passage and deletes the second paragraph in one save.
    save_with_the_form(editor_page, doc.path, TEXT.replace(PASSAGE, REWRITTEN).replace(SUNDAYS, ""))
    expect(mark_of(editor_page, first)).to_have_text([REWRITTEN])  # re-anchored to the new wording
    detached = editor_page.locator(".detached-comments")
    expect(detached.get_by_role("heading")).to_have_text("Detached comments (1)")
    orphan = detached.locator(f'[data-thread="{second}"]')
    expect(orphan).to_contain_text(SECOND)  # never dropped
    expect(orphan.locator("[data-thread-quote]")).to_contain_text("The library opens on Sundays")
    expect(orphan.get_by_role("link", name="revision 1")).to_have_attribute("href", f"{doc.path}/r/1")
    expect(mark_of(editor_page, second)).to_have_count(0)
    page.reload()  # the contributor sees the same
    expect(mark_of(page, first)).to_have_text([REWRITTEN])
    expect(page.locator(".detached-comments").locator(f'[data-thread="{second}"]')).to_contain_text(SECOND)

    # 4. A facilitator hides the orphaned comment, with a reason; others read "Hidden by a facilitator".
    log_in(facilitator_page, facilitator)
    open_document(facilitator_page, doc.path)
    hidden = thread_with(facilitator_page, SECOND)
    hidden.get_by_role("link", name="Hide").click()  # the form opens in place under the link
    hidden.get_by_label("Reason (shown to facilitators, logged)").fill("Names a member of staff")
    hidden.get_by_role("button", name="Hide", exact=True).click()
    expect(thread_with(facilitator_page, SECOND).locator(".comment-notice")).to_have_text(
        "Hidden by a facilitator: Names a member of staff")
    editor_page.reload()
    notice = editor_page.locator(f'[data-thread="{second}"] .comment-notice')
    expect(notice).to_have_text("Hidden by a facilitator")
    expect(editor_page.locator("[data-comments-panel]")).not_to_contain_text(SECOND)
    expect(editor_page.locator("[data-comments-panel]")).not_to_contain_text("Names a member of staff")
    expect(thread_with(editor_page, FIRST)).to_be_visible()

    # 5. The CSV export matches what the facilitator's page shows, row for row.
    shown = shown_rows(facilitator_page)
    exported = exported_rows(facilitator_page)
    assert [r["comment"] for r in shown] == [r["comment"] for r in exported] and len(shown) == 2
    for on_page, in_csv in zip(shown, exported, strict=True):
        assert {k: in_csv[k] for k in on_page} == on_page, (on_page, in_csv)
    assert [r["state"] for r in exported] == ["published", "hidden"]
    assert [r["author"] for r in exported] == ["Community member", contributor.display_name]
    assert exported[0]["quote"] == REWRITTEN and "The library opens on Sundays" in exported[1]["quote"]
