"""Comment anchors that survive editing (DESIGN §3) — PURE: stdlib + diff_match_patch + revisions.

A thread stores the quote it was made on (``exact`` plus ~32 characters of ``prefix``/``suffix``, a
W3C TextQuoteSelector) and its position (a TextPositionSelector). Offsets are code points into the
Markdown source (Python ``str`` indices), as everywhere in ``wiki.documents``.

After an edit, ``reanchor`` moves every thread onto the new text, cheapest evidence first:

1. Fast path: map the old position through the edit's diff (``PositionMap``, O(log n)); if the
   mapped span still reads the quote, done. After a small edit almost every thread stops here, so a
   whole document costs one diff plus O(threads · log n) — no search, no ``match_main``.
2. The exact quote elsewhere (near the mapped position first, then the whole text): a moved passage.
   Candidates are scored like Hypothesis does: quote 50, prefix 20, suffix 20, position 2.
3. The passage edited in place: the span the diff maps it to, scored by how much the diff kept.
4. diff-match-patch ``match_main`` (bitap) around that span: the diff may show a whole sentence
   replaced although the quoted part of it barely changed.

A placement needs a score threshold and enough matching characters (a short phrase that merely
recurs elsewhere is no proof the passage survived). A thread that cannot be placed is orphaned — kept
with its quote and a position clamped to the text, never dropped. An orphan re-attaches only when
its exact quote reappears with its context (a cheap search).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from diff_match_patch import diff_match_patch

from wiki.documents.revisions import DELETE, EQUAL, INSERT, diff

__all__ = ["ANCHORED", "CONTEXT", "ORPHANED", "Anchor", "PositionMap", "Quote", "anchor_all", "make_quote", "reanchor",
           "verify"]  # fmt: skip

CONTEXT = 32  # characters of prefix / suffix stored with a quote
ANCHORED, ORPHANED = "anchored", "orphaned"

# Hypothesis' weights (quote, prefix, suffix, position): the quote dominates, context decides between
# equal quotes, position only breaks ties.
_WEIGHTS = (50, 20, 20, 2)
_THRESHOLD = 0.55  # share of the maximum score a placement needs
_STRONG = 0.8  # an exact hit scoring this well is taken without trying fuzzy placements
_QUOTE_MIN = 0.6  # a passage less similar than this to its quote was rewritten beyond recognition
_EVIDENCE = 32  # matching characters (quote + context) needed: a recurring short phrase is no proof
_ORPHAN_CONTEXT = 0.5  # mean prefix/suffix match an orphan needs to re-attach
_WINDOW = 256  # characters either side of the mapped span searched first for the exact quote
_MAX_HITS = 1000  # exact occurrences scored per search (a very short quote occurs everywhere)
_BITS = 32  # diff-match-patch's Match_MaxBits: the longest pattern match_main accepts
_REACH = (64, 256)  # bitap search reach either side of the expected span: (min, max) characters
_MATCH_THRESHOLD = 0.4  # bitap: errors / length + distance / Match_Distance above this is no match
_FIT_TIMEOUT = 0.05  # seconds: only a huge, much changed quote could need it (its end is then rougher)
_KEPT_ENOUGH = 0.8  # an in-place span the diff kept this much of needs no bitap to improve on it


@dataclass(frozen=True)
class Quote:
    """TextQuoteSelector: the selected text and up to ``CONTEXT`` characters either side."""

    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass(frozen=True)
class Anchor:
    """A thread's place. Anchored: ``text[start:end] == quote.exact``. Orphaned: the last known
    position clamped to the text, and the quote the thread had when it lost its passage."""

    start: int
    end: int
    quote: Quote
    state: str = ANCHORED


def make_quote(text: str, start: int, end: int) -> Quote:
    """The quote selector for ``text[start:end]``; ValueError on a bad range or empty selection."""
    _check_range(text, start, end)
    return Quote(text[start:end], text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT])


def verify(text: str, start: int, end: int, quote: Quote) -> bool:
    """Does (start, end) select ``quote.exact`` in ``text``? What the API checks before accepting a
    comment (else 422). Context may be shorter than ours (clients send what they have) but must be
    the real text just before / after the selection."""
    try:
        _check_range(text, start, end)
    except ValueError:
        return False
    return (
        end - start == len(quote.exact)
        and text.startswith(quote.exact, start)
        and text.endswith(quote.prefix, 0, start)
        and text.startswith(quote.suffix, end)
    )


def _check_range(text: str, start: int, end: int) -> None:
    if not all(type(x) is int for x in (start, end)):  # bool is an int, but never a position
        raise ValueError("positions must be integers")
    if not 0 <= start < end <= len(text):
        raise ValueError(f"bad selection {start}..{end} of a {len(text)}-character text")


class PositionMap:
    """Maps old code-point offsets to new ones through one diff (old → new) in O(log n).

    Only the equal runs are kept (old start, new start, length); everything between two runs was
    changed. Built once per edit and shared by all threads of the document."""

    def __init__(self, ops: Iterable[tuple[int, str]]) -> None:
        self._old, self._new, self._len = [], [], []  # per equal run: old start, new start, length
        a = b = 0
        for op, text in ops:
            n = len(text)
            if op == EQUAL and n:
                if self._old and self._old[-1] + self._len[-1] == a and self._new[-1] + self._len[-1] == b:
                    self._len[-1] += n
                else:
                    self._old.append(a)
                    self._new.append(b)
                    self._len.append(n)
            a += n if op in (EQUAL, DELETE) else 0
            b += n if op in (EQUAL, INSERT) else 0
        self.old_length, self.new_length = a, b

    def map(self, pos: int, bias: str = "left") -> int:
        """New offset of old gap ``pos``. ``left`` sticks to the character before it: text inserted
        at the gap ends up after the result; ``right`` to the character after it: inserted text
        ends up before. A gap inside deleted text maps to the start (left) / end (right) of what
        replaced it."""
        if not 0 <= pos <= self.old_length:
            raise ValueError(f"position {pos} outside 0..{self.old_length}")
        if bias == "left":
            i = bisect_left(self._old, pos) - 1  # the last run starting before pos
            return self._new[i] + min(pos - self._old[i], self._len[i]) if i >= 0 else 0
        if bias == "right":
            i = bisect_right(self._old, pos) - 1  # the last run starting at or before pos
            if i >= 0 and pos < self._old[i] + self._len[i]:
                return self._new[i] + pos - self._old[i]
            return self._new[i + 1] if i + 1 < len(self._old) else self.new_length
        raise ValueError(f"bias must be 'left' or 'right', not {bias!r}")

    def span(self, start: int, end: int, trim: bool = False) -> tuple[int, int]:
        """Where the old span [start, end) lies in the new text, edits inside it included. An end
        inside a replacement lands at the proportional point of what replaced it (a best guess of
        where the passage would be). ``trim``: a replacement straddling an end is left out, one
        starting (ending) exactly there kept — only what survived of the passage, no more."""
        if trim and end > start:
            include_head = not self._kept(start) and (start == 0 or self._kept(start - 1))
            include_tail = not self._kept(end - 1) and (end == self.old_length or self._kept(end))
            new_start = self.map(start, "left" if include_head else "right")
            return new_start, max(new_start, self.map(end, "right" if include_tail else "left"))
        new_start = self.map(start, "right") if self._kept(start) else self._scaled(start, start)
        if end <= start:
            return new_start, new_start
        new_end = self.map(end, "left") if self._kept(end - 1) else self._scaled(end, end - 1)
        return new_start, max(new_start, new_end)

    def kept(self, start: int, end: int) -> int:
        """How many characters of old [start, end) survive unchanged: the diff's own measure of how
        much of a quoted passage is left (O(log n + runs inside the span))."""
        i, total = max(0, bisect_right(self._old, start) - 1), 0
        while i < len(self._old) and self._old[i] < end:
            total += max(0, min(end, self._old[i] + self._len[i]) - max(start, self._old[i]))
            i += 1
        return total

    def _kept(self, char: int) -> bool:
        i = bisect_right(self._old, char) - 1
        return i >= 0 and char < self._old[i] + self._len[i]

    def _scaled(self, pos: int, char: int) -> int:
        """``pos`` inside the changed region holding deleted ``char``, scaled to the region's new size."""
        i = bisect_right(self._old, char) - 1
        old_lo, new_lo = (self._old[i] + self._len[i], self._new[i] + self._len[i]) if i >= 0 else (0, 0)
        last = i + 1 >= len(self._old)
        old_hi = self.old_length if last else self._old[i + 1]
        new_hi = self.new_length if last else self._new[i + 1]
        if old_hi <= old_lo:
            return new_lo
        return new_lo + round((min(pos, old_hi) - old_lo) * (new_hi - new_lo) / (old_hi - old_lo))


