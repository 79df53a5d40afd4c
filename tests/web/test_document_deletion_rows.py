"""Deleting a document removes every row that belongs to it — revisions and their authors, named
versions, the live-draft log, comment threads with their anchors, comments, edits, agrees, flags and
moderation — through ON DELETE CASCADE, and nothing of another document. A table that refuses (ON
DELETE RESTRICT, as a permanent published edition might) makes the deletion a 409 with nothing gone.
The signal is sent after the commit. Each test has a database of its own (the `app` fixture).
"""

import html

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, Table, func, insert, select

from tests.factories import add_member, login, make_document, make_space, make_user
from tests.web.lifecycle_world import comment_on
from wiki import signals
from wiki.comments import service as comments
from wiki.comments.models import Comment, CommentAgree, CommentEdit, CommentFlag, ModerationAction, Thread, ThreadAnchor
from wiki.documents import service as documents
from wiki.documents.deletion import BLOCKED
from wiki.documents.models import Document, NamedVersion, Revision, revision_authors
from wiki.extensions import db
from wiki.realtime import service as live
from wiki.realtime.models import DocUpdate

TEXT = "# Plan\n\nHousing comes first for everyone here.\n\nTransport links the towns.\n"


def _rich_document(space, people, title: str) -> Document:
    """A document with every kind of row that belongs to it: revisions with authors, a named version,
    a live draft log, threads with anchors, comments, a reply, an edit, an agree, a flag, moderation."""
    editor, facilitator, contributor = people
    document = make_document(space, editor, title, TEXT)
    documents.save(db.session, document, facilitator, TEXT + "\nMore.\n", 1, "more")
    documents.tag(db.session, document, editor, 2, "Draft two")
    live.room_of(db.session, document.id)  # starts the live draft log (seq 1)
    first = comment_on(document, contributor, "A comment", exact="Housing comes first")
    comments.edit(db.session, first, contributor, "A corrected comment")
    comments.reply(db.session, first.thread, editor, "A reply")
    comments.agree(db.session, first, editor)
    comments.flag(db.session, first, editor, "check this")
    second = comment_on(document, contributor, "Another comment", exact="Transport links")
    comments.hide(db.session, second, facilitator, "off topic")
    return document


def _counts(document_id: int) -> dict:
    by_thread = select(Thread.id).where(Thread.document_id == document_id)
    by_comment = select(Comment.id).where(Comment.thread_id.in_(by_thread))
    by_revision = select(Revision.id).where(Revision.document_id == document_id)

    def count(model, where):
        return db.session.scalar(select(func.count()).select_from(model).where(where))

    return {
        "revisions": count(Revision, Revision.document_id == document_id),
        "revision_authors": count(revision_authors, revision_authors.c.revision_id.in_(by_revision)),
        "named_versions": count(NamedVersion, NamedVersion.document_id == document_id),
        "doc_updates": count(DocUpdate, DocUpdate.document_id == document_id),
        "threads": count(Thread, Thread.document_id == document_id),
        "anchors": count(ThreadAnchor, ThreadAnchor.thread_id.in_(by_thread)),
        "comments": count(Comment, Comment.thread_id.in_(by_thread)),
        "edits": count(CommentEdit, CommentEdit.comment_id.in_(by_comment)),
        "agrees": count(CommentAgree, CommentAgree.comment_id.in_(by_comment)),
        "flags": count(CommentFlag, CommentFlag.comment_id.in_(by_comment)),
        "moderation": count(ModerationAction, ModerationAction.comment_id.in_(by_comment)),
    }


@pytest.fixture
def rich(app):
    space = make_space("plans")
    people = [make_user("Ed Editor"), make_user("Fay Facilitator"), make_user("Con Contributor")]
    for person, role in zip(people, ("editor", "facilitator", "contributor"), strict=True):
        add_member(space, person, role)
    doomed, kept = _rich_document(space, people, "Doomed plan"), _rich_document(space, people, "Kept plan")
    client = app.test_client()
    assert login(client, people[1]).status_code == 302
    return client, space, doomed.id, doomed.slug, kept.id


def test_deletion_removes_every_row_of_the_document_and_nothing_else(app, rich):
    client, space, doomed, slug, kept = rich
    before = _counts(doomed)
    assert all(before.values()), before  # the document really has every kind of row
    kept_before = _counts(kept)
    page = html.unescape(client.get(f"/s/{space.slug}/{slug}/delete").get_data(as_text=True))
    assert "2 revisions:" in page and "2 comment threads with 3 comments" in page
    assert "1 named version" in page and "Anyone editing it now is disconnected" in page

    assert client.post(f"/s/{space.slug}/{slug}/delete", data={"title": "Doomed plan"}).status_code == 302
    db.session.expire_all()
    assert set(_counts(doomed).values()) == {0}
    assert _counts(kept) == kept_before
    for table in db.metadata.sorted_tables:  # any table pointing at documents, including later ones
        for fk in table.foreign_keys:
            if fk.column.table.name == "documents":
                left = db.session.scalar(select(func.count()).select_from(table).where(fk.parent == doomed))
                assert left == 0, table.name


def test_every_table_pointing_at_documents_says_what_a_deletion_does():
    """A foreign key to documents without ON DELETE would make deletion fail (NO ACTION): each
    feature decides (CASCADE, SET NULL, or RESTRICT to keep its rows and refuse the deletion)."""
    undecided = [f"{table.name}.{fk.parent.name}" for table in db.metadata.sorted_tables
                 for fk in table.foreign_keys if fk.column.table.name == "documents"
                 and (fk.ondelete or "").upper() not in ("CASCADE", "SET NULL", "RESTRICT")]
    assert undecided == []


def test_a_row_that_refuses_the_deletion_makes_it_a_409_and_nothing_goes(app, rich):
    """Like a permanent published edition kept with ON DELETE RESTRICT."""
    client, space, doomed, slug, _ = rich
    metadata = MetaData()
    keeper = Table("test_keeper", metadata, Column("id", Integer, primary_key=True),
                   Column("document_id", Integer, ForeignKey("documents.id", ondelete="RESTRICT")))
    Table("documents", metadata, Column("id", Integer, primary_key=True))
    db.session.rollback()  # no transaction of ours may hold the SQLite write lock meanwhile
    keeper.create(db.engine)
    try:
        db.session.execute(insert(keeper).values(document_id=doomed))
        db.session.commit()
        before = _counts(doomed)
        refused = client.post(f"/s/{space.slug}/{slug}/delete", data={"title": "Doomed plan"})
        assert refused.status_code == 409 and BLOCKED in html.unescape(refused.get_data(as_text=True))
        api = client.delete(f"/api/v1/documents/{doomed}")
        assert api.status_code == 409 and api.get_json()["error"] == BLOCKED
        db.session.expire_all()
        assert db.session.get(Document, doomed) is not None and _counts(doomed) == before
    finally:
        db.session.rollback()
        keeper.drop(db.engine)


def test_the_signal_is_sent_after_the_commit(app, rich):
    client, space, doomed, _, _ = rich
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs, db.session.scalar(select(func.count(Revision.id)).where(Revision.document_id == doomed))))

    signals.document_deleted.connect(receiver)
    try:
        assert client.delete(f"/api/v1/documents/{doomed}").status_code == 204
    finally:
        signals.document_deleted.disconnect(receiver)
    assert seen == [({"document_id": doomed, "space_id": space.id}, 0)]
