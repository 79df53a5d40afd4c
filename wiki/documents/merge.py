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
a line to a text without a final newline does not count as changing its last line.
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


class _Raw(NamedTuple):
    """A conflict before the newline sentinel is removed."""

    start: int
    base: str
    theirs: str
    mine: str
    base_at_end: bool
    mine_at_end: bool


def merge3(base: str, theirs: str, mine: str) -> MergeResult:
    """Merge ``mine`` into ``theirs``, both edits of ``base``; see the module docstring."""
    if mine in (base, theirs):
        return MergeResult(theirs)
    if theirs == base:
        return MergeResult(mine)
    b, t, m = base + "\n", theirs + "\n", mine + "\n"
    regions = _regions(line_diff(b, t), THEIRS) + _regions(line_diff(b, m), MINE)
    parts: list[str] = []
    raw: list[_Raw] = []
    pos = length = mine_shift = 0
    for cluster in _clusters(regions):
        start, end = min(r.start for r in cluster), max(r.end for r in cluster)
        theirs_v, mine_v = _version(b, cluster, THEIRS, start, end), _version(b, cluster, MINE, start, end)
        mine_shift += len(mine_v) - (end - start)
        parts.append(b[pos:start])
        length += start - pos
        sides = {r.side for r in cluster}
        if len(sides) == 2 and theirs_v != mine_v:
            raw.append(_Raw(length, b[start:end], theirs_v, mine_v, end == len(b), end + mine_shift == len(m)))
        chosen = theirs_v if THEIRS in sides else mine_v
        parts.append(chosen)
        length += len(chosen)
        pos = end
    parts.append(b[pos:])
    merged = "".join(parts)
    return MergeResult(merged[:-1], tuple(_unsentinel(c, len(merged)) for c in raw))


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


def _unsentinel(c: _Raw, merged_length: int) -> Conflict:
    """Drop the added final newline from the versions that end where their text ends."""
    at_end = c.start + len(c.theirs) == merged_length
    theirs = c.theirs[:-1] if at_end and c.theirs else c.theirs
    base = c.base[:-1] if c.base_at_end and c.base else c.base
    mine = c.mine[:-1] if c.mine_at_end and c.mine else c.mine
    start = min(c.start, merged_length - 1)
    return Conflict(start, start + len(theirs), base, theirs, mine)
