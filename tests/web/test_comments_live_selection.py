"""Commenting on a selection in the live editor (issue 5: "select a passage … in the editor and
comment on it"). An editor types through the real /collab protocol; the editor page's script posts
the live text's selection (code points, quote with context) to /s/<space>/<doc>/live/comments. A
passage that is saved already is anchored on the head revision; one holding unsaved text makes the
server save the draft first (crediting the typist) and anchors on that new revision; a stale quote is
refused with 409 and nothing is saved.
"""

import pytest
from sqlalchemy import select

from tests.factories import add_member, login, make_document, make_space, make_user
from tests.web.test_collab_events import Peer, token
from tests.web.test_comments_anchoring import TEXT
from tests.web.test_comments_live_anchoring import delete_live
from wiki.comments.models import Thread
from wiki.documents.models import Document, Revision
from wiki.extensions import db

RAIL = "Rail and buses link the market towns together."
JSON = {"Accept": "application/json"}


@pytest.fixture
def world(app, client):
    space = make_space("open")
    editor, contributor, outsider = make_user("Eddie Editor"), make_user("Cora Contributor"), make_user("Oz")
    add_member(space, editor, "editor")
    add_member(space, contributor, "contributor")
    document = make_document(space, editor, "Plan", TEXT)
    return {"doc": document, "editor": editor, "contributor": contributor, "outsider": outsider}


@pytest.fixture
def typist(app, world):
    """The editor in the live editor (a /collab connection that joined and synced the document)."""
    app.extensions["collab_loop"] = True  # no background snapshot thread
    peer = Peer(app, token=token(world["editor"]))
    peer.open(world["doc"].id)
    yield peer
    peer.disconnect()


def selection(text: str, exact: str, context: int = 32, occurrence_after: int = 0) -> dict:
    start = text.index(exact, occurrence_after)
    end = start + len(exact)
    return {"start": str(start), "end": str(end), "exact": exact,
            "prefix": text[max(0, start - context):start], "suffix": text[end:end + context]}


def post(client, world, fields: dict, body: str = "About this", **extra):
    data = {**fields, "body": body, "visibility": "named", **extra}
    return client.post(f"/s/open/{world['doc'].slug}/live/comments", data=data, headers=JSON)


def head() -> Revision:
    db.session.expire_all()
    document = db.session.scalar(select(Document))
    return db.session.scalar(select(Revision).where(Revision.document_id == document.id,
                                                    Revision.number == document.head_number))


def test_a_saved_passage_selected_in_the_live_draft_is_anchored_on_the_head_revision(client, world, typist):
    assert typist.type("Intro typed live. ", TEXT.index("Housing"))["ok"]
    login(client, world["contributor"])
    response = post(client, world, selection(typist.text, RAIL))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["saved"] is False and answer["revision"] == 1
    assert "About this" in answer["html"]
    thread = db.session.get(Thread, answer["thread_id"])
    assert (thread.revision_number, thread.quote_exact) == (1, RAIL)
    assert TEXT[thread.start:thread.end] == RAIL  # the head's offsets, not the live ones
    assert head().number == 1  # nothing was saved
    listed = client.get(f"/api/v1/documents/{world['doc'].id}/comments").get_json()
    assert listed[0]["anchor"]["start"] == typist.text.index(RAIL)  # shown on the live text


def test_an_unsaved_passage_saves_the_draft_as_a_revision_crediting_the_typist(client, world, typist):
    typed = "Cheap fares for young people."
    assert typist.type(typed + " ", TEXT.index("Rail"))["ok"]
    login(client, world["contributor"])
    response = post(client, world, selection(typist.text, "young people. Rail and buses"))
    assert response.status_code == 201, response.get_json()
    answer = response.get_json()
    assert answer["saved"] is True and answer["revision"] == 2
    revision = head()
    assert revision.number == 2 and typed in revision.text
    assert [a.display_name for a in revision.authors] == ["Eddie Editor"]  # the typist, not the commenter
    thread = db.session.get(Thread, answer["thread_id"])
    assert thread.revision_number == 2
    assert revision.text[thread.start:thread.end] == "young people. Rail and buses"


def test_line_breaks_posted_as_crlf_by_a_browser_form_still_match_the_draft(client, world, typist):
    login(client, world["contributor"])
    fields = selection(typist.text, RAIL)
    assert "\n" in fields["suffix"]
    crlf = {name: fields[name].replace("\n", "\r\n") for name in ("prefix", "suffix")}
    assert post(client, world, fields | crlf).status_code == 201


