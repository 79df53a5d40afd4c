"""Benchmark publishing a 200-page strategy (≈500 KB of Markdown) with 3 rounds and 2,000 comments
(issue 8's aim: build the edition in under 1 s). Prints figures, asserts nothing.

Run from the repository root: ``.venv/bin/python bench/publish.py [--size 500] [--comments 2000] [--runs 5]``
(``--database-url postgresql+psycopg://…`` for a throwaway database on that server; SQLite otherwise).

The database holds the document (4 revisions), 300 people (a third agreed to be named) and 3
consultation rounds with published reports, whose 2,000 comments are all answered.

What is measured:
- ``plan``: gathering what the file shows (contributors, comments by perspective, the 3 round
  reports read through wiki/consultations, the revision).
- ``build``: the pure builder (wiki/publishing/edition.py): section numbering, anchors, contents and
  all four appendices ("You said, we did" holds the 2,000 comments). The file's size is printed.
- ``compare``: the change summary between two ≈500 KB revisions (a ~1% edit apart).
- ``publish``: the whole use case through the service (plan, change summary, build, SHA-256, insert),
  for a first edition and for a later one.
- ``serve``: GET /p/<space>/<slug>/ for the stored file (a row read, no building).
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

from _app import bench_app  # noqa: E402 (bench/ is on sys.path when run as a script)
from _corpus import Writer  # noqa: E402 (bench/ is on sys.path when run as a script)

from wiki.auth.models import User  # noqa: E402
from wiki.auth.perspectives import PERSPECTIVES  # noqa: E402
from wiki.comments.models import Comment, Thread  # noqa: E402
from wiki.consultations import service as rounds  # noqa: E402
from wiki.consultations.models import DISPOSITIONS, Disposition  # noqa: E402
from wiki.documents import service as documents  # noqa: E402
from wiki.extensions import db  # noqa: E402
from wiki.publishing import edition, service  # noqa: E402
from wiki.rendering import render_comment  # noqa: E402
from wiki.spaces.service import create_space  # noqa: E402


def timed(fn):
    """(wall ms, cpu ms, result)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = fn()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, result


def line(name: str, samples: list[tuple[float, float]], extra: str = "") -> None:
    walls, cpus = [w for w, _ in samples], [c for _, c in samples]
    print(f"{name:<10} median {statistics.median(walls):7.0f} ms  max {max(walls):7.0f} ms   "
          f"(cpu median {statistics.median(cpus):6.0f} ms)  {extra}")


def seed(writer: Writer, size_kb: int, comments: int):
    """A private space, 300 people (a third agreed to be named), a facilitator, and the document
    consulted on in 3 rounds (a ~1% edit between rounds) with `comments` answered comments between
    them; each round's report is published through the rounds service."""
    rng = writer.rng
    space = create_space(db.session, "strategy", "Strategy", private=True)
    facilitator = User(email="f@example.org", display_name="Facilitator", password_hash="x", is_admin=True)
    people = [User(email=f"p{i}@example.org", display_name=f"Person {i}", password_hash="x",
                   organisation=rng.choice(["", "", "Mind Northfield", "Northfield NHS Trust", "Carers Trust"]),
                   acknowledge_consent=i % 3 == 0, acknowledge_perspectives=i % 2 == 0,
                   perspectives=[rng.choice(list(PERSPECTIVES))], perspectives_consent=True) for i in range(300)]
    db.session.add_all([facilitator, *people])
    db.session.commit()
    text = writer.document(size_kb)
    wall, _, document = timed(lambda: documents.create_document(db.session, space, facilitator, "Strategy", text))
    print(f"document: {len(text.encode()) / 1024:.0f} KB of Markdown, {text.count(chr(10))} lines "
          f"(≈{len(text.split()) / 500:.0f} pages of 500 words); first revision saved in {wall:.0f} ms")
    for number, share in enumerate((0.5, 0.3, 0.2), 1):
        now = datetime.now(UTC)
        round_ = rounds.start_round(db.session, document, facilitator, rounds.RoundSpec(
            f"Consultation {number}", now - timedelta(minutes=1), now + timedelta(days=30)))
        _round_comments(writer, document, round_, text, people, facilitator, int(comments * share))
        rounds.force(db.session, round_, facilitator, "close")
        rounds.force(db.session, round_, facilitator, "publish")
        text = writer.revise(text)
        documents.save(db.session, document, facilitator, text, document.head_number)
    return space, document, facilitator


