"""Benchmark comments against issue 5's performance section (prints figures and PASS/MISS, asserts nothing).

Run from the repository root: ``.venv/bin/python bench/comments.py [--runs 7] [--posts 10] [--database-url URL]``
(about a minute). A ~100 KB strategy (``bench/_corpus.py``) gets 500 threads on random passages of
10–200 characters (``bench/anchoring.py``'s ``threads``), on SQLite (WAL) in a temp dir or on a
throwaway database on the PostgreSQL server given by ``--database-url``. Measured, with wall and CPU
medians (CPU time is what a busy machine does not inflate):

1. **re-anchoring, pure** — ``anchoring.reanchor`` of all 500 threads, diff included, after a 1% edit
   (aim < 100 ms) and after a heavy rewrite of ~30% of the paragraphs (aim < 1 s): bench/anchoring.py's runs.
2. **re-anchoring in the app** — what a save pays: ``placement.catch_up`` as the ``revision_committed``
   subscriber runs it after ``documents.service.save`` (load the threads, diff, place, write a
   ``ThreadAnchor`` row per thread, commit), same aims; and the live draft's placement for the API
   (``wiki/comments/live.py``: cold = one diff + placement, warm = the cached result).
3. **the document view with 500 threads** — ``GET /s/<space>/<doc>`` (marks in the text, the panel)
   and ``GET /api/v1/documents/<id>/comments`` through the Flask test client: time and bytes.
4. **posting under 20 concurrent posters** — a real served app (``flask --app wiki serve``: Werkzeug,
   threaded, production config, one process), 20 contributors each POSTing ``--posts`` comments to
   ``/api/v1/documents/<id>/comments`` on one keep-alive connection: throughput, p50/p95 latency,
   errors. The per-user comment rate limit is raised for the run (it would measure the limiter).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import anchoring as corpus_threads  # noqa: E402 (bench/ is on sys.path when run as a script)
from _corpus import Writer  # noqa: E402
from realtime import Server, database, print_errors  # noqa: E402
from revisions_core import summary, timed  # noqa: E402

THREADS, POSTERS, SPACE = 500, 20, "strategy"
AIMS = {"1% edit": 100.0, "heavy rewrite": 1000.0}  # median ms (issue 5)


def medians(timings: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(t[0] for t in timings), statistics.median(t[1] for t in timings)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


# --- 1. pure re-anchoring (bench/anchoring.py) ----------------------------------------------------


def pure(base: str, anchors, writer: Writer, runs: int) -> dict:
    print(f"\n1. re-anchoring {len(anchors)} threads, pure (anchoring.reanchor, diff included):")
    edits = [writer.revise(base, 0.01) for _ in range(runs)]
    figures = {"1% edit": corpus_threads.run("1% edit", base, anchors, edits)}
    rewrites = [corpus_threads.rewrite(base, writer, 0.3) for _ in range(runs)]
    keep = [corpus_threads.untouched(anchors, ranges) for _, ranges in rewrites]
    figures["heavy rewrite"] = corpus_threads.run("heavy rewrite", base, anchors, [t for t, _ in rewrites], keep)
    return figures


# --- 2. the app's re-anchoring ---------------------------------------------------------------------


class Wiki:
    """The bench's app and database: a public space, an editor, 20 contributors with API tokens and
    a 100 KB document with 500 threads."""

    def __init__(self, url: str, instance: str, text: str):
        from wiki import create_app
        from wiki.auth.service import create_user, issue_token
        from wiki.documents import service as documents
        from wiki.extensions import db
        from wiki.spaces.service import create_space, set_membership

        os.environ["WIKI_INSTANCE_PATH"] = instance
        self.app, self.db = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": None,
                                                   "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}), db
        with self.app.app_context():
            db.create_all()
            space = create_space(db.session, SPACE, "Strategy")
            self.editor = create_user(db.session, "editor@example.org", "Eddie Editor", "correct horse battery")
            db.session.commit()
            set_membership(db.session, space, self.editor.email, "editor")
            self.tokens = []
            for n in range(POSTERS):
                user = create_user(db.session, f"poster{n}@example.org", f"Poster {n}", "correct horse battery")
                db.session.commit()
                set_membership(db.session, space, user.email, "contributor")
                self.tokens.append(issue_token(db.session, user, "bench"))
                db.session.commit()
            document = documents.create_document(db.session, space, self.editor, "Strategy", text)
            self.doc_id, self.slug, self.editor_id = document.id, document.slug, self.editor.id
            db.session.remove()

    def head(self) -> tuple[int, str]:
        """(number, text) of the document's head revision."""
        from wiki.documents import service as documents
        from wiki.documents.models import Document

        with self.app.app_context():
            head = documents.head(self.db.session, self.db.session.get(Document, self.doc_id))
            figures = head.number, head.text
            self.db.session.remove()
        return figures

    def add_threads(self, text: str, anchors) -> None:
        """500 threads on revision 1, written as the service writes them (one commit)."""
        from wiki.auth.models import User
        from wiki.comments import models, service
        from wiki.documents.models import Document

        with self.app.app_context():
            session = self.db.session
            document, author = session.get(Document, self.doc_id), session.get(User, self.editor_id)
            for n, anchor in enumerate(anchors):
                service.add_thread(session, document, author, revision=1, start=anchor.start, end=anchor.end,
                                   quote=anchor.quote, body=f"Comment {n}: **why** this matters.",
                                   visibility=models.NAMED, perspective=None, state=models.PUBLISHED)
            session.commit()
            session.remove()


