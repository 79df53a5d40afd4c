"""The search benchmark's corpus, written straight into the database (bulk inserts, no services):
spaces (some private), members, documents of ~2 KB with headings, and comment threads whose comments
mix named / anonymous / facilitators-only and published / pending / hidden / withdrawn, so queries
run with real permission filtering. Deterministic (``Writer`` from bench/_corpus.py, fixed seeds).

Words follow Zipf's law over a vocabulary of 20,000 made-up words (plus common English function
words), as natural language does: a few content words are in most documents, most are in few. (The
shared ``Writer`` of bench/_corpus.py has ~1,500 words, the commonest in every paragraph: fine for
diffs, unlike any real text for search.) Documents get hand-made HTML of the shape wiki.rendering
produces (heading ids, data-block ids): rendering 10,000 documents would measure Markdown, not search.
"""

from __future__ import annotations

import html
import itertools
import random
import re
from dataclasses import dataclass, field

from _corpus import FUNCTION_WORDS
from sqlalchemy import insert, select

from wiki.auth.models import User
from wiki.comments.models import Comment, Thread
from wiki.documents.models import Document, Revision
from wiki.extensions import db
from wiki.spaces.models import Membership, Space
from wiki.timeutil import utcnow

SPACES, PRIVATE_SPACES, USERS = 20, 4, 200
CHUNK = 5000
VOCABULARY = 20_000
SYLLABLES = tuple(c + v for c in "bdfgklmnprstvz" for v in "aeiou")


class Writer:
    """Zipf-distributed prose: ``words[r]`` has frequency ∝ 1 / (r + 1); 40 % function words."""

    def __init__(self, seed: int):
        self.rng = rng = random.Random(seed)
        found: dict[str, None] = {}
        while len(found) < VOCABULARY:
            found["".join(rng.choices(SYLLABLES, k=rng.randint(2, 5)))] = None
        self.words = list(found)
        self.weights = list(itertools.accumulate(1 / (r + 1) for r in range(VOCABULARY)))
        self.function = FUNCTION_WORDS.split()

    def sentence(self, n: int | None = None) -> str:
        n = n or self.rng.randint(8, 20)
        content = self.rng.choices(self.words, cum_weights=self.weights, k=n)
        out = [w if self.rng.random() > 0.4 else self.rng.choice(self.function) for w in content]
        return " ".join(out).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(3, 6)))


@dataclass
class Corpus:
    spaces: list[int] = field(default_factory=list)
    private: list[int] = field(default_factory=list)
    users: list[int] = field(default_factory=list)
    documents: list[int] = field(default_factory=list)
    threads: list[int] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)  # a sample, for realistic queries
    roles: dict = field(default_factory=dict)  # user id → {space id: role}
    words: list[str] = field(default_factory=list)  # the vocabulary, commonest first


def _bulk(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(insert(model), rows[start:start + CHUNK])
    db.session.commit()


def _document(writer: Writer, rng: random.Random, number: int) -> tuple[str, str, str, list]:
    """(title, Markdown, HTML, toc) of a ~2 KB document with four sections."""
    title = writer.sentence(rng.randint(3, 6))[:-1]
    lead = writer.paragraph()
    md, parts, toc = [lead], [f'<p data-block="b-{number:08x}">{html.escape(lead)}</p>'], []
    for i in range(4):
        heading = writer.sentence(rng.randint(2, 4))[:-1]
        anchor = f"{re.sub(r'[^a-z0-9]+', '-', heading.lower()).strip('-') or 'section'}-{i}"
        body = writer.paragraph()
        md += [f"## {heading}", body]
        parts += [f'<h2 id="{anchor}" data-block="b-{number:06x}{i:02x}">{html.escape(heading)}</h2>',
                  f'<p data-block="b-{number:06x}{i + 10:02x}">{html.escape(body)}</p>']
        toc.append([2, anchor, heading])
    while sum(map(len, md)) < 1900:
        extra = writer.paragraph()
        md.append(extra)
        parts.append(f'<p data-block="b-{number:05x}{rng.randrange(4096):03x}">{html.escape(extra)}</p>')
    return title, "\n\n".join(md) + "\n", "\n".join(parts), toc


def build(documents: int, comments: int, seed: int = 7) -> Corpus:
    rng, writer, corpus, now = random.Random(seed), Writer(seed), Corpus(), utcnow()
    corpus.words = writer.words
    _bulk(User, [dict(email=f"u{i}@example.org", display_name=f"Person {i}", password_hash="-", created_at=now)
                 for i in range(USERS)])
    corpus.users = list(db.session.scalars(select(User.id).order_by(User.id)))
    _bulk(Space, [dict(slug=f"space-{i}", title=f"Space {i}", is_private=i < PRIVATE_SPACES, created_at=now)
                  for i in range(SPACES)])
    corpus.spaces = list(db.session.scalars(select(Space.id).order_by(Space.id)))
    corpus.private = corpus.spaces[:PRIVATE_SPACES]
    members = []
    for user in corpus.users:
        for space in rng.sample(corpus.spaces, 3):
            role = rng.choice(["contributor", "contributor", "editor", "facilitator"])
            corpus.roles.setdefault(user, {})[space] = role
            members.append(dict(space_id=space, user_id=user, role=role, created_at=now))
    _bulk(Membership, members)
    docs, revisions = [], []
    for n in range(documents):
        title, md, page, toc = _document(writer, rng, n)
        docs.append(dict(space_id=rng.choice(corpus.spaces), slug=f"doc-{n}", title=title, status="draft",
                         head_number=1, created_at=now, updated_at=now))
        revisions.append(dict(number=1, title=title, text=md, html=page, toc=toc, summary="", size=len(md),
                              created_at=now))
        if n % 50 == 0:
            corpus.paragraphs.append(md)
    _bulk(Document, docs)
    corpus.documents = list(db.session.scalars(select(Document.id).order_by(Document.id)))
    _bulk(Revision, [dict(r, document_id=d) for r, d in zip(revisions, corpus.documents, strict=True)])
    _comments(corpus, writer, rng, comments, now)
    return corpus


def _comments(corpus: Corpus, writer: Writer, rng: random.Random, count: int, now) -> None:
    threads = [dict(document_id=rng.choice(corpus.documents), revision_number=1, quote_exact="x", start=0, end=1,
                    anchored_revision=1, section="", status=rng.choice(["open", "open", "resolved"]),
                    created_at=now) for _ in range(max(1, count // 2))]
    _bulk(Thread, threads)
    corpus.threads = list(db.session.scalars(select(Thread.id).order_by(Thread.id)))
    rows = []
    for i in range(count):
        body = " ".join(writer.sentence() for _ in range(rng.randint(1, 2)))
        state = rng.choices(["published", "pending", "hidden", "withdrawn"], [92, 3, 3, 2])[0]
        visibility = rng.choices(["named", "anonymous", "facilitators"], [80, 15, 5])[0]
        if state == "withdrawn":
            body = ""
        rows.append(dict(thread_id=corpus.threads[i % len(corpus.threads)], author_id=rng.choice(corpus.users),
                         body=body, body_html=f"<p>{html.escape(body)}</p>" if body else "", visibility=visibility,
                         state=state, hidden_reason="spam" if state == "hidden" else "", created_at=now))
        if i % 500 == 0 and body:
            corpus.paragraphs.append(body)
    _bulk(Comment, rows)
