"""What changed between two editions, section by section, in words a reader understands (PURE).

Sections are matched by their title (an author's own leading number ignored, so "3.2 Support"
matches "3.3 Support" after a section was inserted before it), in order (see ``align``). Left-over
sections whose text is the same or nearly the same were renamed, the others were added or removed.
A matched section whose text differs was changed, and its word counts come from the documents'
token diff (wiki/documents/tokendiff.py), so a reworded phrase counts as the words reworded, not as
the whole paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from wiki.documents.tokendiff import DELETE, EQUAL, INSERT, token_diff
from wiki.publishing.sections import FOOTNOTES, Section

_TOKEN = re.compile(r"\w+|[^\w\s]+")  # words and punctuation apart: "partners." → "partners", "."
_WORDLIKE = re.compile(r"\w")
_END = "\x1e"  # ends each key in the diff of keys (documents never hold control characters)
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


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix, by halving (each step one C-speed slice comparison)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _trim(old: str, new: str) -> tuple[str, str]:
    """The two texts without what they share at both ends, cut back to whole words, so only the
    changed middle is split into words and diffed (a section is often long, its change short)."""
    start = max(old.rfind(" ", 0, _common_prefix(old, new)), 0)  # a shared space: a boundary in both
    end = _common_prefix(old[start:][::-1], new[start:][::-1])
    cut = old.find(" ", len(old) - end) if end else -1
    end = len(old) - cut if cut >= 0 else 0
    return old[start:len(old) - end], new[start:len(new) - end]


def word_changes(old: str, new: str) -> tuple[int, int]:
    """(words added, words removed) between two texts, from a word-level diff (punctuation and
    spacing alone do not count as words)."""
    if old == new:
        return 0, 0
    old, new = _trim(old, new)
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


def align(old: list[Section], new: list[Section]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """(matched pairs, old sections left, new sections left), in document order.

    The sequences of section keys are diffed (the documents' token diff), so matching keeps the
    order: a document with 200 subsections all called "Actions" still pairs each with its own,
    and renaming one does not shift the rest. Left-over sections inside one changed stretch that
    kept (nearly) the same text were renamed."""
    ops = token_diff([section.key + _END for section in old], [section.key + _END for section in new])
    pairs: list[tuple[int, int]] = []
    gone: list[int] = []
    came: list[int] = []
    stretch_old: list[int] = []
    stretch_new: list[int] = []
    i = j = 0
    for op, text in [*ops, (EQUAL, "")]:
        count = text.count(_END)
        if op == EQUAL:
            renamed = _renames(old, new, stretch_old, stretch_new)
            pairs += renamed
            gone += [k for k in stretch_old if k not in {a for a, _ in renamed}]
            came += [k for k in stretch_new if k not in {b for _, b in renamed}]
            stretch_old, stretch_new = [], []
            pairs += [(i + k, j + k) for k in range(count)]
            i, j = i + count, j + count
        elif op == DELETE:
            stretch_old += range(i, i + count)
            i += count
        else:
            stretch_new += range(j, j + count)
            j += count
    return sorted(pairs, key=lambda pair: pair[1]), gone, came


def summarise(old: list[Section], new: list[Section], old_title: str = "", new_title: str = "") -> ChangeSummary:
    """Compare the sections of the previous edition (`old`) with this one's (`new`)."""
    pairs, removed_sections, added_sections = align(old, new)
    changed, renames, unchanged, total_added, total_removed = [], [], 0, 0, 0
    for i, j in pairs:
        added, removed = word_changes(old[i].text, new[j].text)
        total_added, total_removed = total_added + added, total_removed + removed
        if old[i].key != new[j].key:
            renames.append(Rename(_ref(old[i], False), _ref(new[j], True)))
        if added or removed:
            changed.append(SectionChange(_ref(new[j], True), added, removed))
        elif old[i].key == new[j].key:
            unchanged += 1
    total_added += sum(len(_TOKEN_WORDS.findall(new[j].text)) for j in added_sections)
    total_removed += sum(len(_TOKEN_WORDS.findall(old[i].text)) for i in removed_sections)
    return ChangeSummary(
        added=tuple(_ref(new[j], True) for j in added_sections),
        removed=tuple(_ref(old[i], False) for i in removed_sections),
        changed=tuple(changed), renamed=tuple(renames),
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