def saved_reanchoring(wiki: Wiki, texts: list[str], name: str) -> tuple[float, float]:
    """Save each text through documents.service.save; time the re-anchoring subscriber's catch_up."""
    from wiki.comments import placement
    from wiki.documents import service as documents
    from wiki.documents.models import Document

    timings, real = [], placement.catch_up

    def catch_up(*args, **kwargs):
        ms, moved = timed(lambda: real(*args, **kwargs))
        timings.append(ms)
        return moved

    with wiki.app.app_context(), mock.patch("wiki.comments.subscribers.placement.catch_up", catch_up):
        session = wiki.db.session
        for text in texts:
            document = session.get(Document, wiki.doc_id)
            outcome = documents.save(session, document, _editor(wiki), text,
                                     document.head_number)
            assert outcome.created, "the bench's save made no revision"
            session.remove()
    print(summary(f"catch_up after save, {name}", timings))
    wall, cpu = medians(timings)
    print(f"    aim < {AIMS[name]:.0f} ms: {_verdict(wall, AIMS[name])} on median wall time, "
          f"{_verdict(cpu, AIMS[name])} on median CPU time")
    return wall, cpu


def _editor(wiki: Wiki):
    from wiki.auth.models import User

    return wiki.db.session.get(User, wiki.editor_id)


def _verdict(figure: float, aim: float) -> str:
    return "PASS" if figure < aim else "MISS"


def live_placement(wiki: Wiki, writer: Writer, runs: int) -> dict:
    """wiki/comments/live.place for every thread on a 1% live edit of the head: cold and cached."""
    from wiki.comments import live, queries
    from wiki.documents import service as documents
    from wiki.documents.models import Document

    cold, warm = [], []
    with wiki.app.app_context():
        session = wiki.db.session
        document = session.get(Document, wiki.doc_id)
        head = documents.head(session, document)
        rows = queries._placed(session, document, head)
        for seq in range(runs):
            draft = live.LiveText(10_000 + seq, writer.revise(head.text, 0.01))
            cold.append(timed(lambda d=draft: live.place(wiki.doc_id, head, d, rows))[0])
            warm.append(timed(lambda d=draft: live.place(wiki.doc_id, head, d, rows))[0])
        session.remove()
    print(summary("live draft placement, cold", cold))
    print(summary("live draft placement, cached", warm))
    return {"cold": medians(cold), "warm": medians(warm)}


# --- 3. the document view --------------------------------------------------------------------------