class _Candidate(NamedTuple):
    score: float  # weighted and normalised to 0..1
    start: int
    end: int
    quote: float  # quote similarity 0..1
    context: float  # mean of prefix and suffix similarity
    evidence: float  # matching characters: quote, prefix and suffix together


class _Edit(NamedTuple):
    old: str
    new: str
    positions: PositionMap


def reanchor(old_text: str, new_text: str, anchors: Sequence[Anchor], ops: list | None = None) -> list[Anchor]:
    """Place each anchor (made on ``old_text``) on ``new_text``, in order, one result per anchor.
    ``ops`` is ``revisions.diff(old_text, new_text)``; computed here once for all anchors if not
    given. Placed anchors get a fresh quote read from the new text, so the next edit starts from
    the current state; orphans keep the quote they had. An anchored input should carry the quote
    its position reads in ``old_text`` (``make_quote(old_text, start, end)``): with any other quote
    the position is taken as stale and the quote searched for, not followed through the diff."""
    if ops is None:
        ops = diff(old_text, new_text)
    edit = _Edit(old_text, new_text, PositionMap(ops))
    if (edit.positions.old_length, edit.positions.new_length) != (len(old_text), len(new_text)):
        raise ValueError("ops do not turn old_text into new_text")
    return [_place(edit, anchor) for anchor in anchors]


