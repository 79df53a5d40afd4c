"""Three-way merge of a user's edit with what others saved meanwhile (PURE).

"Nobody's work is ever silently overwritten": ``theirs`` (saved since ``base``) and ``mine`` (the
user's edit of ``base``) are each diffed against ``base`` line by line (``line_diff``), giving
changed regions in base coordinates. Regions are compared exactly — never through dmp's fuzzy
``patch_apply``, which can drop one side of concurrent edits while reporting success.

Conflict rules (line granularity, like diff3 but kinder to neighbouring lines):

- Changes to different lines merge cleanly, **even adjacent lines** (diff3 would call touching
  hunks a conflict; here two people fixing consecutive list items both keep their fix).
- Two changes to the same line, or overlapping line ranges, conflict — including a deletion
  against an edit — unless both sides produce the same text there (then it is applied once).
- Two insertions at the same place conflict unless identical; an insertion just before or after
  a line the other side changed is clean (the insertion goes first / last respectively).
- A conflict's region in the merged text holds THEIRS (the saved text stays authoritative) and
  the ``Conflict`` carries base / theirs / mine for it, so the user can re-apply their part.

Texts are compared as if each ended with a newline (a sentinel is added and removed), so appending
a line to a text without a final newline does not count as changing its last line. A conflict's
versions are given in the merged text's context: replacing ``text[start:end]`` (theirs) by
``mine`` yields mine's version of that region.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from wiki.documents.diffcore import EQUAL, INSERT, Op, line_diff

THEIRS, MINE = 0, 1


@dataclass(frozen=True)
class Conflict:
    """``start``/``end``: where the region sits in the merged text (which holds ``theirs``)."""

    start: int
    end: int
    base: str
    theirs: str
    mine: str


@dataclass(frozen=True)
class MergeResult:
    text: str
    conflicts: tuple[Conflict, ...] = ()

    @property
    def clean(self) -> bool:
        return not self.conflicts


class _Region(NamedTuple):
    start: int  # base offsets [start, end) replaced by text; start == end: a pure insertion
    end: int
    text: str
    side: int


def merge3(base: str, theirs: str, mine: str) -> MergeResult:
    """Merge ``mine`` into ``theirs``, both edits of ``base``; see the module docstring."""
    if mine in (base, theirs):
        return MergeResult(theirs)
    if theirs == base:
        return MergeResult(mine)
    b, t, m = base + "\n", theirs + "\n", mine + "\n"
    regions = _regions(line_diff(b, t), THEIRS) + _regions(line_diff(b, m), MINE)
    parts: list[str] = []
    conflicts: list[Conflict] = []
    pos = length = last_end = 0  # last_end: where the latest conflict ends in base
    for cluster in _clusters(regions):
        start, end = min(r.start for r in cluster), max(r.end for r in cluster)
        theirs_v, mine_v = _version(b, cluster, THEIRS, start, end), _version(b, cluster, MINE, start, end)
        parts.append(b[pos:start])
        length += start - pos
        sides = {r.side for r in cluster}
        if len(sides) == 2 and theirs_v != mine_v:
            conflict = Conflict(length, length + len(theirs_v), b[start:end], theirs_v, mine_v)
            _add_conflict(conflicts, conflict, b[last_end:start])
            last_end = end
        chosen = theirs_v if THEIRS in sides else mine_v
        parts.append(chosen)
        length += len(chosen)
        pos = end
    parts.append(b[pos:])
    merged = "".join(parts)
    return MergeResult(merged[:-1], tuple(_unsentinel(c, len(merged)) for c in conflicts))


def _regions(ops: list[Op], side: int) -> list[_Region]:
    """Maximal runs of non-equal ops as (base start, base end, replacement text)."""
    out: list[_Region] = []
    pos = 0
    start: int | None = None
    inserted: list[str] = []
    for op, text in [*ops, (EQUAL, "")]:
        if op == EQUAL:
            if start is not None:
                out.append(_Region(start, pos, "".join(inserted), side))
                start, inserted = None, []
            pos += len(text)
            continue
        if start is None:
            start = pos
        if op == INSERT:
            inserted.append(text)
        else:
            pos += len(text)
    return out


def _conflicting(a: _Region, b: _Region) -> bool:
    """Do two regions from different sides collide? (The rules in the module docstring.)"""
    a_insert, b_insert = a.start == a.end, b.start == b.end
    if a_insert and b_insert:
        return a.start == b.start
    if a_insert:
        return b.start < a.start < b.end
    if b_insert:
        return a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def _clusters(regions: list[_Region]) -> list[list[_Region]]:
    """Group regions that collide, transitively. Sorted by (start, end) a single sweep suffices:
    a region that misses every member of the open cluster cannot collide with any of them later
    (one side's regions are disjoint and separated by unchanged lines)."""
    clusters: list[list[_Region]] = []
    for region in sorted(regions):
        current = clusters[-1] if clusters else []
        if any(r.side != region.side and _conflicting(r, region) for r in current):
            current.append(region)
        else:
            clusters.append([region])
    return clusters


def _version(base: str, cluster: list[_Region], side: int, start: int, end: int) -> str:
    """base[start:end] with one side's regions of the cluster applied."""
    parts, pos = [], start
    for r in cluster:
        if r.side == side:
            parts += [base[pos : r.start], r.text]
            pos = r.end
    parts.append(base[pos:end])
    return "".join(parts)


def _add_conflict(conflicts: list[Conflict], new: Conflict, base_between: str) -> None:
    """Append, joining a conflict that touches the previous one in the merged text (one box for the
    user to resolve, and the end-of-text adjustment in ``_unsentinel`` can never make two overlap).
    Only base text can lie between them (lines one side deleted cleanly): it joins ``base``."""
    last = conflicts[-1] if conflicts else None
    if last is not None and last.end == new.start:
        conflicts[-1] = Conflict(last.start, new.end, last.base + base_between + new.base,
                                 last.theirs + new.theirs, last.mine + new.mine)
    else:
        conflicts.append(new)


def _unsentinel(c: Conflict, length: int) -> Conflict:
    r"""Remove the added final newline from a conflict at the very end of the merged text. The
    versions are whole lines there, so each loses its last "\n"; but if theirs or mine is empty
    (a side deleted the last lines), the region takes in the newline before it instead, so that
    putting ``mine`` in place of ``theirs`` still gives mine's ending."""
    if c.end < length:
        return c
    if (c.theirs and c.mine) or c.start == 0:
        base, theirs, mine = (v[:-1] if v else v for v in (c.base, c.theirs, c.mine))
        return Conflict(c.start, c.start + len(theirs), base, theirs, mine)
    base, theirs, mine = ("\n" + v[:-1] if v else v for v in (c.base, c.theirs, c.mine))
    return Conflict(c.start - 1, c.start - 1 + len(theirs), base, theirs, mine)