def views(wiki: Wiki, runs: int) -> dict:
    """GET the document page and the API listing through the test client (anonymous, public space)."""
    figures = {}
    client = wiki.app.test_client()
    for name, path in (("document page", f"/s/{SPACE}/{wiki.slug}"),
                       ("API comment listing", f"/api/v1/documents/{wiki.doc_id}/comments")):
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        size = len(response.data)
        if name == "document page":
            shown = response.get_data(as_text=True).count('data-thread="')
        else:
            shown = len(response.get_json())
        timings = [timed(lambda p=path: client.get(p))[0] for _ in range(runs)]
        print(summary(f"GET {name}", timings) + f"  {size / 1024:.0f} KB, {shown} threads")
        figures[name] = (*medians(timings), size)
    return figures


# --- 4. posting under 20 concurrent posters --------------------------------------------------------


def poster(port: int, token: str, doc_id: int, revision: int, passages: list, results: list,
           start: threading.Barrier) -> None:
    """One contributor on one keep-alive connection: POST each passage, record (ms, status)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    start.wait()
    for n, (anchor, visibility) in enumerate(passages):
        body = json.dumps({"revision": revision, "quote": {"exact": anchor.quote.exact},
                           "position": {"start": anchor.start, "end": anchor.end},
                           "body": f"A concurrent comment {n}.", "visibility": visibility})
        began = time.perf_counter()
        try:
            conn.request("POST", f"/api/v1/documents/{doc_id}/comments", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn, status = http.client.HTTPConnection("127.0.0.1", port, timeout=60), 0
        results.append(((time.perf_counter() - began) * 1000, status))
    conn.close()


def posting(wiki: Wiki, url: str, tmp: str, posts: int, keep_log: str | None = None) -> dict:
    """Comments on the head revision (a reader comments on what they see), random passages."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(WIKI_CONFIG="production", SECRET_KEY=secrets.token_hex(32), DATABASE_URL=url,
               WIKI_INSTANCE_PATH=f"{tmp}/instance", WIKI_SOCKETIO_CHANNEL=f"bench-{uuid.uuid4()}",
               WIKI_COMMENT_RATE_PER_MINUTE="1000000", PYTHONUNBUFFERED="1")
    server = Server("wiki", [sys.executable, "-m", "flask", "--app", "wiki", "serve"], env, tmp,
                    "/api/v1/openapi.json")
    rng, results, (revision, text) = random.Random(11), [], wiki.head()
    statuses: dict[int, int] = {}
    try:
        server.wait_ready()
        passages = [[(a, rng.choice(("named", "anonymous"))) for a in corpus_threads.threads(text, posts, rng)]
                    for _ in range(POSTERS)]
        barrier = threading.Barrier(POSTERS + 1)
        workers = [threading.Thread(target=poster, args=(server.port, token, wiki.doc_id, revision, mine, results,
                                                         barrier))
                   for token, mine in zip(wiki.tokens, passages, strict=True)]
        for worker in workers:
            worker.start()
        cpu0 = server.cpu()
        barrier.wait()
        began = time.perf_counter()
        for worker in workers:
            worker.join()
        elapsed, cpu = time.perf_counter() - began, server.cpu() - cpu0
    finally:
        server.stop()
        print_errors("wiki", Path(tmp) / "wiki.log")
        if keep_log:
            shutil.copy(Path(tmp) / "wiki.log", keep_log)
    for _, status in results:
        statuses[status] = statuses.get(status, 0) + 1
    latencies = [ms for ms, status in results if status == 201]
    errors = len(results) - len(latencies)
    figures = {"rate": len(latencies) / elapsed, "p50": statistics.median(latencies) if latencies else 0.0,
               "p95": pct(latencies, 0.95) if latencies else 0.0, "errors": errors, "count": len(results)}
    print(f"POST comment x{len(results)} ({POSTERS} posters): {figures['rate']:.1f} comments/s, p50 "
          f"{figures['p50']:.0f} ms, p95 {figures['p95']:.0f} ms, errors {errors}; server CPU "
          f"{1000 * cpu / max(1, len(results)):.1f} ms/comment; HTTP statuses {statuses}")
    return figures