def anchor_all(text: str, anchors: Sequence[Anchor]) -> list[Anchor]:
    """Check anchors against a text without an edit to map through (say, positions read back from
    storage): each that no longer reads its quote is searched for, or orphaned."""
    return reanchor(text, text, anchors, [(EQUAL, text)] if text else [])


def _place(edit: _Edit, anchor: Anchor) -> Anchor:
    """One anchor's new place: the fast path, else the search, else orphaned."""
    quote, n = anchor.quote, len(edit.old)
    start = min(max(anchor.start, 0), n)
    end = min(max(anchor.end, start), n)
    if not quote.exact:
        return _orphan(edit, anchor, start, end)
    if anchor.state == ORPHANED:
        hint = edit.positions.map(start, "right")
        found = _exact(edit.new, quote, hint, orphan=True)
        return _anchored(edit.new, anchor, found.start, found.end) if found else _orphan(edit, anchor, start, end)
    new_start, new_end = edit.positions.map(start, "right"), edit.positions.map(end, "left")
    if new_end - new_start == len(quote.exact) and edit.new.startswith(quote.exact, new_start):
        return _anchored(edit.new, anchor, new_start, new_end)
    found = _relocate(edit, quote, start, end, new_start)
    return _anchored(edit.new, anchor, found.start, found.end) if found else _orphan(edit, anchor, start, end)


def _anchored(text: str, anchor: Anchor, start: int, end: int) -> Anchor:
    """The anchor at [start, end) of ``text`` with its quote refreshed; the same object when
    nothing changed (the common case after a small edit elsewhere)."""
    q = anchor.quote
    prefix, suffix = text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT]
    exact = q.exact if end - start == len(q.exact) and text.startswith(q.exact, start) else text[start:end]
    same = (start, end, exact, prefix, suffix, anchor.state)
    if same == (anchor.start, anchor.end, q.exact, q.prefix, q.suffix, ANCHORED):
        return anchor
    return Anchor(start, end, Quote(exact, prefix, suffix), ANCHORED)


