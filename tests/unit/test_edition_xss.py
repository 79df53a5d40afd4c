"""The XSS corpus is inert in every part of an edition file: title, space title, text, the
publisher's note, names and organisations, perspective labels, round titles, comments and responses
in "You said, we did", and section titles in "What changed".

One edition per corpus file carries every payload in every part at once (a build per payload would
take minutes); the whole file is then read as a browser tokenises it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.edition_html import parse
from tests.unit.test_xss_corpus import CORPUS_FILES, audit
from wiki.publishing import edition
from wiki.publishing.provenance import (
    Contributor,
    Drafting,
    PerspectiveCount,
    RoundSummary,
    YouSaidRow,
    group_contributors,
)
from wiki.rendering import render_comment, render_document

WHEN = datetime(2026, 11, 23, 12, tzinfo=UTC)
HEAD_TAGS = {"meta": 6, "style": 1, "title": 1}  # what the file's own head holds, and nothing more


def _payloads(corpus) -> list[str]:
    return [line for line in corpus.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]


def _contexts(payload: str, n: int) -> str:
    """Where the text of an edition carries user text: headings (and so the contents), paragraphs,
    links, images (turned into links), footnotes and tables. (Every Markdown context of the
    renderer itself is covered by test_xss_corpus.py.)"""
    return (f"## {payload}\n\n{payload}\n\n[x]({payload}) ![{payload}]({payload}) text[^n{n}]\n\n"
            f"| a |\n|---|\n| {payload} |\n\n[^n{n}]: {payload}")


def _edition_full_of(payloads: list[str]) -> str:
    joined = " | ".join(payloads)
    body = "\n\n".join(_contexts(p, n) for n, p in enumerate(payloads))
    rendered, old = render_document(body), render_document("## Old\n\n" + "\n\n".join(f"## {p}" for p in payloads[::2]))
    toc = tuple((e.level, e.id, e.title) for e in rendered.toc)
    old_toc = tuple((e.level, e.id, e.title) for e in old.toc)
    people = [Contributor(p, p if i % 2 else "", (p,)) for i, p in enumerate(payloads)]
    rows = tuple(YouSaidRow(p, p, render_comment(p), p, p, render_comment(p), p) for p in payloads)
    counts = tuple(PerspectiveCount(p, 3, 7) for p in payloads[:50])
    return edition.build(edition.EditionSource(
        number=2, title=joined, space_title=joined, published_at=WHEN, revision_number=3,
        revision_sha256=edition.revision_sha256(body), revision_html=rendered.html, toc=toc,
        url="https://wiki.example.org/p/s/d/2/", notes_html=render_comment("\n\n".join(payloads)),
        previous=edition.PreviousEdition(1, WHEN, 2, "https://wiki.example.org/p/s/d/1/"),
        changes=edition.compare(old.html, old_toc, rendered.html, toc, joined, joined + "!"),
        acknowledgements=group_contributors(people, payloads[:5]),
        drafting=Drafting(3, 2, WHEN, WHEN, 9, 4, counts),
        rounds=(RoundSummary(joined, WHEN, WHEN, 5, 9, counts, rows),),
    ))


@pytest.mark.skipif(not CORPUS_FILES, reason="XSS corpus not found")
@pytest.mark.parametrize("corpus", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_is_inert_in_every_part_of_the_file(corpus):
    document = _edition_full_of(_payloads(corpus))
    head, body = document.split("</head>", 1)
    assert "<script" not in document.lower()
    assert audit(body) == []  # no dangerous tag (meta, style…), handler, style attribute or script URL
    in_head = [e.tag for e in parse(head).elements if "head" in e.parents]
    assert {tag: in_head.count(tag) for tag in set(in_head)} == HEAD_TAGS