# --- main ---------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs per re-anchoring and view measurement")
    parser.add_argument("--posts", type=int, default=10, help="comments per poster (20 posters)")
    parser.add_argument("--database-url", help="a PostgreSQL server URL (default: SQLite in a temp dir)")
    parser.add_argument("--keep-log", help="copy the served app's log (tracebacks) to this file")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; "
          f"{'PostgreSQL' if args.database_url else 'SQLite (WAL)'}")
    writer = Writer(seed=2024)
    base = writer.document(100)
    anchors = corpus_threads.threads(base, THREADS, random.Random(5))
    print(f"document: {len(base) / 1024:.1f} KB; {len(anchors)} threads on passages of 10–200 characters")
    f = {"pure": pure(base, anchors, writer, max(args.runs, 10))}
    with tempfile.TemporaryDirectory() as tmp, database(args.database_url, tmp) as url:
        wiki = Wiki(url, f"{tmp}/instance", base)
        wiki.add_threads(base, anchors)
        f["views"] = measure_app(wiki, writer, base, args)
        print(f"\n4. posting, {POSTERS} concurrent posters (served app):")
        f["post"] = posting(wiki, url, tmp, args.posts, args.keep_log)
        with wiki.app.app_context():
            wiki.db.engine.dispose()
    print_table(f)


def measure_app(wiki: Wiki, writer: Writer, base: str, args) -> dict:
    print(f"\n3. the document view with {THREADS} threads (test client):")
    figures = {"views": views(wiki, args.runs)}
    print(f"\n2. re-anchoring {THREADS} threads in the app (after documents.service.save; DB writes included):")
    text, edits = base, []
    for _ in range(args.runs):
        text = writer.revise(text, 0.01)
        edits.append(text)
    figures["1% edit"] = saved_reanchoring(wiki, edits, "1% edit")
    figures["live"] = live_placement(wiki, writer, args.runs)
    rewrites = []
    for _ in range(args.runs):
        text = corpus_threads.rewrite(text, writer, 0.3)[0]
        rewrites.append(text)
    figures["heavy rewrite"] = saved_reanchoring(wiki, rewrites, "heavy rewrite")
    return figures


def print_table(f: dict) -> None:
    app, views_ = f["views"], f["views"]["views"]
    rows = [("re-anchor 500 threads, 1% edit (pure)", *f["pure"]["1% edit"], 100),
            ("re-anchor 500 threads, heavy rewrite (pure)", *f["pure"]["heavy rewrite"], 1000),
            ("re-anchor after a save, 1% edit (app, DB)", *app["1% edit"], 100),
            ("re-anchor after a save, heavy rewrite (app, DB)", *app["heavy rewrite"], 1000),
            ("live draft placement, cold (one diff)", *app["live"]["cold"], 100),
            ("live draft placement, cached", *app["live"]["warm"], None),
            ("document page, 500 threads", *views_["document page"][:2], None),
            ("API listing, 500 threads", *views_["API comment listing"][:2], None)]
    print(f"\n{'median ms':<50} {'wall':>8} {'cpu':>8}   aim        result (wall / cpu)")
    for name, wall, cpu, aim in rows:
        verdict = f"{_verdict(wall, aim)} / {_verdict(cpu, aim)}" if aim else ""
        print(f"{name:<50} {wall:8.1f} {cpu:8.1f}   {f'< {aim} ms' if aim else '(no aim)':<10} {verdict}")
    post = f["post"]
    print(f"document page {views_['document page'][2] / 1024:.0f} KB, API listing "
          f"{views_['API comment listing'][2] / 1024:.0f} KB")
    print(f"posting, {POSTERS} concurrent posters: {post['rate']:.1f} comments/s, p50 {post['p50']:.0f} ms, "
          f"p95 {post['p95']:.0f} ms, {post['errors']} errors of {post['count']} (no aim; errors must be 0: "
          f"{'PASS' if post['errors'] == 0 else 'MISS'})")


if __name__ == "__main__":
    main()
