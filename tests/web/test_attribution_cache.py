"""Attribution is carried forward from the last head seen; it must equal a full recomputation."""

import random

from sqlalchemy import select

from tests.factories import add_member, make_document, make_space, make_user
from wiki.documents import history, revisions, service
from wiki.documents.models import Revision
from wiki.extensions import db


def _full(document):
    rows = db.session.execute(
        select(Revision.number, Revision.text).where(Revision.document_id == document.id).order_by(Revision.number)
    ).all()
    return [(a.block.text, a.revision) for a in revisions.attribute([(n, t) for n, t in rows])]


def test_incremental_attribution_equals_full_recomputation(app):
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
    credits = [(c.block.text, c.revision.number) for c in history.attribution(db.session, document)]
    assert credits == _full(document)
    assert len({number for _, number in credits}) > 2  # several revisions are credited, not just the last
