"""Benchmark consultation rounds against issue 6's performance aims (prints figures, asserts nothing).

Run from the repository root: ``.venv/bin/python bench/rounds.py [--comments 2000] [--participants 300]
[--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]``.

A round on a ~100 KB strategy (``bench/_corpus.py``) gets ``--comments`` comments (15% replies, 10%
entered offline, 70% answered with a disposition and themes) from ``--participants`` people with
consented perspectives, answers to three guiding questions, and three later revisions of the live
draft (so the report has a diff). The rows are inserted directly (the service is exercised by the
tests; 2,000 service calls would only time the setup). Then it times, in-process with the test client
as a facilitator: building the report (service), the report as JSON, as HTML and as CSV, the round
page and the respond page. Finally 50 comments are posted concurrently through the API in the last
second before another round closes (real clock), and it counts how many were accepted at or after
the close (must be 0). Aim: report JSON/HTML < 500 ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _app import bench_app  # noqa: E402 (bench/ is on sys.path when run as a script)
from _corpus import Writer  # noqa: E402

from wiki.auth.perspectives import PERSPECTIVES  # noqa: E402
from wiki.auth.service import create_user, issue_token  # noqa: E402
from wiki.comments import blocks  # noqa: E402
from wiki.comments.anchoring import make_quote  # noqa: E402
from wiki.comments.models import Comment, Thread, ThreadAnchor  # noqa: E402
from wiki.consultations import lifecycle, service  # noqa: E402
from wiki.consultations.models import DISPOSITIONS, OFFLINE_CHANNELS, Answer, Disposition, OfflineEntry, Round  # noqa: E402,E501
from wiki.documents import service as documents  # noqa: E402
from wiki.extensions import db  # noqa: E402
from wiki.rendering import render_comment  # noqa: E402
from wiki.spaces.service import create_space, set_membership  # noqa: E402

THEMES = ["housing", "transport", "cost", "access", "young people", "carers", "evidence", "staffing", "digital"]


def timed(fn, repeat: int = 5) -> tuple[float, float, float, object]:
    """(median wall ms, p95-ish max wall ms, median cpu ms, last result) over `repeat` runs."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.thread_time()
        result = fn()
        walls.append((time.perf_counter() - wall) * 1000)
        cpus.append((time.thread_time() - cpu) * 1000)
    return statistics.median(walls), max(walls), statistics.median(cpus), result


def line(name: str, figures: tuple, extra: str = "") -> None:
    p50, worst, cpu, _ = figures
    print(f"{name:<34} median {p50:7.1f} ms  max {worst:7.1f} ms  (cpu median {cpu:6.1f} ms){extra}")


def people(count: int, space) -> list:
    rng = random.Random(7)
    keys = list(PERSPECTIVES)
    users = []
    for n in range(count):
        user = create_user(db.session, f"p{n}@example.org", f"Participant {n}", "correct horse battery")
        if rng.random() < 0.7:
            user.perspectives, user.perspectives_consent = [rng.choice(keys)], True
        users.append(user)
    db.session.flush()
    for user in users:
        set_membership(db.session, space, user.email, "contributor")
    db.session.commit()
    return users


def passages(text: str, rng: random.Random, count: int) -> list[tuple[int, int]]:
    """Random short passages inside paragraphs (not headings or markup lines)."""
    lines, offset, spans = text.split("\n"), 0, []
    for line_text in lines:
        if len(line_text) > 80 and line_text[0].isalpha():
            spans.append((offset, offset + len(line_text)))
        offset += len(line_text) + 1
    out = []
    for _ in range(count):
        start, end = rng.choice(spans)
        at = rng.randint(start, end - 40)
        out.append((at, at + rng.randint(15, 39)))
    return out


def fill(round_, users, facilitator, writer: Writer, count: int) -> None:
    """Threads, comments (some replies, some offline), anchors, dispositions and answers, in bulk."""
    rng = random.Random(11)
    revision = documents.get_revision(db.session, round_.document, round_.revision_number)
    headings = blocks.heading_starts(revision.text, revision.toc)
    at = lifecycle.aware(round_.opens_at) + timedelta(minutes=1)
    threads: list[Thread] = []
    for n, (start, end) in enumerate(passages(revision.text, rng, count)):
        body = writer.sentence()
        reply = threads and rng.random() < 0.15
        offline = not reply and rng.random() < 0.10
        if reply:
            thread = rng.choice(threads)
        else:
            quote = make_quote(revision.text, start, end)
            thread = Thread(document_id=round_.document_id, revision_number=revision.number, quote_exact=quote.exact,
                            quote_prefix=quote.prefix, quote_suffix=quote.suffix, start=start, end=end,
                            anchored_revision=revision.number, section=blocks.section_at(headings, start),
                            created_at=at, round_id=round_.id)
            db.session.add(thread)
            threads.append(thread)
        author = None if offline else rng.choice(users)
        perspective = author.visible_perspectives()[0] if author and author.visible_perspectives() else None
        comment = Comment(thread=thread, author_id=author.id if author else None, body=body,
                          body_html=render_comment(body), visibility=rng.choice(["named", "anonymous", "named"]),
                          perspective=perspective, created_at=at + timedelta(seconds=n))
        db.session.add(comment)
        if offline:
            db.session.flush()
            db.session.add(OfflineEntry(round_id=round_.id, channel=rng.choice(list(OFFLINE_CHANNELS)),
                                        group_name=f"Workshop {rng.randint(1, 8)}",
                                        respondent=f"R{rng.randint(1, 120)}",
                                        perspective=rng.choice(list(PERSPECTIVES)), comment_id=comment.id,
                                        entered_by_id=facilitator.id))
        if rng.random() < 0.7:
            db.session.flush()
            response = writer.sentence()
            db.session.add(Disposition(comment_id=comment.id, round_id=round_.id,
                                       disposition=rng.choice(list(DISPOSITIONS)), response=response,
                                       response_html=render_comment(response),
                                       themes=rng.sample(THEMES, rng.randint(0, 3)), set_by_id=facilitator.id))
    db.session.flush()
    db.session.add_all(ThreadAnchor(thread_id=t.id, revision_number=revision.number, start=t.start, end=t.end,
                                    state="anchored") for t in threads)
    for question in round_.questions:
        for user in rng.sample(users, min(len(users), 80)):
            body = writer.sentence()
            db.session.add(Answer(question_id=question.id, round_id=round_.id, author_id=user.id, body=body,
                                  body_html=render_comment(body), perspective=None))
    db.session.commit()


