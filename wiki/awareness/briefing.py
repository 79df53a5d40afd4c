"""PURE: a one-page briefing of what changed in a document between two revisions — for taking into a
meeting. The service gathers revisions, comments and rounds (as the reader may see them); this module
works out which sections changed and assembles the summary.

Sections are found from the line diff of the two texts: an insertion belongs to the section of the
new text it lands in, a deletion to the section of the old text it was removed from (so a deleted
section is still named). Headings come from ``wiki.comments.blocks.heading_starts``.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, field

from wiki.documents.revisions import DELETE, EQUAL, INSERT, line_diff

BEFORE_FIRST_HEADING = "(before the first heading)"


@dataclass
class SectionChange:
    key: str  # heading id ('' before the first heading)
    title: str
    added: int = 0  # characters
    removed: int = 0
    gone: bool = False  # the section's heading is not in the new text

    @property
    def label(self) -> str:
        return self.title or BEFORE_FIRST_HEADING


@dataclass(frozen=True)
class Outline:
    """Headings of one text: (offset, id) in order, and each id's title."""

    starts: list[tuple[int, str]]
    titles: dict[str, str] = field(default_factory=dict)

    def at(self, pos: int) -> str:
        i = bisect_right(self.starts, (pos, "\uffff")) - 1
        return self.starts[i][1] if i >= 0 else ""


def outline(starts: list[tuple[int, str]], toc) -> Outline:
    """From ``heading_starts(text, toc)`` and the revision's TOC ([level, id, title] entries)."""
    return Outline(list(starts), {anchor: title for _, anchor, title in (toc or [])})


def _pieces(length: int, pos: int, where: Outline) -> list[tuple[str, int]]:
    """(section id, characters) of a changed run of ``length`` starting at ``pos``, split where a
    heading of that text starts inside it (a deleted run may span several sections)."""
    cuts = [start for start, _ in where.starts if pos < start < pos + length]
    bounds = [pos, *cuts, pos + length]
    return [(where.at(a), b - a) for a, b in zip(bounds, bounds[1:], strict=False)]


def sections_changed(old_text: str, new_text: str, old: Outline, new: Outline) -> list[SectionChange]:
    """The sections touched between two texts, in the order of the new text (removed ones last)."""
    found: dict[tuple[str, bool], SectionChange] = {}
    old_pos = new_pos = 0
    for op, text in line_diff(old_text, new_text):
        if op == EQUAL:
            old_pos, new_pos = old_pos + len(text), new_pos + len(text)
        elif op == INSERT:
            for key, size in _pieces(len(text), new_pos, new):
                found.setdefault((key, False), SectionChange(key, new.titles.get(key, ""))).added += size
            new_pos += len(text)
        elif op == DELETE:
            for old_key, size in _pieces(len(text), old_pos, old):
                title = old.titles.get(old_key, "")
                now = next((k for k, t in new.titles.items() if t == title), None) if old_key else ""
                key, gone = (old_key, True) if now is None else (now, False)
                change = found.setdefault((key, gone), SectionChange(key, title if gone else new.titles.get(key, ""),
                                                                     gone=gone))
                change.removed += size
            old_pos += len(text)
    order = {anchor: i for i, (_, anchor) in enumerate(new.starts)}
    return sorted(found.values(), key=lambda c: (c.gone, order.get(c.key, -1) if c.key else -1))


@dataclass(frozen=True)
class Range:
    """The span a briefing covers: revision numbers (inclusive ``to``; ``base`` is the text compared
    against, the revision just before the first one in range)."""

    base: int
    to: int

    @property
    def empty(self) -> bool:
        return self.to <= self.base


def range_between(first_in_range: int | None, last_in_range: int | None) -> Range:
    """From the first and last revision numbers inside the chosen dates or versions."""
    if first_in_range is None or last_in_range is None:
        return Range(0, 0)
    return Range(max(first_in_range - 1, 0), last_in_range)
