"""PURE core for versioned documents: diffs for display, three-way merge, block attribution.

Stdlib + diff_match_patch only (no Flask, no database), so it is tested alone and benchmarked by
``bench/revisions_core.py``. The pieces live in sibling modules and are re-exported here, the one
import path for callers:

- ``diffcore``    ``diff`` / ``line_diff``: complete diffs (no timeout) that stay fast on 100 KB,
                  on top of ``tokendiff`` (exact diffs of line / sentence / word sequences).
- this module     ``hunks`` / ``side_by_side`` / ``diff_stats``: display models built from ops.
- ``merge``       ``merge3``: line-granular three-way merge that never drops either side's work.
- ``attribution`` ``split_blocks`` / ``attribute`` / ``carry_forward``: which revision last
  changed each Markdown block.

All offsets are Python ``str`` indices (code points), like everything else in this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, NamedTuple

from wiki.documents.attribution import (
    Attribution,
    Block,
    Span,
    attribute,
    attribute_blocks,
    carry_forward,
    split_blocks,
)
from wiki.documents.diffcore import DELETE, EQUAL, INSERT, Op, diff, diff_with_report, line_diff, lines
from wiki.documents.merge import Conflict, MergeResult, merge3

__all__ = [
    "DELETE", "EQUAL", "INSERT", "Op", "diff", "diff_with_report", "line_diff", "diff_stats",
    "Hunk", "hunks", "Segment", "Row", "side_by_side",
    "Conflict", "MergeResult", "merge3",
    "Block", "Attribution", "Span", "split_blocks", "attribute", "attribute_blocks", "carry_forward",
]  # fmt: skip


@dataclass(frozen=True)
class Hunk:
    """A stretch of whole lines: unchanged ('equal') or containing changes ('change').

    ``collapsed`` marks the middle of a long unchanged stretch that a view shows as "… N unchanged
    lines …" (its ops are kept so the view can expand it). Line numbers are 1-based."""

    kind: Literal["equal", "change"]
    ops: list[Op]
    old_start_line: int
    new_start_line: int
    collapsed: bool = False

    @property
    def old_text(self) -> str:
        return "".join(t for op, t in self.ops if op != INSERT)

    @property
    def new_text(self) -> str:
        return "".join(t for op, t in self.ops if op != DELETE)

    @property
    def line_count(self) -> int:
        """Lines on the old side (equal hunks: the same on both sides)."""
        return _count_lines(self.old_text)


class Segment(NamedTuple):
    """A run of one row's text: kind is 'equal', 'delete' (old side) or 'insert' (new side)."""

    kind: str
    text: str


@dataclass(frozen=True)
class Row:
    """One row of a two-column diff table. A side with no line here has ``line`` None and no
    segments. Segment texts keep their "\\n", so joining all rows' segments rebuilds each text."""

    kind: Literal["equal", "change"]
    old_line: int | None
    new_line: int | None
    old: tuple[Segment, ...]
    new: tuple[Segment, ...]
    collapsed: bool = False


_SEGMENT_KIND = {EQUAL: "equal", DELETE: "delete", INSERT: "insert"}


def diff_stats(ops: Iterable[Op]) -> tuple[int, int]:
    """(characters added, characters removed), e.g. for "+120 −34" in a history list."""
    added = removed = 0
    for op, text in ops:
        if op == INSERT:
            added += len(text)
        elif op == DELETE:
            removed += len(text)
    return added, removed


def hunks(ops: Iterable[Op], context_lines: int = 3) -> list[Hunk]:
    """Group ops into line-aligned hunks. An unchanged stretch keeps ``context_lines`` lines next
    to each change and collapses the rest when there is anything left to hide (between two
    changes: longer than 2 × context); with no change at all, the whole text is one collapsed hunk.
    Concatenating every hunk's ops gives back the input ops (normalised)."""
    pieces = _pieces(_normalise(ops))
    out: list[Hunk] = []
    old_line = new_line = 1
    for index, (kind, piece) in enumerate(pieces):
        if kind == "change":
            parts = [("change", piece, False)]
        else:
            head = context_lines if index > 0 else 0
            tail = context_lines if index < len(pieces) - 1 else 0
            parts = _collapse(piece[0][1], head, tail)
        for part_kind, part_ops, collapsed in parts:
            out.append(Hunk(part_kind, part_ops, old_line, new_line, collapsed))
            old_line += sum(t.count("\n") for op, t in part_ops if op != INSERT)
            new_line += sum(t.count("\n") for op, t in part_ops if op != DELETE)
    return out


def side_by_side(ops: Iterable[Op], context_lines: int = 3) -> list[Row]:
    """Rows for a two-column table, aligned line by line. Unchanged lines are 'equal' rows (with
    ``collapsed`` set inside long unchanged stretches, as in ``hunks``); a change hunk becomes
    'change' rows where a wholly inserted or deleted line faces an empty cell."""
    rows: list[Row] = []
    for hunk in hunks(ops, context_lines):
        if hunk.kind == "equal":
            for i, line in enumerate(lines(hunk.old_text)):
                seg = (Segment("equal", line),)
                rows.append(Row("equal", hunk.old_start_line + i, hunk.new_start_line + i, seg, seg, hunk.collapsed))
        else:
            rows.extend(_change_rows(hunk))
    return rows


