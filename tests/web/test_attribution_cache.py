"""Attribution spans are stored with each revision and cached per process; every route to them
(warm cache, cold start, catching up missing rows) must equal a full recomputation."""

import logging
import random

import pytest
from sqlalchemy import select, update

from tests.factories import add_member, make_document, make_space, make_user
from wiki.documents import history, revisions, service, spans
from wiki.documents.models import Revision
from wiki.extensions import db


def _full(document):
    rows = db.session.execute(
        select(Revision.number, Revision.text).where(Revision.document_id == document.id).order_by(Revision.number)
    ).all()
    return [(a.block.text, a.revision) for a in revisions.attribute([(n, t) for n, t in rows])]


def _credits(document):
    return [(c.block.text, c.revision.number) for c in history.attribution(db.session, document)]


@pytest.fixture
def edited(app):
    """A document saved 9 times by three authors, each save rewording one paragraph."""
    space = make_space()
    users = [make_user(f"Author {i}") for i in range(3)]
    for user in users:
        add_member(space, user, "editor")
    text = "\n\n".join(f"Paragraph {i} about local services." for i in range(12)) + "\n"
    document = make_document(space, users[0], "Plan", text)
    rng = random.Random(7)
    for step in range(8):
        paragraphs = service.head(db.session, document).text.split("\n\n")
        index = rng.randrange(len(paragraphs))
        paragraphs[index] = paragraphs[index].replace("about", f"changed in step {step} about", 1)
        service.save(db.session, document, users[step % 3], "\n\n".join(paragraphs), document.head_number)
        if step % 3 == 0:  # look at the page now and then, so the cache is advanced by several steps later
            history.attribution(db.session, document)
    return document


@pytest.fixture
def diffs(monkeypatch):
    """Counts the line diffs attribution runs."""
    calls = []
    real = revisions.line_diff

    def counting(old, new):
        calls.append(1)
        return real(old, new)

    monkeypatch.setattr(revisions, "line_diff", counting)
    return calls


def test_incremental_attribution_equals_full_recomputation(edited):
    credits = _credits(edited)
    assert credits == _full(edited)
    assert len({number for _, number in credits}) > 2  # several revisions are credited, not just the last


def test_every_committed_revision_stores_its_spans(edited):
    stored = db.session.execute(
        select(Revision.number, Revision.text, Revision.attribution).where(Revision.document_id == edited.id)
    ).all()
    assert len(stored) == 9
    for number, text, attribution in stored:
        assert sum(length for length, _ in spans.decode(attribution)) == len(text)
        assert max(revision for _, revision in spans.decode(attribution)) <= number


def test_a_cold_start_reads_the_stored_spans_and_diffs_nothing(edited, diffs):
    spans.clear_cache()  # as after a restart, or in another worker
    assert _credits(edited) == _full(edited)
    assert diffs == []


def test_revisions_stored_without_spans_are_caught_up(edited, diffs):
    """Rows from before migration 0013, or whose write failed, are walked from the newest spans before them."""
    db.session.execute(
        update(Revision).where(Revision.document_id == edited.id, Revision.number > 5).values(attribution=None)
    )
    db.session.commit()
    spans.clear_cache()
    assert _credits(edited) == _full(edited)
    diffs.clear()
    spans.clear_cache()
    _credits(edited)
    assert len(diffs) == 4  # revisions 6 to 9, from the spans stored with revision 5


def test_spans_that_do_not_cover_their_text_are_ignored(edited):
    db.session.execute(update(Revision).where(Revision.document_id == edited.id).values(attribution="3,1"))
    db.session.commit()
    spans.clear_cache()
    assert _credits(edited) == _full(edited)


def test_a_failed_spans_write_does_not_fail_the_save(edited, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(spans, "record", broken)
    head = service.head(db.session, edited)
    with caplog.at_level(logging.ERROR):
        outcome = service.save(db.session, edited, None, head.text + "\nA closing line.\n", head.number)
    assert outcome.created and "storing attribution spans failed" in caplog.text
    assert db.session.scalar(select(Revision.attribution).where(Revision.id == outcome.revision.id)) is None
    monkeypatch.undo()
    spans.clear_cache()
    credits = _credits(edited)
    assert credits == _full(edited) and credits[-1] == ("A closing line.", outcome.revision.number)