def _round_comments(writer: Writer, document, round_, text: str, people, facilitator, count: int) -> None:
    """`count` comments on the round's frozen draft, each answered (rows written directly: the
    benchmark measures publishing, not commenting)."""
    rng = writer.rng
    quotes = [line for line in text.split("\n") if len(line) > 40 and not line.startswith(("#", "|", "["))]
    for index in range(count):
        quote = rng.choice(quotes)[:40]
        start = text.index(quote)
        thread = Thread(document_id=document.id, revision_number=round_.revision_number, quote_exact=quote,
                        start=start, end=start + len(quote), anchored_revision=round_.revision_number,
                        round_id=round_.id)
        db.session.add(thread)
        db.session.flush()
        body, response = writer.sentence(), writer.sentence()
        comment = Comment(thread_id=thread.id, author_id=rng.choice(people).id, body=body,
                          body_html=render_comment(body), perspective=rng.choice([None, *PERSPECTIVES]),
                          visibility=rng.choice(["named", "named", "anonymous"]))
        db.session.add(comment)
        db.session.flush()
        db.session.add(Disposition(comment_id=comment.id, round_id=round_.id, response=response,
                                   disposition=rng.choice(list(DISPOSITIONS)), response_html=render_comment(response),
                                   set_by_id=facilitator.id))
        if index % 500 == 499:
            db.session.commit()
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=500, help="Markdown size in KB")
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (else SQLite)")
    args = parser.parse_args()
    with bench_app(args.database_url) as (app, _url, _folder), app.test_request_context():
        run(app, args)


def run(app, args) -> None:
    writer = Writer()
    space, document, facilitator = seed(writer, args.size, args.comments)
    address = lambda n: f"https://wiki.example.org/p/{space.slug}/{document.slug}/{n}/"  # noqa: E731
    wall, cpu, plan = timed(lambda: service.plan(db.session, space, document, None, "First edition.", address))
    source = plan.source
    rows = sum(len(r.you_said) for r in source.rounds)
    print(f"rounds: {len(source.rounds)} published reports with {rows} answered comments; gathering everything "
          f"the file shows took {wall:.0f} ms (cpu {cpu:.0f} ms)")
    samples, size = [], 0
    for _ in range(args.runs):
        wall, cpu, html = timed(lambda: edition.build(source))
        samples.append((wall, cpu))
        size = len(html.encode())
    line("build", samples, f"file {size / 1024:.0f} KB, {len(source.toc)} sections, aim < 1,000 ms")

    first = documents.get_revision(db.session, document, 1)
    second = documents.get_revision(db.session, document, 2)
    samples = [timed(lambda: edition.compare(first.html, first.toc, second.html, second.toc))[:2]
               for _ in range(args.runs)]
    changes = edition.compare(first.html, first.toc, second.html, second.toc)
    line("compare", samples, f"{len(changes.changed)} sections changed, {changes.words_added} words added")

    for number in (2, 4):
        wall, cpu, row = timed(lambda n=number: service.publish(db.session, space, document, facilitator, n, "",
                                                                address))
        print(f"publish  edition {row.number} (revision {number}): {wall:7.0f} ms (cpu {cpu:.0f} ms), "
              f"file {row.size / 1024:.0f} KB{', with the change summary' if row.number > 1 else ''}")

    client = app.test_client()
    path = f"/p/{space.slug}/{document.slug}/"
    samples = [timed(lambda: client.get(path))[:2] for _ in range(args.runs * 4)]
    line("serve", samples, f"GET {path} ({len(client.get(path).data) / 1024:.0f} KB)")


if __name__ == "__main__":
    random.seed(2026)
    main()
