"""Benchmark publishing a 200-page strategy (≈500 KB of Markdown) with 3 rounds and 2,000 comments
(issue 8's aim: build the edition in under 1 s). Prints figures, asserts nothing.

Run from the repository root: ``.venv/bin/python bench/publish.py [--size 500] [--comments 2000] [--runs 5]``
(``--database-url postgresql+psycopg://…`` for a throwaway database on that server; SQLite otherwise).

What is measured:
- ``build``: the pure builder (wiki/publishing/edition.py) on the stored revision: section numbering,
  anchors, contents, all four appendices including 3 rounds whose "You said, we did" tables hold
  2,000 answered comments between them, and the change summary's layout. The file's size is printed.
- ``compare``: the change summary between two ≈500 KB revisions (a ~1% edit apart).
- ``publish``: the whole use case through the service on a real database holding the document, 2
  revisions, 300 people (a third agreed to be named) and 2,000 comments: every query (contributors,
  comment counts by perspective), the change summary, the build, the SHA-256 and the insert.
- ``serve``: GET /p/<space>/<slug>/ for the stored file (a row read, no building).

Consultation rounds (issue 6) are not in this code base yet: the rounds in ``build`` are RoundSummary
values made here, as wiki/consultations' published reports will hand them over; ``publish`` reads no
round (the service's round source returns none until that feature lands).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _corpus import Writer  # noqa: E402 (bench/ is on sys.path when run as a script)

from wiki import create_app  # noqa: E402 (needs the sys.path line above)
from wiki.auth.models import User  # noqa: E402
from wiki.auth.perspectives import PERSPECTIVES  # noqa: E402
from wiki.comments.models import Comment, Thread  # noqa: E402
from wiki.documents import service as documents  # noqa: E402
from wiki.extensions import db  # noqa: E402
from wiki.publishing import edition, service  # noqa: E402
from wiki.publishing.provenance import PerspectiveCount, RoundSummary, YouSaidRow  # noqa: E402
from wiki.rendering import render_comment  # noqa: E402
from wiki.spaces.service import create_space  # noqa: E402

DISPOSITIONS = ("Accepted", "Partly accepted", "Not taken forward", "Noted", "Out of scope")


def timed(fn):
    """(wall ms, cpu ms, result)."""
    wall, cpu = time.perf_counter(), time.thread_time()
    result = fn()
    return (time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000, result


def line(name: str, samples: list[tuple[float, float]], extra: str = "") -> None:
    walls, cpus = [w for w, _ in samples], [c for _, c in samples]
    print(f"{name:<10} median {statistics.median(walls):7.0f} ms  max {max(walls):7.0f} ms   "
          f"(cpu median {statistics.median(cpus):6.0f} ms)  {extra}")


def rounds(writer: Writer, sections: list[str], comments: int) -> tuple[RoundSummary, ...]:
    """Three rounds with `comments` answered comments between them, as published reports give them."""
    rng, out = writer.rng, []
    for number, share in enumerate((0.5, 0.3, 0.2), 1):
        count = int(comments * share)
        rows = tuple(YouSaidRow(
            section=rng.choice(sections), quote=writer.sentence(6),
            comment_html=render_comment(writer.paragraph()), who=rng.choice(list(PERSPECTIVES.values())) + ", online",
            disposition=rng.choice(DISPOSITIONS), response_html=render_comment(writer.sentence()),
            change=f"Revision {rng.randint(2, 40)}") for _ in range(count))
        by_perspective = tuple(PerspectiveCount(label, rng.randint(1, 80), rng.randint(1, 300))
                               for label in PERSPECTIVES.values())
        start = datetime(2026, 1 + 3 * number, 1, tzinfo=UTC)
        out.append(RoundSummary(f"Round {number}", start, start + timedelta(days=42), count // 4, count,
                                by_perspective, rows))
    return tuple(out)


def seed(writer: Writer, size_kb: int, comments: int):
    """The document (2 revisions ~1% apart), 300 people and `comments` comments on the first revision."""
    rng = writer.rng
    space = create_space(db.session, "strategy", "Strategy", private=True)
    people = [User(email=f"p{i}@example.org", display_name=f"Person {i}", password_hash="x",
                   organisation=rng.choice(["", "", "Mind Northfield", "Northfield NHS Trust", "Carers Trust"]),
                   acknowledge_consent=i % 3 == 0, acknowledge_perspectives=i % 2 == 0,
                   perspectives=[rng.choice(list(PERSPECTIVES))], perspectives_consent=True) for i in range(300)]
    db.session.add_all(people)
    db.session.commit()
    text = writer.document(size_kb)
    wall, _, document = timed(lambda: documents.create_document(db.session, space, people[0], "Strategy", text))
    print(f"document: {len(text.encode()) / 1024:.0f} KB of Markdown, {text.count(chr(10))} lines "
          f"(≈{len(text.split()) / 500:.0f} pages of 500 words); first revision saved in {wall:.0f} ms")
    quotes = [line for line in text.split("\n") if len(line) > 40 and not line.startswith(("#", "|", "["))]
    for index in range(comments):
        quote = rng.choice(quotes)[:40]
        start = text.index(quote)
        thread = Thread(document_id=document.id, revision_number=1, quote_exact=quote, start=start,
                        end=start + len(quote), anchored_revision=1)
        db.session.add(thread)
        db.session.flush()
        author = rng.choice(people)
        body = writer.sentence()
        db.session.add(Comment(thread_id=thread.id, author_id=author.id, body=body, body_html=render_comment(body),
                               perspective=rng.choice([None, *PERSPECTIVES]), visibility="named"))
        if index % 500 == 499:
            db.session.commit()
    db.session.commit()
    documents.save(db.session, document, people[1], writer.revise(text), 1)
    return space, document, people


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=500, help="Markdown size in KB")
    parser.add_argument("--comments", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database-url", default=None, help="PostgreSQL server URL (else SQLite)")
    args = parser.parse_args()
    from tests.throwaway import database_url

    with tempfile.TemporaryDirectory() as tmp, database_url(args.database_url, tmp) as url:
        os.environ["WIKI_INSTANCE_PATH"] = f"{tmp}/instance"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        with app.app_context(), app.test_request_context():
            db.create_all()
            run(app, args)
            db.session.remove()
            db.engine.dispose()


def run(app, args) -> None:
    writer = Writer()
    space, document, people = seed(writer, args.size, args.comments)
    address = lambda n: f"https://wiki.example.org/p/{space.slug}/{document.slug}/{n}/"  # noqa: E731
    plan = service.plan(db.session, space, document, 1, "First edition.", address)
    headings = [title for _, _, title in plan.source.toc]
    source = plan.source.__class__(**{**plan.source.__dict__, "rounds": rounds(writer, headings, args.comments)})
    print(f"comments: {args.comments} in the database; 3 rounds with {sum(len(r.you_said) for r in source.rounds)} "
          f"answered comments in their reports (made here: rounds are not built yet)")
    samples, size = [], 0
    for _ in range(args.runs):
        wall, cpu, html = timed(lambda: edition.build(source))
        samples.append((wall, cpu))
        size = len(html.encode())
    line("build", samples, f"file {size / 1024:.0f} KB, {len(plan.source.toc)} sections, aim < 1,000 ms")

    first = documents.get_revision(db.session, document, 1)
    second = documents.get_revision(db.session, document, 2)
    samples = [timed(lambda: edition.compare(first.html, first.toc, second.html, second.toc))[:2]
               for _ in range(args.runs)]
    changes = edition.compare(first.html, first.toc, second.html, second.toc)
    line("compare", samples, f"{len(changes.changed)} sections changed, {changes.words_added} words added")

    samples = []
    for number in (1, 2):
        wall, cpu, row = timed(lambda n=number: service.publish(db.session, space, document, people[0], n, "", address))
        samples.append((wall, cpu))
        print(f"publish  edition {row.number}: {wall:7.0f} ms (cpu {cpu:.0f} ms), file {row.size / 1024:.0f} KB"
              f"{', with the change summary' if number == 2 else ''}; no rounds read (not built yet)")

    client = app.test_client()
    path = f"/p/{space.slug}/{document.slug}/"
    samples = [timed(lambda: client.get(path))[:2] for _ in range(args.runs * 4)]
    line("serve", samples, f"GET {path} ({len(client.get(path).data) / 1024:.0f} KB)")


if __name__ == "__main__":
    random.seed(2026)
    main()
