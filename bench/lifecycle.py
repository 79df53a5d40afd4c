"""Benchmark the life-cycle operations on a large document and a busy account (prints figures, asserts nothing).

Run from the repository root: ``.venv/bin/python bench/lifecycle.py [--revisions 2000] [--threads 1000]
[--updates 20000] [--database-url postgresql+psycopg://…]``. Rows are inserted in bulk (this measures
deleting, counting and exporting them, not making them): one document with ``--revisions`` revisions
(1 KB each), ``--threads`` comment threads with two comments, an agree and a flag each, and
``--updates`` rows of live-draft log; one person credited with every revision and author of every
first comment. Timed: the delete page's counts, the data download, erasing the account, deleting the
document (all its rows go through ON DELETE CASCADE).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _app import bench_app  # noqa: E402 (bench/ is on sys.path when run as a script)
from sqlalchemy import insert  # noqa: E402

from wiki.auth.service import create_user  # noqa: E402
from wiki.comments.models import Comment, CommentAgree, CommentFlag, Thread  # noqa: E402
from wiki.documents import deletion  # noqa: E402
from wiki.documents.models import Document, Revision, revision_authors  # noqa: E402
from wiki.extensions import db  # noqa: E402
from wiki.privacy import service as privacy  # noqa: E402
from wiki.realtime.models import DocUpdate  # noqa: E402
from wiki.spaces.service import create_space  # noqa: E402
from wiki.timeutil import utcnow  # noqa: E402

CHUNK = 1000


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    print(f"{label:<44} {(time.perf_counter() - start) * 1000:9.1f} ms")
    return result


def bulk(table, rows: list[dict]) -> None:
    for i in range(0, len(rows), CHUNK):
        db.session.execute(insert(table), rows[i:i + CHUNK])


def build(args) -> tuple[int, int, int]:
    """(document id, author id, other user id) with the rows described above."""
    now, text = utcnow(), "Lorem ipsum dolor sit amet. " * 36
    author = create_user(db.session, "author@example.org", "Busy Author", "correct horse battery")
    other = create_user(db.session, "other@example.org", "Other Person", "correct horse battery", admin=True)
    space = create_space(db.session, "bench", "Bench")
    document = Document(space=space, slug="big", title="Big plan", head_number=args.revisions)
    db.session.add(document)
    db.session.flush()
    bulk(Revision.__table__, [dict(document_id=document.id, number=n, title="Big plan", text=text, html=text, toc=[],
                                   summary=f"edit {n}", created_at=now) for n in range(1, args.revisions + 1)])
    revision_ids = db.session.scalars(db.select(Revision.id).where(Revision.document_id == document.id)).all()
    bulk(revision_authors, [{"revision_id": rid, "user_id": author.id} for rid in revision_ids])
    bulk(Thread.__table__, [dict(document_id=document.id, revision_number=1, quote_exact="Lorem", start=0, end=5,
                                 anchored_revision=1, created_at=now) for _ in range(args.threads)])
    thread_ids = db.session.scalars(db.select(Thread.id).where(Thread.document_id == document.id)).all()
    bulk(Comment.__table__, [dict(thread_id=tid, author_id=uid, body=f"Comment on {tid}", body_html="<p>c</p>",
                                  created_at=now) for tid in thread_ids for uid in (author.id, other.id)])
    mine = db.session.scalars(db.select(Comment.id).where(Comment.author_id == other.id)).all()
    bulk(CommentAgree.__table__, [dict(comment_id=cid, user_id=author.id, created_at=now) for cid in mine])
    bulk(CommentFlag.__table__, [dict(comment_id=cid, user_id=author.id, reason="look", created_at=now)
                                 for cid in mine])
    bulk(DocUpdate.__table__, [dict(document_id=document.id, seq=n, data=b"\x00" * 40, user_id=author.id,
                                    created_at=now) for n in range(1, args.updates + 1)])
    db.session.commit()
    return document.id, author.id, other.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--revisions", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1000)
    parser.add_argument("--updates", type=int, default=20000)
    parser.add_argument("--database-url", default=os.environ.get("WIKI_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    with bench_app(args.database_url) as (app, url, _folder), app.test_request_context():
        print(f"{url.split(':')[0]}: {args.revisions} revisions, {args.threads} threads ({args.threads * 2} "
              f"comments), {args.updates} live-log rows")
        doc_id, author_id, other_id = timed("build (bulk inserts)", lambda: build(args))
        from wiki.auth.models import User

        document = db.session.get(Document, doc_id)
        goes = timed("delete page counts (what_goes)", lambda: deletion.what_goes(db.session, document))
        print(f"{'':<44} {goes}")
        author = db.session.get(User, author_id)
        data = timed("download my data (busy author)", lambda: privacy.export_data(db.session, author))
        size = len(json.dumps(data))
        print(f"{'':<44} {size / 1024:9.1f} KB, {len(data['revisions'])} revisions, "
              f"{len(data['comments'])} comments, {len(data['agrees'])} agrees")
        timed("erase the account", lambda: privacy.erase_account(db.session, author))
        timed("delete the document (cascade)", lambda: deletion.delete_document(
            db.session, db.session.get(Document, doc_id)))
        left = db.session.scalar(db.select(db.func.count(Comment.id)))
        print(f"{'':<44} comments left: {left}; accounts left: "
              f"{db.session.scalar(db.select(db.func.count(User.id)).where(User.id.in_([author_id, other_id])))}")


if __name__ == "__main__":
    main()