def _orphan(edit: _Edit, anchor: Anchor, start: int, end: int) -> Anchor:
    """Orphaned where its passage was (mapped forward, so it stays near there), quote unchanged."""
    new_start, new_end = edit.positions.span(start, end)
    if anchor.state == ORPHANED and (new_start, new_end) == (anchor.start, anchor.end):
        return anchor
    return Anchor(new_start, new_end, anchor.quote, ORPHANED)


def _relocate(edit: _Edit, quote: Quote, start: int, end: int, hint: int) -> _Candidate | None:
    """Search for a passage whose fast path failed: the exact quote, the passage edited in place,
    then bitap. Fuzzy placements are tried only when no exact hit is convincing on its own."""
    best = _exact(edit.new, quote, hint, orphan=False)
    if best is None or best.score < _STRONG:
        in_place = _in_place(edit, quote, start, end)
        best = _better(best, in_place)
        if (best is None or best.score < _STRONG) and (in_place is None or in_place.quote < _KEPT_ENOUGH):
            best = _better(best, _bitap(edit, quote, start, end))
    return best if _acceptable(best, quote, orphan=False) else None


def _exact(text: str, quote: Quote, hint: int, orphan: bool) -> _Candidate | None:
    """The best exact occurrence of the quote: near ``hint`` if one there is convincing, else in
    the whole text. str.find runs at C speed, so even the whole-text pass stays cheap."""
    lo, hi = max(0, hint - _WINDOW), min(len(text), hint + len(quote.exact) + _WINDOW)
    best = _best_hit(text, quote, hint, lo, hi)
    if _acceptable(best, quote, orphan) and best.score >= _STRONG:
        return best
    best = _better(best, _best_hit(text, quote, hint, 0, len(text)))
    return best if _acceptable(best, quote, orphan) else None


def _best_hit(text: str, quote: Quote, hint: int, lo: int, hi: int) -> _Candidate | None:
    best, count, n = None, 0, len(quote.exact)
    i = text.find(quote.exact, lo, hi)
    while i != -1 and count < _MAX_HITS:
        best = _better(best, _candidate(text, quote, i, i + n, 1.0, hint))
        count += 1
        i = text.find(quote.exact, i + 1, hi)
    return best


def _in_place(edit: _Edit, quote: Quote, start: int, end: int) -> _Candidate | None:
    """What survived of the passage where the diff maps it, scored by the share the diff kept (only
    when the stored position did select the quote in the old text). Text inserted inside is not held
    against it: the span grows, as it does when that text is typed live, a keystroke at a time."""
    new_start, new_end = edit.positions.span(start, end, trim=True)
    if new_end <= new_start or end - start != len(quote.exact) or not edit.old.startswith(quote.exact, start):
        return None
    similarity = edit.positions.kept(start, end) / (end - start)
    return _candidate(edit.new, quote, new_start, new_end, similarity, new_start)


