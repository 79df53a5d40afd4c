"""Benchmark awareness (issue 9): fan-out of one event to many watchers, the recent-changes page over
a long activity log, the bell's count, and an Atom feed (prints figures, asserts nothing).

Run from the repository root: ``.venv/bin/python bench/awareness.py [--watchers 300] [--log 5000]``
(SQLite in a temp dir, or ``--database-url postgresql+psycopg://…`` for a throwaway PostgreSQL database).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _app import bench_app  # noqa: E402 (bench/ is on sys.path when run as a script)

from wiki.auth.models import User  # noqa: E402
from wiki.awareness import feed, inbox  # noqa: E402
from wiki.awareness.models import Activity, SpaceWatch  # noqa: E402
from wiki.comments import service as comments  # noqa: E402
from wiki.documents import service as documents  # noqa: E402
from wiki.documents.models import Document  # noqa: E402
from wiki.extensions import db  # noqa: E402
from wiki.spaces.models import Membership  # noqa: E402
from wiki.spaces.service import create_space  # noqa: E402

TEXT = "# Plan\n\nFirst paragraph about housing.\n\n# Transport\n\nSecond paragraph about transport.\n"


def ms(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def people(n: int, space) -> list[User]:
    users = [User(email=f"w{i}@example.org", display_name=f"Watcher {i}", password_hash="x") for i in range(n)]
    db.session.add_all(users)
    db.session.flush()
    db.session.add_all(Membership(space_id=space.id, user_id=u.id, role="contributor") for u in users)
    db.session.add_all(SpaceWatch(user_id=u.id, space_id=space.id) for u in users)
    db.session.commit()
    return users


def run(app, watchers: int, log_rows: int) -> None:
    with app.app_context():
        space = create_space(db.session, "bench", "Bench", private=True)
        editor = User(email="editor@example.org", display_name="Editor", password_hash="x")
        db.session.add(editor)
        db.session.flush()
        db.session.add(Membership(space_id=space.id, user_id=editor.id, role="editor"))
        db.session.commit()
        crowd = people(watchers, space)
        doc = documents.create_document(db.session, space, editor, "Plan", TEXT)
        texts = iter(TEXT + "\nLine\n" * i for i in range(1, 1000))
        save = lambda: documents.save(db.session, doc, editor, next(texts), doc.head_number)  # noqa: E731
        first, _ = ms(save)
        folded, _ = ms(save, repeat=10)
        print(f"save + notify {watchers} watchers: first {first:.1f} ms, folded into existing {folded:.1f} ms (median)")
        start, end, quote = comments.locate(db.session, doc, doc.head_number, exact="housing")
        post = lambda: comments.create_thread(  # noqa: E731
            db.session, doc, crowd[0], revision=doc.head_number, start=start, end=end, quote=quote,
            body="A comment for @Watcher 7.", visibility="named")
        comment_ms, _ = ms(post)
        print(f"comment + notify {watchers} watchers (with a mention lookup): {comment_ms:.1f} ms")
        bulk = [Activity(kind="revision" if i % 3 else "comment", space_id=space.id, document_id=doc.id,
                         actor_id=editor.id, revision_number=1 + i % doc.head_number,
                         comment_id=None if i % 3 else _first_comment(doc), summary="bulk") for i in range(log_rows)]
        db.session.add_all(bulk)
        db.session.commit()
        page_ms, result = ms(lambda: feed.recent(db.session, crowd[1], space=space), repeat=5)
        print(f"recent changes page (50 of {log_rows:,} rows, member): {page_ms:.1f} ms, {len(result.items)} items")
        count_ms, count = ms(lambda: inbox.unread_count(db.session, crowd[7]), repeat=10)
        print(f"bell count for a person with {count} unread: {count_ms:.1f} ms (median)")
        path = f"/s/{space.slug}/{doc.slug}"
        db.session.remove()
    client = app.test_client()
    atom_ms, response = ms(lambda: client.get("/changes.atom"), repeat=5)
    print(f"/changes.atom (anonymous): {atom_ms:.1f} ms, {len(response.data):,} bytes")
    _page_views(app, path)


def _page_views(app, path: str) -> None:
    """The reading page signed in as a watcher with unread notifications (bell count, banner, visit
    write) against the same page signed out. Requests run outside any pushed app context, as served."""
    from wiki.auth.service import create_user

    with app.app_context():
        reader = create_user(db.session, "reader@example.org", "Reader", "bench-password-1")
        db.session.add(Membership(space_id=1, user_id=reader.id, role="contributor"))
        db.session.add(SpaceWatch(user_id=reader.id, space_id=1))
        db.session.commit()
    client = app.test_client()
    client.post("/login", data={"email": "reader@example.org", "password": "bench-password-1"})
    client.get(path)  # first visit
    with app.app_context():
        for text in (TEXT + "\nA\n", TEXT + "\nB\n"):
            document = db.session.get(Document, 1)
            documents.save(db.session, document, db.session.get(User, 1), text, document.head_number)
    seen_ms, response = ms(lambda: client.get(path), repeat=10)
    assert response.status_code == 200
    print(f"reading page, signed in (bell count, since-last-visit, visit recorded): {seen_ms:.1f} ms (median)")
    client.post("/logout")
    anon_ms, _ = ms(lambda: client.get(path), repeat=10)
    print(f"reading page, signed out: {anon_ms:.1f} ms (median)")


def _first_comment(doc) -> int:
    from sqlalchemy import select

    from wiki.comments.models import Comment, Thread

    return db.session.scalar(select(Comment.id).join(Thread).where(Thread.document_id == doc.id).limit(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--watchers", type=int, default=300)
    parser.add_argument("--log", type=int, default=5000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with bench_app(args.database_url) as (app, _url, _folder):
        run(app, args.watchers, args.log)


if __name__ == "__main__":
    main()