def test_the_editor_and_live_pages_offer_the_button_to_people_who_may_comment_only(client, world):
    slug = world["doc"].slug
    assert "data-live-comment-bar" not in client.get(f"/s/open/{slug}/live").get_data(as_text=True)  # signed out
    login(client, world["contributor"])
    page = client.get(f"/s/open/{slug}/live").get_data(as_text=True)
    assert "Comment on selection" in page and f"/s/open/{slug}/live/comments" in page
    client.post("/logout")
    login(client, world["editor"])
    page = client.get(f"/s/open/{slug}/edit").get_data(as_text=True)
    assert "Comment on selection" in page and "<template data-comment-form>" in page


def test_a_passage_with_words_deleted_live_is_not_anchored_on_the_head_but_on_the_saved_draft(client, world, typist):
    assert delete_live(typist, "buses ")["ok"]  # every character left is in the head, but not together
    assert "Rail and link" in typist.text
    login(client, world["contributor"])
    answer = post(client, world, selection(typist.text, "Rail and link")).get_json()
    assert answer["saved"] is True
    thread = db.session.get(Thread, answer["thread_id"])
    assert head().text[thread.start:thread.end] == "Rail and link"


def test_a_quote_that_no_longer_matches_the_live_text_is_refused_and_nothing_is_saved(client, world, typist):
    login(client, world["contributor"])
    fields = selection(TEXT, RAIL)
    assert typist.type("Now: ", TEXT.index("Rail"))["ok"]  # typed meanwhile, just before the passage
    response = post(client, world, fields)
    assert response.status_code == 409
    assert "changed while you were writing" in response.get_json()["error"]
    assert db.session.scalar(select(Thread)) is None and head().number == 1
    fields["exact"] = "Rail and buses link the market towns togethe"  # positions and quote disagree
    assert post(client, world, selection(typist.text, RAIL) | {"exact": fields["exact"]}).status_code == 409


def test_bad_input_is_refused_clearly_before_anything_is_saved(client, world, typist):
    assert typist.type("Unsaved words. ", TEXT.index("Rail"))["ok"]
    login(client, world["contributor"])
    fields = selection(typist.text, "Unsaved words.")
    empty = post(client, world, fields, body="  ")
    assert empty.status_code == 422 and "Write your comment" in empty.get_json()["error"]
    assert post(client, world, fields | {"start": "x"}).status_code == 422
    assert post(client, world, fields, visibility="everyone").status_code == 422
    too_long = post(client, world, fields, body="x" * 5001)
    assert too_long.status_code == 422 and "the limit is 5,000" in too_long.get_json()["error"]
    assert head().number == 1  # no refused comment saved the draft


def test_only_people_who_may_comment_can_and_a_reader_without_edit_rights_may(client, world, typist):
    assert typist.type("Unsaved words. ", TEXT.index("Rail"))["ok"]
    fields = selection(typist.text, "Unsaved words.")
    assert post(client, world, fields).status_code in (302, 401)  # signed out: log in first
    login(client, world["outsider"])  # signed in, not a member: public spaces let any reader comment
    assert post(client, world, fields).status_code == 201
    client.post("/logout")
    login(client, world["contributor"])  # views the live draft read-only, may still comment
    assert post(client, world, selection(typist.text, RAIL)).status_code == 201


def test_a_private_spaces_live_draft_cannot_be_commented_by_a_non_member(client, app):
    space = make_space("closed", private=True)
    editor, outsider = make_user("Eddie"), make_user("Oz")
    add_member(space, editor, "editor")
    document = make_document(space, editor, "Plan", TEXT)
    login(client, outsider)
    response = client.post(f"/s/closed/{document.slug}/live/comments", headers=JSON,
                           data={**selection(TEXT, RAIL), "body": "Hi", "visibility": "named"})
    assert response.status_code == 404
    assert db.session.scalar(select(Thread)) is None


def test_premoderation_and_rate_limit_apply_as_to_any_comment(client, world, typist, app):
    world["doc"].space.premoderation = True
    db.session.commit()
    login(client, world["contributor"])
    answer = post(client, world, selection(typist.text, RAIL)).get_json()
    assert "awaiting approval" in answer["message"]
    assert db.session.get(Thread, answer["thread_id"]).comments[0].state == "pending"
    app.config["COMMENT_RATE_PER_MINUTE"] = 1
    limited = post(client, world, selection(typist.text, "Housing comes first"))
    assert limited.status_code == 429