def race(app, space, users) -> None:
    """50 comments through the API in the last second before a round closes (real clock)."""
    from tests.web.rounds_helpers import race_close

    facilitator = users[0]
    document = documents.create_document(db.session, space, facilitator, "Race", "# Race\n\nTwo hundred homes.\n")
    now = datetime.now(UTC)
    round_ = service.start_round(db.session, document, facilitator,
                                 service.RoundSpec("Race", now - timedelta(minutes=1), now + timedelta(seconds=4)))
    tokens = [issue_token(db.session, user, "bench") for user in users[1:11]]
    closes_at, round_id = lifecycle.aware(round_.closes_at), round_.id
    db.session.commit()
    db.session.close()  # hold no transaction (on SQLite: no write lock) while the posts race
    exact = "Two hundred homes"
    start = "# Race\n\n".__len__()
    results = race_close(app, round_id, (start, start + len(exact), exact), tokens, closes_at, count=50,
                         window=1.0, after=0.0)
    db.session.rollback()
    stored = db.session.scalars(db.select(Comment).join(Thread).where(Thread.round_id == round_id)).all()
    late = [c for c in stored if lifecycle.aware(c.created_at) >= closes_at]
    statuses = {s: sum(1 for r in results if r.status == s) for s in sorted({r.status for r in results})}
    print(f"race: 50 posts in the last second: statuses {statuses}; stored {len(stored)}; "
          f"accepted at or after the close: {len(late)} (must be 0)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (default: SQLite in a temp dir)")
    args = parser.parse_args()
    with bench_app(args.database_url, COMMENT_RATE_PER_MINUTE=100_000) as (app, _url, _folder), app.app_context():
        run(app, args)


def run(app, args) -> None:
    writer = Writer()
    space = create_space(db.session, "bench", "Bench")
    db.session.commit()
    users = people(args.participants, space)
    facilitator = create_user(db.session, "f@example.org", "Facilitator", "correct horse battery")
    set_membership(db.session, space, facilitator.email, "facilitator")
    text = writer.document(100)
    document = documents.create_document(db.session, space, facilitator, "Strategy", text)
    now = datetime.now(UTC)
    spec = service.RoundSpec("Bench round", now - timedelta(days=1), now + timedelta(days=13),
                             questions=(("What matters most?", ""), ("What is missing?", ""), ("Anything else?", "")))
    round_ = service.start_round(db.session, document, facilitator, spec)
    started = time.perf_counter()
    fill(round_, users, facilitator, writer, args.comments)
    for _ in range(3):
        text = writer.revise(text)
        documents.save(db.session, document, facilitator, text, document.head_number)
    print(f"setup: {args.comments} comments from {args.participants} participants, {len(text) // 1024} KB draft, "
          f"{time.perf_counter() - started:.1f} s; database {db.engine.dialect.name}")
    round_id = round_.id
    db.session.commit()

    report = service.report(db.session, service.find_by_id(db.session, round_id, facilitator)[3])
    t = report.tallies
    print(f"report: {t.comments} comments to answer, {t.respondents} respondents, {t.answered} answered, "
          f"{len(t.by_section)} sections, {len(t.by_theme)} themes, "
          f"diff +{report.changes.added}/-{report.changes.removed}")
    line("report (service, data only)", timed(lambda: service.report(db.session, db.session.get(Round, round_id))))

    client = app.test_client()
    token = issue_token(db.session, facilitator, "bench")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client.post("/login", data={"email": facilitator.email, "password": "correct horse battery"})
    base = f"/s/{space.slug}/{document.slug}/rounds/{round_id}"
    for name, path, use_token in [("report JSON (API)", f"/api/v1/rounds/{round_id}/report", True),
                                  ("report JSON (page)", base + "/report.json", False),
                                  ("report HTML", base + "/report", False),
                                  ("report CSV", base + "/report.csv", False),
                                  ("round page (50 threads a page)", base, False),
                                  ("respond page (20 a page)", base + "/respond", False)]:
        def get(path=path, use_token=use_token):
            response = client.get(path, headers=headers if use_token else None)
            assert response.status_code == 200, (path, response.status_code)
            return len(response.data)

        figures = timed(get, repeat=3)
        line(name, figures, f"  {figures[3] / 1024:.0f} KB")
    race(app, space, [facilitator, *users])


if __name__ == "__main__":
    main()
