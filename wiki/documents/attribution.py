"""Which revision last changed each Markdown block of a document (PURE).

A per-character "last written in revision n" map is carried forward through the diffs of
successive revisions, run-length encoded as ``Span`` = (length, revision) so it costs O(runs), not
O(characters). ``attribute`` diffs revisions line-wise (``line_diff``): a block is attributed to the
latest revision that inserted or rewrote any of its lines — so deleting a word counts as changing
its paragraph, while deleting a whole list item does not touch its neighbours. ``carry_forward``
accepts any ops (e.g. character ``diff`` output) for callers that cache spans per revision.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from operator import itemgetter

from wiki.documents.diffcore import DELETE, EQUAL, Op, line_diff

Span = tuple[int, int]  # (length, revision): a run of characters last written in that revision

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r" {0,3}#{1,6}(?:[ \t]|$)")
_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]|$)")
_TABLE = re.compile(r" {0,3}\|")


@dataclass(frozen=True)
class Block:
    """text == source[start:end]; the block's lines without the final line break."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Attribution:
    block: Block
    revision: int  # the latest revision that inserted or changed any character of the block


def split_blocks(text: str) -> list[Block]:
    """Markdown blocks at the granularity people discuss: paragraphs (split on blank lines), each
    list item, each heading line, a fenced code block whole (blank lines included), a table whole.
    A line that is neither blank nor starts one of those continues the current block."""
    blocks: list[Block] = []
    start = end = -1  # the open block's span; start < 0: none
    kind, fence = "", ""
    for line_start, line in _lines_with_offsets(text):
        line_end = line_start + len(line)
        if kind == "fence":
            end = line_end
            if _closes(line, fence):
                blocks.append(Block(start, end, text[start:end]))
                start, kind = -1, ""
            continue
        new_kind = _starts(line, kind)
        if new_kind is not None and start >= 0:
            blocks.append(Block(start, end, text[start:end]))
            start = -1
        if new_kind == "blank":
            kind = ""
            continue
        if start < 0:
            start, kind = line_start, new_kind or "paragraph"
            fence = _FENCE.match(line).group(1) if kind == "fence" else ""
        end = line_end
        if kind == "heading":
            blocks.append(Block(start, end, text[start:end]))
            start, kind = -1, ""
    if start >= 0:
        blocks.append(Block(start, end, text[start:end]))
    return blocks


def carry_forward(spans: Sequence[Span], ops: Iterable[Op], revision: int) -> list[Span]:
    """Spans of the old text + ops (old → new) → spans of the new text: kept characters keep
    their revision, inserted ones get ``revision``. O(ops · log spans) plus C-speed slicing."""
    ends = list(accumulate(map(itemgetter(0), spans)))
    out: list[Span] = []
    pos = 0
    for op, text in ops:
        if op == EQUAL:
            if pos + len(text) > (ends[-1] if ends else 0):
                raise ValueError("ops do not match the spans' text length")
            _copy(spans, ends, pos, pos + len(text), out)
            pos += len(text)
        elif op == DELETE:
            pos += len(text)
        elif text:
            _append(out, (len(text), revision))
    if pos != (ends[-1] if ends else 0):
        raise ValueError("ops do not match the spans' text length")
    return out


def attribute(revisions: Sequence[tuple[int, str]]) -> list[Attribution]:
    """For each block of the last text, the number of the latest revision that changed it.
    ``revisions``: (number, full text) in ascending order; the first writes every character."""
    if not revisions:
        return []
    number, text = revisions[0]
    spans: list[Span] = [(len(text), number)] if text else []
    for number, new in revisions[1:]:
        if new != text:
            spans = carry_forward(spans, line_diff(text, new), number)
            text = new
    return attribute_blocks(text, spans)


def attribute_blocks(text: str, spans: Sequence[Span]) -> list[Attribution]:
    """Blocks of ``text`` with the latest revision among their characters' spans — for callers
    that keep spans per revision (start: ``[(len(text), number)]``, then ``carry_forward`` with
    ``line_diff`` ops, as ``attribute`` does)."""
    ends = list(accumulate(map(itemgetter(0), spans)))
    if (ends[-1] if ends else 0) != len(text):
        raise ValueError("spans do not cover the text")
    return [Attribution(block, _latest(spans, ends, block)) for block in split_blocks(text)]


def _lines_with_offsets(text: str):
    """(offset, line without its "\\n" or "\\r\\n") for each line."""
    pos = 0
    while pos < len(text):
        nl = text.find("\n", pos)
        stop = len(text) if nl == -1 else nl
        line = text[pos:stop]
        yield pos, line[:-1] if line.endswith("\r") else line
        pos = stop + 1


def _starts(line: str, kind: str) -> str | None:
    """The kind of block this line starts, 'blank' for a separator, None if it continues one."""
    if not line.strip():
        return "blank"
    if _FENCE.match(line):
        return "fence"
    if _HEADING.match(line):
        return "heading"
    if _ITEM.match(line):
        return "item"
    if _TABLE.match(line) and kind != "table":
        return "table"
    return None


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and stripped == fence[0] * len(stripped)


def _copy(spans: Sequence[Span], ends: list[int], start: int, stop: int, out: list[Span]) -> None:
    """Append the spans covering old offsets [start, stop) to ``out``."""
    if start == stop:
        return
    i = bisect_right(ends, start)  # span containing start
    j = bisect_left(ends, stop)  # span containing stop - 1
    if i == j:
        _append(out, (stop - start, spans[i][1]))
        return
    _append(out, (ends[i] - start, spans[i][1]))
    if j > i + 1:
        _append(out, spans[i + 1])
        out.extend(spans[i + 2 : j])
    _append(out, (stop - ends[j - 1], spans[j][1]))


def _append(out: list[Span], span: Span) -> None:
    if out and out[-1][1] == span[1]:
        out[-1] = (out[-1][0] + span[0], span[1])
    else:
        out.append(span)


def _latest(spans: Sequence[Span], ends: list[int], block: Block) -> int:
    i = bisect_right(ends, block.start)
    j = bisect_left(ends, block.end)
    return max(revision for _, revision in spans[i : j + 1])