def _bitap(edit: _Edit, quote: Quote, start: int, end: int) -> _Candidate | None:
    """diff-match-patch ``match_main`` near where the diff puts the passage. Patterns are limited
    to 32 characters, so a longer quote is matched by its head and its tail, which must lie about
    the quote's length apart. The text is cut to a window first: bitap allocates per text length."""
    exact, text = quote.exact, edit.new
    new_start, new_end = edit.positions.span(start, end)
    reach = min(max(_REACH[0], 32 + len(exact) // 2), _REACH[1])
    lo, hi = max(0, new_start - reach), min(len(text), max(new_end, new_start + len(exact)) + reach)
    window = text[lo:hi]
    if not _shares_text(exact, window):
        return None
    matcher = diff_match_patch()
    matcher.Match_Threshold, matcher.Match_Distance = _MATCH_THRESHOLD, 2 * reach
    matcher.Diff_Timeout = _FIT_TIMEOUT
    head = matcher.match_main(window, exact[:_BITS], new_start - lo)
    if head < 0:
        return None
    tail_end = head + len(exact)
    if len(exact) > _BITS:
        tail = matcher.match_main(window, exact[-_BITS:], head + len(exact) - _BITS)
        if tail < 0 or abs(tail + _BITS - head - len(exact)) > len(exact) // 4:
            return None
        tail_end = tail + _BITS
    return _fitted(matcher, text, quote, lo + head, lo + tail_end, new_start)


def _fitted(matcher: diff_match_patch, text: str, quote: Quote, start: int, end: int, hint: int) -> _Candidate | None:
    """Candidate from a bitap hit: its end refined by a character diff of the quote against the
    text there (bitap finds where a match starts, not how long it became), scored by Levenshtein
    distance like Hypothesis (shared characters would flatter unrelated prose: ~50% of them match)."""
    exact = quote.exact
    piece = text[start : min(len(text), end + max(8, len(exact) // 8))]
    end = start + PositionMap(matcher.diff_main(exact, piece, False)).map(len(exact), "left")
    if end <= start:
        return None
    distance = matcher.diff_levenshtein(matcher.diff_main(exact, text[start:end], False))
    return _candidate(text, quote, start, end, 1 - distance / max(len(exact), end - start), hint)


def _shares_text(exact: str, window: str) -> bool:
    """Cheap pre-check before bitap: do at least 40% of (up to 24 sampled) trigrams of the quote
    occur in the window? A rewritten paragraph usually fails it, and then costs no bitap at all."""
    if len(exact) < 3:
        return exact in window
    step = max(1, (len(exact) - 2) // 24)
    grams = {exact[i : i + 3] for i in range(0, len(exact) - 2, step)}
    return sum(g in window for g in grams) >= 0.4 * len(grams)


def _candidate(text: str, quote: Quote, start: int, end: int, similarity: float, hint: int) -> _Candidate:
    """Score a placement the way Hypothesis does: quote 50, prefix 20, suffix 20, position 2."""
    before = _tail_match(quote.prefix, text[max(0, start - len(quote.prefix)) : start], start == 0)
    after = _head_match(quote.suffix, text[end : end + len(quote.suffix)], end == len(text))
    position = 1 - min(1.0, abs(start - hint) / max(1, len(text)))
    wq, wp, ws, wpos = _WEIGHTS
    score = (wq * similarity + wp * before + ws * after + wpos * position) / sum(_WEIGHTS)
    evidence = similarity * len(quote.exact) + before * len(quote.prefix) + after * len(quote.suffix)
    return _Candidate(score, start, end, similarity, (before + after) / 2, evidence)


def _tail_match(expected: str, actual: str, at_edge: bool) -> float:
    """How much of the expected prefix ends the text before a candidate (0..1). No stored prefix:
    the quote began the text, so it counts fully only if the candidate does too."""
    return _head_match(expected[::-1], actual[::-1], at_edge)


def _head_match(expected: str, actual: str, at_edge: bool) -> float:
    if not expected:
        return 1.0 if at_edge else 0.5
    k, n = 0, min(len(expected), len(actual))
    while k < n and expected[k] == actual[k]:
        k += 1
    return k / len(expected)


def _better(a: _Candidate | None, b: _Candidate | None) -> _Candidate | None:
    return b if a is None or (b is not None and b.score > a.score) else a


def _acceptable(c: _Candidate | None, quote: Quote, orphan: bool) -> bool:
    """Above the score threshold, similar enough to the quote, and backed by enough matching
    characters (scaled down for a quote and context shorter than that, as in a tiny document).
    An orphan must also find its context: its passage once vanished, so the quote alone is weak."""
    if c is None or c.score < _THRESHOLD or c.quote < _QUOTE_MIN:
        return False
    available = len(quote.exact) + len(quote.prefix) + len(quote.suffix)
    if c.evidence < min(_EVIDENCE, 0.75 * available):
        return False
    return not orphan or c.context >= _ORPHAN_CONTEXT