def _normalise(ops: Iterable[Op]) -> list[Op]:
    out: list[Op] = []
    for op, text in ops:
        if text and out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif text:
            out.append((op, text))
    return out


def _pieces(ops: list[Op]) -> list[tuple[str, list[Op]]]:
    """Split ops into alternating ('equal', [one equal op of whole lines]) and ('change', ops)
    pieces; a change piece extends to the line ends on both sides, so it owns the partial lines
    of the equal text around it."""
    pieces: list[tuple[str, list[Op]]] = []
    current: list[Op] = []  # the change piece being built (or a partial equal line awaiting one)
    old_bol = new_bol = True  # is each side at the beginning of a line?
    for op, text in ops:
        if op != EQUAL:
            current.append((op, text))
            if op == DELETE:
                old_bol = text.endswith("\n")
            else:
                new_bol = text.endswith("\n")
            continue
        if current and not (old_bol and new_bol):
            cut = text.find("\n") + 1  # finish the change's last line on both sides
            current.append((EQUAL, text[:cut] if cut else text))
            text = text[cut:] if cut else ""
        old_bol = new_bol = current[-1][1].endswith("\n") if not text else text.endswith("\n")
        if current and text:  # what is left starts a line on both sides: the change is complete
            pieces.append(("change", current))
            current = []
        whole = text[: text.rfind("\n") + 1]
        if whole:
            pieces.append(("equal", [(EQUAL, whole)]))
        if text[len(whole) :]:
            current.append((EQUAL, text[len(whole) :]))
    if current:
        changed = any(op != EQUAL for op, _ in current)
        pieces.append(("change", current) if changed else ("equal", current))
    return pieces


def _collapse(text: str, head: int, tail: int) -> list[tuple[str, list[Op], bool]]:
    """Split an unchanged stretch into head context, collapsed middle and tail context."""
    all_lines = lines(text)
    if len(all_lines) <= head + tail:
        return [("equal", [(EQUAL, text)], False)]
    parts = [
        ("".join(all_lines[:head]), False),
        ("".join(all_lines[head : len(all_lines) - tail]), True),
        ("".join(all_lines[len(all_lines) - tail :]), False),
    ]
    return [("equal", [(EQUAL, part)], collapsed) for part, collapsed in parts if part]


def _change_rows(hunk: Hunk) -> Iterator[Row]:
    """Rows of one change hunk. Lines completed together by an equal "\\n" close a chunk; inside
    a chunk, lines are paired in order except that a wholly deleted or inserted line faces
    nothing when the other side's line still has unchanged text (so it is not mismatched)."""
    old_no, new_no = hunk.old_start_line, hunk.new_start_line
    for old_lines, new_lines in _chunks(hunk.ops):
        for old, new in _pair(old_lines, new_lines):
            yield Row("change", old_no if old else None, new_no if new else None, tuple(old), tuple(new))
            old_no += bool(old)
            new_no += bool(new)


def _chunks(ops: list[Op]) -> Iterator[tuple[list[list[Segment]], list[list[Segment]]]]:
    old_lines: list[list[Segment]] = []
    new_lines: list[list[Segment]] = []
    cur_old: list[Segment] = []
    cur_new: list[Segment] = []
    for op, text in ops:
        for part in lines(text):
            seg = Segment(_SEGMENT_KIND[op], part)
            ends = part.endswith("\n")
            if op != INSERT:
                cur_old.append(seg)
            if op != DELETE:
                cur_new.append(seg)
            if ends and op != INSERT:
                old_lines.append(cur_old)
                cur_old = []
            if ends and op != DELETE:
                new_lines.append(cur_new)
                cur_new = []
            if ends and op == EQUAL:
                yield old_lines, new_lines
                old_lines, new_lines = [], []
    old_lines += [cur_old] if cur_old else []
    new_lines += [cur_new] if cur_new else []
    if old_lines or new_lines:
        yield old_lines, new_lines


def _pair(old: list[list[Segment]], new: list[list[Segment]]) -> Iterator[tuple[list, list]]:
    i = j = 0
    while i < len(old) and j < len(new):
        old_pure = all(s.kind == "delete" for s in old[i])
        new_pure = all(s.kind == "insert" for s in new[j])
        if old_pure and not new_pure:
            yield old[i], []
            i += 1
        elif new_pure and not old_pure:
            yield [], new[j]
            j += 1
        else:
            yield old[i], new[j]
            i, j = i + 1, j + 1
    yield from ((line, []) for line in old[i:])
    yield from (([], line) for line in new[j:])


def _count_lines(text: str) -> int:
    return text.count("\n") + (1 if text and not text.endswith("\n") else 0)
