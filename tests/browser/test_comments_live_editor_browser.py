"""Comment threads in the live editor (issue 5: "after every change, live or saved, each thread is
re-anchored"): the editor marks each thread's passage in the unsaved draft as the server places it
on the live text, the marks follow typing, and a passage deleted live is listed as detached — with
no revision saved, and the thread kept.
"""

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_comments_browser import TEXT, community, log_in
from wiki.extensions import db

PASSAGE = "the youth centre on Station Road"
SUNDAYS = "The library opens on Sundays from next spring, with volunteers from the community."


def _document(space, doc):
    from wiki.documents.models import Document
    from wiki.spaces.models import Space

    return db.session.scalar(select(Document).join(Space, Space.id == Document.space_id)
                             .where(Space.slug == space.slug, Document.slug == doc.slug))


def comment_on(live_server, space, doc, email: str, exact: str, body: str) -> int:
    """A thread on revision 1, made through the service layer; its id."""
    def _make():
        from wiki.auth.service import find_user_by_email
        from wiki.comments import service

        document = _document(space, doc)
        start = TEXT.index(exact)
        begin, end, quote = service.locate(db.session, document, 1, start=start, end=start + len(exact), exact=exact)
        thread = service.create_thread(db.session, document, find_user_by_email(db.session, email), revision=1,
                                       start=begin, end=end, quote=quote, body=body, visibility="named")
        return thread.id

    return live_server.call(_make)


def mark(page, thread_id: int):
    return page.locator(f'.cm-content .comment-mark-live[data-thread="{thread_id}"]')


def test_the_live_editor_marks_threads_on_the_draft_and_lists_a_passage_deleted_live(page, live_server):
    (contributor, editor), space, doc = community(live_server, "contributor", "editor")
    youth = comment_on(live_server, space, doc, contributor.email, PASSAGE, "Keep the evening sessions.")
    library = comment_on(live_server, space, doc, contributor.email, SUNDAYS, "Paid staff, please.")
    log_in(page, editor)
    page.goto(doc.path + "/edit")
    expect(page.locator("[data-live-status]")).to_have_text("Saved")
    expect(mark(page, youth)).to_have_text(PASSAGE)
    expect(mark(page, library)).to_have_text(SUNDAYS)
    box = page.get_by_role("region", name="Comments on this draft")
    expect(box.locator("[data-live-comments-summary]")).to_have_text("2 comments are on passages of this draft "
                                                                     "(highlighted).")

    # Typing before a passage: its mark follows at once, and still after the server's next placement.
    page.locator(".cm-line").nth(2).click()
    page.keyboard.press("Home")
    page.keyboard.type("Soon, ")
    expect(page.locator(".cm-line").nth(2)).to_have_text("Soon, We will fund " + TEXT.split("We will fund ")[1]
                                                         .split("\n")[0])
    expect(mark(page, youth)).to_have_text(PASSAGE)

    # Deleting the other passage live: the thread is listed as detached, nothing is saved or lost.
    page.locator(".cm-line").nth(4).click()
    page.keyboard.press("Home")
    page.keyboard.press("Shift+End")
    page.keyboard.press("Backspace")
    expect(page.locator("[data-live-status]")).to_have_text("Saved")
    detached = box.locator("[data-live-comments-detached] li")
    expect(detached).to_have_count(1)
    expect(detached.locator("q")).to_have_text(SUNDAYS)
    expect(detached.get_by_role("link", name="see the comment")).to_have_attribute(
        "href", f"{doc.path}#thread-{library}")
    expect(box.locator("[data-live-comments-summary]")).to_have_text(
        "1 comment is on passages of this draft (highlighted); 1 detached by the draft:")
    expect(mark(page, library)).to_have_count(0)
    expect(mark(page, youth)).to_have_text(PASSAGE)

    doc_id = live_server.call(lambda: _document(space, doc).id)
    listed = {t["thread_id"]: t["anchor"] for t in page.request.get(f"/api/v1/documents/{doc_id}/comments").json()}
    assert listed[library]["state"] == "orphaned" and listed[library]["exact"] == SUNDAYS
    assert listed[youth]["state"] == "anchored"
    page.goto(doc.path)  # the saved head is unchanged: the reading page still has the paragraph
    expect(page.locator("article .doc-body")).to_contain_text(SUNDAYS)

