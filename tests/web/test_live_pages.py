"""The HTML side of live editing (issue 4): the edit page carries the live editor, readers get a
read-only "Live draft" page, and editors can "Save version" of the live text."""

import re

import pytest
from pycrdt import Doc, Text

from tests.factories import add_member, login, make_document, make_space, make_user
from wiki.documents import service as documents
from wiki.extensions import db
from wiki.realtime import service, ydoc


@pytest.fixture
def site(app, client):
    space = make_space("live", title="Live")
    private = make_space("hidden", private=True)
    people = {"editor": make_user("Eve Editor"), "contributor": make_user("Con Contributor")}
    for target in (space, private):
        add_member(target, people["editor"], "editor")
        add_member(target, people["contributor"], "contributor")
    document = make_document(space, people["editor"], "Plan", "# Plan\n\nFirst.\n")
    hidden = make_document(private, people["editor"], "Secret", "Secret text.\n")
    return {"space": space, "document": document, "hidden": hidden, **people}


def _type_live(document, user, addition: str) -> None:
    """What a browser does: sync from the room, edit its own Doc, send the update."""
    room = service.room_of(db.session, document.id)
    client = Doc()
    client.apply_update(room.doc.get_update())
    before = client.get_state()
    text = client.get(ydoc.TEXT_NAME, type=Text)
    text += addition
    service.receive(db.session, document.id, client.get_update(before), user.id)


def _nonces(response) -> tuple[str, str]:
    policy = response.headers["Content-Security-Policy"]
    script = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    style = re.search(r"style-src 'self' 'nonce-([^']+)'", policy).group(1)
    return script, style


def test_edit_page_has_the_live_editor_and_keeps_the_plain_form(site, client):
    login(client, site["editor"])
    response = client.get("/s/live/plan/edit")
    page = response.get_data(as_text=True)
    script_nonce, style_nonce = _nonces(response)
    assert script_nonce == style_nonce  # CodeMirror's <style> elements carry the page's nonce
    assert f'data-doc="{site["document"].id}"' in page
    assert page.count(script_nonce) == len(re.findall(r"<script ", page))  # only in nonce= of scripts
    assert 'data-mode="edit"' in page
    assert f'<script type="module" src="/static/dist/editor.js" nonce="{script_nonce}">' in page
    assert 'role="status" aria-live="polite"' in page
    assert 'action="/s/live/plan/live/save"' in page
    assert "<textarea" in page and "data-plain-editor" in page  # still works without JavaScript


def test_form_post_rerenders_without_the_live_editor(site, client):
    login(client, site["editor"])
    page = client.post("/s/live/plan/edit", data={"title": "Plan", "text": "x", "base_revision": 1,
                                                  "action": "preview"}).get_data(as_text=True)
    assert "data-live-editor" not in page  # the person is using the form: leave it visible


@pytest.mark.parametrize("who", ["contributor", "editor"])
def test_live_draft_page_is_read_only_for_everyone(site, client, who):
    login(client, site[who])
    response = client.get("/s/live/plan/live")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-mode="view"' in page
    assert "/live/save" not in page
    assert 'aria-current="page">Live draft<' in page


def test_live_draft_page_for_anonymous_readers_of_public_spaces_only(site, client):
    assert client.get("/s/live/plan/live").status_code == 200
    assert client.get("/s/hidden/secret/live").status_code == 404
    login(client, site["contributor"])
    assert client.get("/s/hidden/secret/live").status_code == 200


def test_document_tabs_link_the_live_draft(site, client):
    login(client, site["contributor"])
    page = client.get("/s/live/plan").get_data(as_text=True)
    assert 'href="/s/live/plan/live">Live draft</a>' in page


def test_save_version_turns_the_live_text_into_a_revision(site, client):
    _type_live(site["document"], site["editor"], "Typed live.\n")
    login(client, site["editor"])
    response = client.post("/s/live/plan/live/save", data={"summary": "Checkpoint"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/s/live/plan/edit")
    assert "Saved as revision 2." in client.get("/s/live/plan/edit").get_data(as_text=True)
    head = documents.head(db.session, site["document"])
    assert head.text == "# Plan\n\nFirst.\nTyped live.\n" and head.summary == "Checkpoint"

    client.post("/s/live/plan/live/save", data={"summary": ""})
    assert "No changes since the last revision." in client.get("/s/live/plan/edit").get_data(as_text=True)


def test_save_version_refuses_contributors_and_anonymous(site, client):
    assert client.post("/s/live/plan/live/save").status_code == 302  # to the login page
    login(client, site["contributor"])
    assert client.post("/s/live/plan/live/save").status_code == 403


def test_save_version_with_too_long_a_summary_says_so(site, client):
    _type_live(site["document"], site["editor"], "More.\n")
    login(client, site["editor"])
    client.post("/s/live/plan/live/save", data={"summary": "x" * 501})
    assert "too long" in client.get("/s/live/plan/edit").get_data(as_text=True)
    assert documents.head(db.session, site["document"]).number == 1


def test_live_pages_have_no_inline_script_or_style(site, client):
    from tests.web.test_security import PageScanner

    login(client, site["editor"])
    for path in ("/s/live/plan/edit", "/s/live/plan/live"):
        response = client.get(path)
        scanner = PageScanner.scan(response.get_data(as_text=True))
        assert scanner.problems == [], (path, scanner.problems)
        assert {attrs.get("nonce") for attrs in scanner.scripts} == {_nonces(response)[0]}, path
