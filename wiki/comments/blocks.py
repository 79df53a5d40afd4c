"""Where each rendered block's Markdown lies, and finding selected (rendered) text in the Markdown.
PURE: stdlib + wiki.documents.attribution.

Comments are anchored in the Markdown source (code points), but readers select in the rendered page,
whose blocks carry ``data-block`` ids and lack the Markdown syntax (``**``, ``[text](url)``, list
markers…). Python-Markdown keeps no source positions, so ``block_map`` aligns the revision's stored
HTML with ``split_blocks`` of its Markdown: both in document order, compared by a key of their
letters and digits only (the syntax has none, link targets and footnote markers are dropped first).
Containment covers one source block rendering as several blocks (a block quote of two paragraphs),
concatenation the reverse (a paragraph with a list Python-Markdown did not start), an exact-key
lookup blocks rendered out of order (footnotes, at the end), and a similarity test near-misses.
A block that cannot be aligned has no range: callers then search the whole text.

``find_rendered`` locates a rendered selection in a source range, tolerating inline syntax between
characters and block syntax at whitespace. ``section_at`` names the heading a position falls under.
"""

from __future__ import annotations

import html as html_lib
import re
from bisect import bisect_right
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from html.parser import HTMLParser

from wiki.documents.attribution import split_blocks

__all__ = ["BlockMap", "BlockSpan", "block_map", "find_rendered", "plain_key", "trim_block"]

_WINDOW = 8  # source blocks looked at ahead of the alignment's position
_SIMILAR = 0.8  # SequenceMatcher ratio for a near-miss
_VOID = {"br", "hr", "img", "input", "meta", "link", "wbr", "col", "area", "base", "source"}
_NOT_ALNUM = re.compile(r"[\W_]+")
# Markdown that renders as nothing (or as less): removed from the source before keying.
_LINE_SYNTAX = [
    re.compile(r"^[ \t]*(?:`{3,}|~{3,}).*$", re.M),  # code fences (and their info string)
    re.compile(r"^[ \t]{0,3}\[\^[^\]\n]+\]:[ \t]*", re.M),  # footnote definition marker
    re.compile(r"^[ \t]{0,3}\[[^\]\n]+\]:[ \t]*\S+.*$", re.M),  # link reference definition
    re.compile(r"^[ \t]{0,3}\*\[[^\]\n]+\]:.*$", re.M),  # abbreviation definition
    re.compile(r"^(?:[ \t]*>)+", re.M),  # block quote markers
    re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])(?=[ \t]|$)", re.M),  # list markers (numbers!)
    re.compile(r"^[ \t]{0,3}#{1,6}(?=[ \t]|$)|[ \t]#+[ \t]*$", re.M),  # ATX heading markers
]
_INLINE_SYNTAX = [
    (re.compile(r"\[\^[^\]\n]*\]"), ""),  # footnote references (rendered as numbers, not keyed)
    (re.compile(r"!?\[([^\]\n]*)\]\((?:[^()\n]|\([^()\n]*\))*\)"), r"\1"),  # [text](url), ![alt](src)
    (re.compile(r"\[([^\]\n]*)\]\[[^\]\n]*\]"), r"\1"),  # [text][ref]
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),  # <https://…> autolinks
]


@dataclass(frozen=True)
class BlockSpan:
    id: str  # the data-block id
    tag: str
    start: int  # its Markdown in the revision text; -1 when it could not be aligned
    end: int
    heading_id: str = ""  # for headings: the id the TOC links to


