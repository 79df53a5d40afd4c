"""What changed between two editions, section by section, in words a reader understands (PURE).

Sections are matched by their title (an author's own leading number ignored, so "3.2 Support"
matches "3.3 Support" after a section was inserted before it); titles that occur twice match in
order. Left-over sections whose text is the same or nearly the same were renamed, the others were
added or removed. A matched section whose text differs was changed, and its word counts come from
the documents' token diff (wiki/documents/tokendiff.py), so a reworded phrase counts as the words
reworded, not as the whole paragraph.
"""

from __future__ import annotations

import re
from collections import defaultdict, deque
from dataclasses import dataclass

from wiki.documents.tokendiff import DELETE, INSERT, token_diff
from wiki.publishing.sections import FOOTNOTES, Section

_TOKEN = re.compile(r"\w+|[^\w\s]+")  # words and punctuation apart: "partners." → "partners", "."
_WORDLIKE = re.compile(r"\w")
_TOKEN_WORDS = re.compile(r"\w+")
_RENAME_SIMILARITY = 0.6  # share of words in common for an unmatched pair to count as renamed
_RENAME_PAIRS = 2_500  # above this many candidate pairs, renames are not looked for


@dataclass(frozen=True)
class SectionRef:
    number: str  # "" for the document's title heading or the text before the first heading
    title: str
    anchor: str = ""  # the id in the new edition ("" for a removed section)


@dataclass(frozen=True)
class SectionChange:
    section: SectionRef
    words_added: int
    words_removed: int


@dataclass(frozen=True)
class Rename:
    old: SectionRef
    new: SectionRef


@dataclass(frozen=True)
class ChangeSummary:
    added: tuple[SectionRef, ...]
    removed: tuple[SectionRef, ...]  # numbers and titles as they were in the previous edition
    changed: tuple[SectionChange, ...]
    renamed: tuple[Rename, ...]
    unchanged: int
    words_added: int
    words_removed: int
    old_title: str
    new_title: str

    @property
    def nothing(self) -> bool:
        return not (self.added or self.removed or self.changed or self.renamed or self.old_title != self.new_title)


def _ref(section: Section, with_anchor: bool) -> SectionRef:
    heading = section.heading
    if heading is None:
        return SectionRef("", "Footnotes" if section.key == FOOTNOTES else "Text before the first section", "")
    return SectionRef(heading.number, heading.title, heading.anchor if with_anchor else "")


def _tokens(text: str) -> list[str]:
    """Words and punctuation as separate tokens, each ending in a NUL so a diff op's text can be
    split back into its tokens."""
    return [token + "\x00" for token in _TOKEN.findall(text)]


def word_changes(old: str, new: str) -> tuple[int, int]:
    """(words added, words removed) between two texts, from a word-level diff (punctuation and
    spacing alone do not count as words)."""
    if old == new:
        return 0, 0
    counts = {INSERT: 0, DELETE: 0}
    for op, text in token_diff(_tokens(old), _tokens(new)):
        if op in counts:
            counts[op] += sum(1 for token in text.split("\x00") if _WORDLIKE.match(token))
    return counts[INSERT], counts[DELETE]


def _similar(a: str, b: str) -> bool:
    words_a, words_b = set(a.casefold().split()), set(b.casefold().split())
    if not words_a and not words_b:
        return True
    return len(words_a & words_b) / max(len(words_a | words_b), 1) >= _RENAME_SIMILARITY


def summarise(old: list[Section], new: list[Section], old_title: str = "", new_title: str = "") -> ChangeSummary:
    """Compare the sections of the previous edition (`old`) with this one's (`new`)."""
    waiting: dict[str, deque[int]] = defaultdict(deque)
    for index, section in enumerate(old):
        waiting[section.key].append(index)
    pairs: list[tuple[int, int]] = []
    unmatched_new: list[int] = []
    for index, section in enumerate(new):
        queue = waiting.get(section.key)
        if queue:
            pairs.append((queue.popleft(), index))
        else:
            unmatched_new.append(index)
    unmatched_old = sorted(i for queue in waiting.values() for i in queue)
    renames = _renames(old, new, unmatched_old, unmatched_new)
    renamed_old = {i for i, _ in renames}
    renamed_new = {j for _, j in renames}
    changed, unchanged, total_added, total_removed = [], 0, 0, 0
    for i, j in sorted(pairs + renames, key=lambda pair: pair[1]):
        added, removed = word_changes(old[i].text, new[j].text)
        total_added, total_removed = total_added + added, total_removed + removed
        if added or removed:
            changed.append(SectionChange(_ref(new[j], True), added, removed))
        elif j not in renamed_new:
            unchanged += 1
    added_sections = [j for j in unmatched_new if j not in renamed_new]
    removed_sections = [i for i in unmatched_old if i not in renamed_old]
    total_added += sum(len(_TOKEN_WORDS.findall(new[j].text)) for j in added_sections)
    total_removed += sum(len(_TOKEN_WORDS.findall(old[i].text)) for i in removed_sections)
    return ChangeSummary(
        added=tuple(_ref(new[j], True) for j in added_sections),
        removed=tuple(_ref(old[i], False) for i in removed_sections),
        changed=tuple(changed),
        renamed=tuple(Rename(_ref(old[i], False), _ref(new[j], True)) for i, j in renames),
        unchanged=unchanged, words_added=total_added, words_removed=total_removed,
        old_title=old_title, new_title=new_title,
    )


def _renames(old: list[Section], new: list[Section], old_left: list[int], new_left: list[int]):
    """Pairs (old index, new index) of left-over sections whose text stayed (nearly) the same."""
    if not old_left or not new_left or len(old_left) * len(new_left) > _RENAME_PAIRS:
        return []
    pairs, used = [], set()
    for j in new_left:
        if new[j].heading is None:
            continue
        for i in old_left:
            if i not in used and old[i].heading is not None and _similar(old[i].text, new[j].text):
                pairs.append((i, j))
                used.add(i)
                break
    return pairs
