"""The notifications bell in a real browser: a contributor's reply lights the watching editor's
bell live (over /notify), and the notification leads to the thread."""

from playwright.sync_api import expect

from tests.browser.test_comments_browser import log_in

TEXT = "# Youth services plan\n\nWe will fund the youth centre on Station Road for three more years.\n"


def start_thread(live_server, doc_path: str, author_email: str) -> int:
    """A thread by the editor (made through the service, as a page would)."""

    def _make():
        from wiki.auth.service import find_user_by_email
        from wiki.comments import service
        from wiki.documents.models import Document
        from wiki.extensions import db

        space_slug, slug = doc_path.strip("/").split("/")[1:]
        document = db.session.scalar(db.select(Document).where(Document.slug == slug))
        user = find_user_by_email(db.session, author_email)
        start, end, quote = service.locate(db.session, document, document.head_number, exact="the youth centre")
        return service.create_thread(db.session, document, user, revision=document.head_number, start=start,
                                     end=end, quote=quote, body="Is three years enough?", visibility="named").id

    return live_server.call(_make)


def test_a_contributors_reply_lights_the_watching_editors_bell_live(live_server, page, another_page):
    editor, contributor = live_server.user("Eve Editor"), live_server.user("Cal Contributor")
    space = live_server.space(members=[(editor, "editor"), (contributor, "contributor")])
    doc = live_server.document(space.slug, editor.email, "Youth plan", TEXT)  # its author watches it
    thread_id = start_thread(live_server, doc.path, editor.email)

    log_in(page, editor)
    page.goto(space.path)
    bell = page.locator("[data-bell]")
    expect(bell.locator("[data-bell-count]")).to_be_hidden()
    expect(bell).to_have_attribute("data-unread", "0")  # the live connection has reported in

    other = another_page()
    log_in(other, contributor)
    other.goto(doc.path)
    thread = other.locator(f"#thread-{thread_id}")
    thread.get_by_role("link", name="Reply").click()  # opens the reply form in place
    thread.get_by_label("Your reply").fill("Five years would give the centre certainty.")
    thread.get_by_role("button", name="Post reply").click()
    expect(other.get_by_text("Five years would give the centre certainty.")).to_be_visible()

    expect(bell.locator("[data-bell-count]")).to_have_text("1")  # no reload: pushed over /notify
    expect(page.locator("[data-bell-status]")).to_have_text("1 unread notification")
    bell.click()
    expect(page.get_by_text("Cal Contributor replied on Youth plan")).to_be_visible()
    page.get_by_role("link", name="Cal Contributor replied on Youth plan").click()
    expect(page).to_have_url(f"{live_server.url}{doc.path}#thread-{thread_id}")
    expect(page.locator("[data-bell-count]")).to_be_hidden()  # opening it marked it read
