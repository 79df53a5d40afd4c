"""PURE: snippets with the matching words marked, as safe HTML, the same for every backend.

A word is marked when its index term (wiki.search.text) is one the query looked for, so
"prioritise" marks "priorities" exactly as it matched. Text is escaped before any mark is added and
the result goes through the sanitiser (wiki.rendering.sanitize_snippet): a document or comment full
of markup shows it as text in the results, never runs it.

Why not Whoosh's highlighter or PostgreSQL's ts_headline: each re-analyses the text with its own
stemmer (neither knows our British-spelling folding, so they would miss marks), and ts_headline
returns the stored text unescaped.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass

from wiki.rendering import sanitize_snippet
from wiki.search.query import Query
from wiki.search.text import WORD_RE, fold, term

SNIPPET_CHARS = 240
SCAN_CHARS = 50_000  # a snippet is looked for in the first 50 KB (a long document's sections have their own)


@dataclass(frozen=True)
class Marked:
    html: str  # escaped text with <mark> around matching words
    words: tuple[str, ...]  # the words marked, as written (for highlighting on the landing page)


class Matcher:
    """Decides whether a word of the text is one the query matched. A term is a prefix of the word it
    comes from (folded), so a regular expression first finds the words that begin like a searched term,
    in C; only those are turned into terms (cached per word)."""

    def __init__(self, query: Query):
        self.whole, self.prefixes = query.highlight_terms()
        heads = sorted({t[:3] for t in self.whole} | {p[:3] for p in self.prefixes})
        plain = all(h.isascii() for h in heads)  # accents and ß fold to other letters: scan every word
        self.candidates = (re.compile(r"(?<![^\W_])(?:" + "|".join(map(re.escape, heads)) + r")[^\W_]*",
                                      re.IGNORECASE) if heads and plain else WORD_RE)

    def __bool__(self) -> bool:
        return bool(self.whole or self.prefixes)

    def matches(self, word: str) -> bool:
        found = term(word)
        if found is None:
            return False
        if found in self.whole:
            return True
        return bool(self.prefixes) and any(found.startswith(p) or fold(word).startswith(p) for p in self.prefixes)

    def spans(self, text: str) -> list[tuple[int, int]]:
        if not self:
            return []
        return [m.span() for m in self.candidates.finditer(text) if self.matches(m.group())]


def mark(text: str, matcher: Matcher) -> Marked:
    """All of ``text`` with every matching word marked (titles)."""
    return _render(text, matcher.spans(text), 0, len(text))


def snippet(text: str, matcher: Matcher, chars: int = SNIPPET_CHARS) -> Marked:
    """The passage of about ``chars`` characters holding the most distinct matching words, marked."""
    text = text[:SCAN_CHARS]
    spans = matcher.spans(text)
    if len(text) <= chars:
        return _render(text, spans, 0, len(text))
    start = _best_window(text, spans, chars)
    end = min(len(text), start + chars)
    if end < len(text):  # end on a word boundary
        cut = text.rfind(" ", start, end)
        end = cut if cut > start + chars // 2 else end
    return _render(text, [s for s in spans if s[0] >= start and s[1] <= end], start, end)


def _best_window(text: str, spans: list[tuple[int, int]], chars: int) -> int:
    """Where the window starts: a little before the matching word that begins the window with the
    most distinct matching words (one pass with two pointers: documents can be long)."""
    if not spans:
        return 0
    lead = chars // 5
    found = [text[a:b].casefold() for a, b in spans]
    counts: Counter[str] = Counter()
    best, best_score, j = spans[0][0], 0, 0
    for i, (s, _) in enumerate(spans):
        while j < len(spans) and (j <= i or spans[j][1] <= s - lead + chars):
            counts[found[j]] += 1
            j += 1
        if len(counts) > best_score:
            best, best_score = s, len(counts)
        counts[found[i]] -= 1
        if not counts[found[i]]:
            del counts[found[i]]
    start = max(0, best - lead)
    if start:
        space = text.find(" ", start, best)
        start = space + 1 if space >= 0 else start
    return start


def _render(text: str, spans: list[tuple[int, int]], start: int, end: int) -> Marked:
    parts, at, found = ["…" if start > 0 else ""], start, []
    for s, e in spans:
        parts += [html.escape(text[at:s]), "<mark>", html.escape(text[s:e]), "</mark>"]
        found.append(text[s:e])
        at = e
    parts += [html.escape(text[at:end]), "…" if end < len(text) else ""]
    body = " ".join("".join(parts).split("\n")).strip()
    return Marked(sanitize_snippet(body), tuple(dict.fromkeys(found)))
