"""The index keeps up by itself: after each kind of change — a new document, a form save, an API save,
a revert, the live draft's idle save, a status change, a new / edited / withdrawn / hidden / unhidden
/ approved / resolved comment, a deleted document, an erased account — search shows the new state,
with nobody running anything. Changes are indexed off the request (``flush`` waits for that).
"""

import pytest
from sqlalchemy import select

from tests.factories import add_member, login, make_document, make_space, make_user
from tests.web.search.conftest import flush
from wiki import signals
from wiki.comments import service as comments
from wiki.comments.models import Comment
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.search import service as search

TEXT = "# Plan\n\nHousing comes first for everyone here.\n\n## Transport\n\nBuses run hourly.\n"


@pytest.fixture
def setting(app):
    facilitator, editor, author = make_user("Fran Facilitator"), make_user("Ed Editor"), make_user("Cora Commenter")
    space = make_space("town")
    add_member(space, facilitator, "facilitator")
    add_member(space, editor, "editor")
    document = make_document(space, editor, "Housing plan", TEXT)
    flush(app)
    return space, document, facilitator, editor, author


def search_as(app, query: str, user=None, **params) -> list[tuple[str, str]]:
    """(type, title) of every result for ``user`` (anonymous when None), once indexing is done."""
    flush(app)
    client = app.test_client()
    if user is not None:
        assert login(client, user).status_code == 302
    response = client.get("/api/v1/search", query_string={"q": query, **params})
    assert response.status_code == 200, response.get_json()
    return [(r["type"], r["title"]) for r in response.get_json()["results"]]


def test_a_new_document_is_found(app, setting):
    assert ("document", "Housing plan") in search_as(app, "housing")
    assert ("section", "Transport") in search_as(app, "buses")


def test_a_form_save_replaces_the_old_words_and_sections(app, setting, client):
    space, document, _, editor, _ = setting
    login(client, editor)
    response = client.post(f"/s/town/{document.slug}/edit", data={
        "title": "Homes plan", "text": "# Plan\n\nHomes first.\n\n## Cycling\n\nLanes everywhere.\n",
        "summary": "", "base_revision": "1"})
    assert response.status_code == 302
    assert search_as(app, "buses") == []
    assert ("section", "Cycling") in search_as(app, "lanes")
    assert ("document", "Homes plan") in search_as(app, "homes")
    assert search_as(app, "Housing plan") == []


def test_an_api_save_and_a_revert_are_found(app, setting, client):
    _, document, _, editor, _ = setting
    login(client, editor)
    saved = client.put(f"/api/v1/documents/{document.id}", json={"text": "Trams are back.\n", "base_revision": 1})
    assert saved.status_code == 200
    assert search_as(app, "trams") == [("document", "Housing plan")] and search_as(app, "buses") == []
    assert client.post(f"/api/v1/documents/{document.id}/revert", json={"revision": 1}).status_code == 200
    assert search_as(app, "trams") == [] and ("section", "Transport") in search_as(app, "buses")


def test_the_live_drafts_idle_save_is_found(app, setting):
    _, document, _, editor, _ = setting
    documents.save_snapshot(db.session, document, TEXT + "\nFerries on Sundays.\n", [editor], "Live edits", seq=1)
    assert ("document", "Housing plan") in search_as(app, "ferries")


def test_a_status_change_moves_the_document_between_status_filters(app, setting, client):
    _, document, facilitator, _, _ = setting
    assert search_as(app, "housing", status="consultation") == []
    login(client, facilitator)
    assert client.post(f"/s/town/{document.slug}/status", data={"status": "consultation"}).status_code == 302
    assert ("document", "Housing plan") in search_as(app, "housing", status="consultation")


def _post(document, user, body: str, visibility: str = "named") -> Comment:
    start, end, quote = comments.locate(db.session, document, document.head_number, exact="Housing comes first")
    thread = comments.create_thread(db.session, document, user, revision=document.head_number, start=start,
                                    end=end, quote=quote, body=body, visibility=visibility)
    return db.session.scalar(select(Comment).where(Comment.thread_id == thread.id))


def test_comments_are_found_as_they_are_posted_edited_and_withdrawn(app, setting):
    _, document, _, _, author = setting
    comment = _post(document, author, "Please add allotments")
    assert search_as(app, "allotments") == [("comment", "Comment on “Housing plan”")]
    comments.edit(db.session, comment, author, "Please add orchards")
    assert search_as(app, "allotments") == [] and len(search_as(app, "orchards")) == 1
    comments.withdraw(db.session, comment, author)
    assert search_as(app, "orchards") == []
    assert search_as(app, "orchards", user=author) == []  # withdrawn text is gone for its author too


def test_hidden_comments_leave_public_results_and_come_back_when_unhidden(app, setting):
    _, document, facilitator, _, author = setting
    comment = _post(document, author, "Rude words about parking")
    comments.hide(db.session, comment, facilitator, "Off topic")
    assert search_as(app, "parking") == []
    assert len(search_as(app, "parking", user=facilitator)) == 1
    assert len(search_as(app, "parking", user=author)) == 1
    comments.unhide(db.session, comment, facilitator)
    assert len(search_as(app, "parking")) == 1