@dataclass(frozen=True)
class BlockMap:
    blocks: tuple[BlockSpan, ...]  # document order (as rendered)

    def get(self, block_id: str) -> BlockSpan | None:
        return self._by_id().get(block_id)

    def block_at(self, pos: int) -> BlockSpan | None:
        """The innermost aligned block whose Markdown contains ``pos`` (the one to highlight)."""
        starts, spans = self._leaves()
        i = bisect_right(starts, pos) - 1
        while i >= 0:
            span = spans[i]
            if span.start <= pos < max(span.end, span.start + 1):
                return span
            if starts[i] < pos - 100_000:
                break
            i -= 1
        return None

    def section_at(self, pos: int) -> str:
        """The id of the last heading starting at or before ``pos`` ('' before the first)."""
        starts, ids = self._headings()
        i = bisect_right(starts, pos) - 1
        return ids[i] if i >= 0 else ""

    # -- lazily built indexes (the map is immutable and cached per revision) --------------------

    def _by_id(self) -> dict[str, BlockSpan]:
        cached = self.__dict__.get("_ids")
        if cached is None:
            cached = {b.id: b for b in self.blocks}
            object.__setattr__(self, "_ids", cached)
        return cached

    def _leaves(self) -> tuple[list[int], list[BlockSpan]]:
        cached = self.__dict__.get("_leaf_index")
        if cached is None:
            aligned = sorted((b for b in self.blocks if b.start >= 0), key=lambda b: (b.start, -b.end))
            cached = ([b.start for b in aligned], aligned)
            object.__setattr__(self, "_leaf_index", cached)
        return cached

    def _headings(self) -> tuple[list[int], list[str]]:
        cached = self.__dict__.get("_heading_index")
        if cached is None:
            heads = sorted((b.start, b.heading_id) for b in self.blocks if b.heading_id and b.start >= 0)
            cached = ([s for s, _ in heads], [h for _, h in heads])
            object.__setattr__(self, "_heading_index", cached)
        return cached


def plain_key(text: str) -> str:
    """Letters and digits only, case-folded: what a rendered block and its Markdown share."""
    return _NOT_ALNUM.sub("", text).casefold()


def source_key(markdown: str) -> str:
    for pattern in _LINE_SYNTAX:
        markdown = pattern.sub("", markdown)
    for pattern, replacement in _INLINE_SYNTAX:
        markdown = pattern.sub(replacement, markdown)
    return plain_key(html_lib.unescape(markdown))


