"""Where each rendered block's Markdown lies, and finding selected (rendered) text in the Markdown.
PURE: stdlib + wiki.documents.revisions.

Comments are anchored in the Markdown source (code points), but readers select in the rendered page,
whose blocks carry ``data-block`` ids and lack the Markdown syntax (``**``, ``[text](url)``, list
markers…). Python-Markdown keeps no source positions, so ``block_map`` aligns the revision's stored
HTML with ``split_blocks`` of its Markdown: both in document order, compared by a key of their
letters and digits only (the syntax has none, link targets and footnote markers are dropped first).
Containment covers one source block rendering as several blocks (a block quote of two paragraphs),
concatenation the reverse (a paragraph with a list Python-Markdown did not start), an exact-key
lookup blocks rendered out of order (footnotes, at the end), and a similarity test near-misses.
A block that cannot be aligned has no range: callers then search the whole text.

``mark_blocks`` marks the commented blocks in the page; ``heading_starts`` / ``section_at`` name the
heading a position falls under. (Finding a selection inside a block: wiki/comments/selection.py.)
"""

from __future__ import annotations

import html as html_lib
import re
from bisect import bisect_right
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache
from html.parser import HTMLParser

from wiki.documents.revisions import split_blocks

__all__ = ["BlockMap", "BlockSpan", "block_choices", "block_map", "heading_starts", "mark_blocks", "plain_key",
           "section_at", "source_key"]

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
    text: str = ""  # the block's own rendered text, shortened (for choosing a paragraph)


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
        footnote_ref = tag == "sup" and (values.get("id") or "").startswith("fnref")
        skip = bool({"toc", "footnote-backref"} & classes) or footnote_ref
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
        BlockSpan(block_id, tag, *(ranges[i] or (-1, -1)), heading, _excerpt("".join(parts)))
        for i, (block_id, tag, parts, heading, _) in enumerate(parser.found)
    )
    return BlockMap(spans)


def _excerpt(text: str, limit: int = 240) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def block_choices(text: str, rendered_html: str) -> list[BlockSpan]:
    """The blocks a reader can comment on as a whole: those with text of their own, in order."""
    return [b for b in block_map(text, rendered_html).blocks if b.text and b.start >= 0]


_BLOCK_TAG = re.compile(
    r'<(p|li|h[1-6]|blockquote|dl|table|pre)\b([^>]*?)\sdata-block="(b-[0-9a-f]{8}(?:-\d+)?)"([^>]*)>')
_MARK_INSIDE = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "dl"}


def mark_blocks(rendered_html: str, marks: dict[str, list[int]]) -> str:
    """Sanitised revision HTML with each commented block marked: ``data-thread-ids`` and a class
    for highlighting, and a link to its first thread (inside the block, or just before a table or
    code block, where a link inside would change its content)."""
    if not marks:
        return rendered_html

    def mark(m: re.Match) -> str:
        threads = marks.get(m.group(3))
        if not threads:
            return m.group(0)
        ids = " ".join(str(t) for t in threads)
        count = len(threads)
        link = (f'<a class="comment-marker" href="#thread-{threads[0]}" data-comment-ui>{count}'
                f'<span class="visually-hidden"> comment thread{"s" if count > 1 else ""} on this passage</span></a>')
        target = "" if ' id="' in m.group(0) else f' id="{m.group(3)}"'  # headings have their own
        tag = (f'<{m.group(1)}{m.group(2)} data-block="{m.group(3)}"{m.group(4)}{target} class="has-comments"'
               f' data-thread-ids="{ids}">')
        return tag + link if m.group(1) in _MARK_INSIDE else link + tag

    return _BLOCK_TAG.sub(mark, rendered_html)


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


# --- sections -----------------------------------------------------------------------------------

_SETEXT = re.compile(r"\n[ \t]{0,3}(?:=+|-+)[ \t]*$")
_ATX_START = re.compile(r"[ \t]{0,3}#{1,6}(?:[ \t]|$)")


def heading_starts(text: str, toc) -> list[tuple[int, str]]:
    """(source offset, heading id) for each heading of ``text`` that the revision's TOC lists, in
    order: source headings are matched to TOC entries ([level, id, title]) by their letters, so a
    heading Python-Markdown did not render (or one inside a list) cannot shift the others.
    Cached: every comment posted on a revision asks for the same ~100 KB text's headings."""
    return list(_heading_starts(text, tuple((anchor, title) for _, anchor, title in (toc or []))))


@lru_cache(maxsize=16)
def _heading_starts(text: str, toc: tuple[tuple[str, str], ...]) -> tuple[tuple[int, str], ...]:
    entries = [(plain_key(title), anchor) for anchor, title in toc]
    found: list[tuple[int, str]] = []
    p = 0
    for block in split_blocks(text):
        if _ATX_START.match(block.text):
            key = source_key(block.text)
        elif _SETEXT.search(block.text):
            key = source_key(_SETEXT.sub("", block.text).rsplit("\n", 1)[-1])
        else:
            continue
        for k in range(p, min(len(entries), p + _WINDOW)):
            if entries[k][0] == key:
                found.append((block.start, entries[k][1]))
                p = k + 1
                break
    return tuple(found)


def section_at(headings: list[tuple[int, str]], pos: int) -> str:
    """The id of the last heading starting at or before ``pos`` ('' before the first heading)."""
    i = bisect_right(headings, (pos, "\uffff")) - 1
    return headings[i][1] if i >= 0 else ""