def test_an_approved_comment_becomes_findable_by_everyone(app, setting):
    space, document, facilitator, _, author = setting
    space.premoderation = True
    db.session.commit()
    comment = _post(document, author, "Waiting about libraries")
    assert search_as(app, "libraries") == []
    assert len(search_as(app, "libraries", user=facilitator)) == 1
    comments.approve(db.session, comment, facilitator)
    assert len(search_as(app, "libraries")) == 1


def test_resolving_a_thread_changes_its_status_filter(app, setting):
    _, document, _, editor, author = setting
    comment = _post(document, author, "Consider bus lanes")
    assert len(search_as(app, "lanes", status="open")) == 1
    comments.resolve(db.session, comment.thread, editor)
    assert search_as(app, "lanes", status="open") == []
    assert len(search_as(app, "lanes", status="resolved")) == 1
    comments.reopen(db.session, comment.thread, editor)
    assert len(search_as(app, "lanes", status="open")) == 1


def test_a_deleted_document_leaves_the_index(app, setting, client):
    _, document, facilitator, _, author = setting
    _post(document, author, "Comment about hedgehogs")
    assert len(search_as(app, "hedgehogs")) == 1
    login(client, facilitator)
    assert client.delete(f"/api/v1/documents/{document.id}").status_code == 204
    assert search_as(app, "housing") == [] and search_as(app, "hedgehogs") == []
    assert search.check(db.session, search.engine(app).backend).ok


def test_a_document_deleted_behind_the_indexers_back_is_cleaned_up_by_the_signal(app, setting):
    """``document_deleted`` alone (wiki/signals.py) removes every entry of the document."""
    space, document, _, _, author = setting
    _post(document, author, "Comment about badgers")
    document_id = document.id
    db.session.delete(db.session.get(Document, document_id))
    db.session.commit()
    signals.document_deleted.send(app, document_id=document_id, space_id=space.id)
    assert search_as(app, "housing") == [] and search_as(app, "badgers") == []


def test_an_erased_account_keeps_its_words_findable_but_not_its_name(app, setting):
    """Erasure keeps the content, attributed to "deleted participant" (docs/privacy.md)."""
    from wiki.privacy.service import erase_account

    _, document, _, _, author = setting
    _post(document, author, "Mine about wildflowers")
    flush(app)
    page = app.test_client().get("/search?q=wildflowers").get_data(as_text=True)
    assert "Cora Commenter" in page
    author_id = author.id
    assert search.engine(app).backend.groups_for_author(author_id)
    erase_account(db.session, author)
    flush(app)
    page = app.test_client().get("/search?q=wildflowers").get_data(as_text=True)
    assert "Cora Commenter" not in page and "deleted participant" in page
    assert search.engine(app).backend.groups_for_author(author_id) == set()  # no entry links to the account
    assert search.check(db.session, search.engine(app).backend).ok


def test_user_erased_rebuilds_every_group_the_author_wrote_in(app, setting):
    """``user_erased`` alone: each group holding the author's words is rebuilt from the database."""
    _, document, _, _, author = setting
    comment = _post(document, author, "Mine about meadows")
    flush(app)
    comment.author_id = None  # should erasure ever detach the account from its comments
    db.session.commit()
    assert not search.check(db.session, search.engine(app).backend).ok
    signals.user_erased.send(app, user_id=author.id)
    flush(app)
    assert search.check(db.session, search.engine(app).backend).ok
    assert len(search_as(app, "meadows")) == 1


def test_a_result_found_out_of_date_is_dropped_and_refreshed(app, setting):
    """Between a change and its indexing, results are checked against the database: a comment hidden
    a moment ago is never shown, and its entry is refreshed."""
    _, document, facilitator, _, author = setting
    comment = _post(document, author, "Notes on skateparks")
    flush(app)
    app.config["SEARCH_INDEX_ON_CHANGE"] = False  # the hide is not indexed…
    comments.hide(db.session, comment, facilitator, "Spam")
    app.config["SEARCH_INDEX_ON_CHANGE"] = True
    response = app.test_client().get("/api/v1/search?q=skateparks").get_json()
    assert response["results"] == []  # … yet it is not shown
    flush(app)
    assert search.check(db.session, search.engine(app).backend).ok  # and the search queued its refresh


def test_ranking_follows_a_documents_new_length_after_a_save(app, setting):
    """A match in a short text outranks one in a long text; after a save makes the short one long, the
    ranking follows (field lengths are cached per index segment: a save writes a new one)."""
    space, _, _, editor, _ = setting
    filler = " ".join(f"word{i}" for i in range(300))
    short = make_document(space, editor, "Short notes", "Orchards for the town.\n")
    make_document(space, editor, "Long notes", f"Orchards for the town. {filler}\n")
    assert [t for _, t in search_as(app, "orchards", type="document")] == ["Short notes", "Long notes"]
    documents.save(db.session, short, editor, f"Orchards for the town. {filler} {filler}\n", 1)
    assert [t for _, t in search_as(app, "orchards", type="document")] == ["Long notes", "Short notes"]