class _Blocks(HTMLParser):
    """Each ``data-block`` element's own text (nested blocks' text excluded) and its parent block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[list] = []  # [id, tag, own text parts, heading id, parent index]
        self.stack: list[tuple[str, int | None, bool]] = []  # (tag, block index, skipped)

    def _current(self) -> tuple[int | None, bool]:
        block, skipped = None, False
        for _, index, skip in self.stack:
            block = index if index is not None else block
            skipped = skipped or skip
        return block, skipped

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in _VOID:
            return
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        skip = bool({"toc", "footnote-backref"} & classes) or (tag == "sup" and (values.get("id") or "").startswith("fnref"))
        index = None
        if values.get("data-block"):
            parent, _ = self._current()
            index = len(self.found)
            heading = values.get("id", "") if re.fullmatch(r"h[1-6]", tag) else ""
            self.found.append([values["data-block"], tag, [], heading or "", parent])
        self.stack.append((tag, index, skip))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        block, skipped = self._current()
        if block is not None and not skipped:
            self.found[block][2].append(data)


@lru_cache(maxsize=32)
def block_map(text: str, rendered_html: str) -> BlockMap:
    """Align the rendered blocks of a revision with its Markdown (see the module docstring).
    Cached: revisions are immutable, and a page view asks once per thread."""
    parser = _Blocks()
    parser.feed(rendered_html)
    parser.close()
    sources = split_blocks(text)
    keys = [source_key(b.text) for b in sources]
    by_key: dict[str, int] = {}
    for j, key in enumerate(keys):
        if key:
            by_key.setdefault(key, j)
    ranges: list[tuple[int, int] | None] = []
    pos = 0
    for _, _, parts, _, _ in parser.found:
        own = plain_key("".join(parts))
        found, pos = _align(own, keys, pos, by_key) if own else (None, pos)
        ranges.append((sources[found[0]].start, sources[found[1]].end) if found else None)
    _containers(parser.found, ranges)
    spans = tuple(
        BlockSpan(block_id, tag, *(ranges[i] or (-1, -1)), heading)
        for i, (block_id, tag, _, heading, _) in enumerate(parser.found)
    )
    return BlockMap(spans)


def _align(own: str, keys: list[str], pos: int, by_key: dict[str, int]) -> tuple[tuple[int, int] | None, int]:
    """(first, last) source block of one rendered block, and where the next search starts."""
    for j in range(pos, min(len(keys), pos + _WINDOW)):
        key = keys[j]
        if not key:
            continue
        if key == own:
            return (j, j), j + 1
        if own in key:  # one of several rendered blocks made from this source block
            return (j, j), j
        if own.startswith(key):  # several source blocks rendered as one
            acc, k = key, j
            while acc != own and k + 1 < len(keys) and own.startswith(acc + keys[k + 1]):
                k += 1
                acc += keys[k]
            if acc == own:
                return (j, k), k + 1
    if own in by_key:  # out of order (footnotes) or far away: the position stays
        j = by_key[own]
        return (j, j), pos
    for j in range(pos, min(len(keys), pos + _WINDOW)):
        key = keys[j]
        matcher = SequenceMatcher(None, own, key, autojunk=False)
        if key and matcher.real_quick_ratio() >= _SIMILAR and matcher.quick_ratio() >= _SIMILAR \
                and matcher.ratio() >= _SIMILAR:
            return (j, j), j + 1
    return None, pos


def _containers(found: list[list], ranges: list) -> None:
    """A block with no text of its own (a loose list item, a block quote) spans its children."""
    for i in range(len(found) - 1, -1, -1):
        parent = found[i][4]
        if parent is None or ranges[i] is None:
            continue
        if not plain_key("".join(found[parent][2])):
            lo, hi = ranges[parent] or ranges[i]
            ranges[parent] = (min(lo, ranges[i][0]), max(hi, ranges[i][1]))


# --- finding a rendered selection in the Markdown ----------------------------------------------

_INLINE = r"(?:\]\((?:[^()\n]|\([^()\n]*\))*\)|\]\[[^\]\n]*\]|\[\^[^\]\n]*\]|!?\[|\]|\*|_|`|~|\\|<)"
_GAP = _INLINE + "*?"
_WS = r"(?:\s|\||>|#{1,6}(?=\s)|[-*+](?=\s)|\d{1,9}[.)](?=\s)|" + _INLINE + ")+?"
_MAX_EXACT = 2000  # characters of a selection turned into a pattern
_MAX_MATCHES = 50
_CONTEXT = 48


def _char_pattern(ch: str) -> str:
    if ch.isalnum():
        return re.escape(ch)
    return f"(?:{re.escape(ch)}|&#?\\w{{1,8}};|\\\\{re.escape(ch)})"


@lru_cache(maxsize=64)
def _pattern(exact: str) -> re.Pattern | None:
    words = exact.split()
    if not words:
        return None
    parts = []
    for w, word in enumerate(words):
        if w:
            parts.append(_WS)
        parts.append(_GAP.join(_char_pattern(ch) for ch in word))
    return re.compile("".join(parts))


def find_rendered(text: str, lo: int, hi: int, exact: str, prefix: str = "", suffix: str = "") -> tuple[int, int] | None:
    """Where the rendered selection ``exact`` lies in ``text[lo:hi]`` (Markdown), tolerating inline
    syntax between characters and block syntax where the selection has whitespace. Among several
    places, the one whose surroundings best match the rendered ``prefix`` / ``suffix`` wins."""
    pattern = _pattern(exact.strip()[:_MAX_EXACT])
    if pattern is None:
        return None
    best, best_score = None, -1
    want_before, want_after = plain_key(prefix)[-_CONTEXT:], plain_key(suffix)[:_CONTEXT]
    for count, match in enumerate(pattern.finditer(text, lo, hi)):
        if count >= _MAX_MATCHES:
            break
        before = source_key(text[max(0, match.start() - 4 * _CONTEXT) : match.start()])
        after = source_key(text[match.end() : match.end() + 4 * _CONTEXT])
        score = _common_tail(want_before, before) + _common_head(want_after, after)
        if score > best_score:
            best, best_score = (match.start(), match.end()), score
    return best


def _common_tail(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_head(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


_LEAD = re.compile(r"(?:[ \t]*(?:>[ \t]?|#{1,6}[ \t]+|[-*+][ \t]+|\d{1,9}[.)][ \t]+|\[\^[^\]\n]+\]:[ \t]*))+")


def trim_block(text: str, start: int, end: int) -> tuple[int, int]:
    """A whole block's passage without its leading block syntax or surrounding whitespace."""
    lead = _LEAD.match(text, start, end)
    if lead and lead.end() < end:
        start = lead.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
