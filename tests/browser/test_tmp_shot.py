from tests.browser.test_comments_browser import community, log_in, open_document, select_with_mouse, paragraph, dialog, thread_with, expect, post_on_paragraph

def test_shot(page, live_server):
    (writer, editor), _space, doc = community(live_server, "contributor", "editor")
    log_in(page, writer)
    open_document(page, doc.path)
    post_on_paragraph(page, "Station Road", "A first comment with **bold**.")
    page.mouse.move(0, 0)
    paragraph(page, "library opens").hover()
    select_with_mouse(page, paragraph(page, "library opens"), "opens on Sundays")
    page.screenshot(path="/tmp/shot1.png", full_page=True)
    page.get_by_role("button", name="Comment on selection").click()
    page.screenshot(path="/tmp/shot2.png")
