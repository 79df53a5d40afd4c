"""How heavy is the document page of a ~100 KB strategy with 500 comment threads? (issue 5)

Run from the repository root: ``.venv/bin/python bench/comments_page.py [--threads 500] [--runs 5]``.
A document from ``bench/_corpus.py`` (fixed seed) gets ``--threads`` threads on random passages
(every fifth with a reply) in a SQLite file in a temp dir, or in a throwaway database on the
PostgreSQL server given by ``--database-url``. The page is fetched with the test client as a
facilitator (who sees every moderation control), a contributor and a visitor who is not signed in:
printed are the HTML size, how much of it is forms, and the time to render it (median of ``--runs``).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _app import bench_app  # noqa: E402 (bench/ is on sys.path when run as a script)
from _corpus import Writer  # noqa: E402 (bench/ is on sys.path when run as a script)

from wiki.auth.service import create_user  # noqa: E402
from wiki.comments import service as comments  # noqa: E402
from wiki.comments.anchoring import make_quote  # noqa: E402
from wiki.documents import service as documents  # noqa: E402
from wiki.extensions import db  # noqa: E402
from wiki.spaces.service import create_space, set_membership  # noqa: E402

PASSWORD = "correct horse battery"


def build(threads: int) -> str:
    """People, a space, the document and its threads; returns the page's path."""
    people = {role: create_user(db.session, f"{role}@example.org", role.title(), PASSWORD)
              for role in ("facilitator", "contributor", "writer")}
    space = create_space(db.session, "strategy", "Strategy")
    for role in ("facilitator", "contributor", "writer"):
        set_membership(db.session, space, people[role].email, "facilitator" if role == "facilitator" else "contributor")
    db.session.commit()
    text = Writer().document(100)
    document = documents.create_document(db.session, space, people["writer"], "Strategy", text)
    rng = random.Random(5)
    for n in range(threads):
        length = rng.randint(10, 200)
        start = rng.randrange(len(text) - length)
        comment = comments.add_thread(db.session, document, people["writer"], revision=1, start=start,
                                      end=start + length, quote=make_quote(text, start, start + length),
                                      body=f"Thread {n}: *why* this passage matters.", visibility="named",
                                      perspective=None, state="published")
        if n % 5 == 0:
            db.session.flush()
            comments._new_comment(db.session, comment.thread, people["facilitator"], "A reply.", "named", None,
                                  "published")
    db.session.commit()
    print(f"document: {len(text.encode()) / 1024:.1f} KB; {threads} threads ({(threads + 4) // 5} with a reply)")
    return f"/s/{space.slug}/{document.slug}"


def measure(app, path: str, who: str | None, runs: int) -> None:
    client = app.test_client()
    if who:
        assert client.post("/login", data={"email": f"{who}@example.org", "password": PASSWORD}).status_code == 302
    timings, body = [], b""
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        body = response.data
    forms, inputs = body.count(b"<form"), body.count(b"<input")
    print(f"  {who or 'not signed in':<12} {len(body) / 1024:8.1f} KB  {forms:5} forms  {inputs:5} inputs  "
          f"render median {statistics.median(timings):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--threads", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=os.environ.get("WIKI_BENCH_DATABASE_URL"),
                        help="a PostgreSQL server to make a throwaway database on (default: SQLite)")
    args = parser.parse_args()
    with bench_app(args.database_url) as (app, _url, _folder):
        with app.app_context():
            path = build(args.threads)
            db.session.remove()
        print(f"GET {path} (document page with its comments panel)")
        for who in ("facilitator", "contributor", None):
            measure(app, path, who, args.runs)


if __name__ == "__main__":
    main()
