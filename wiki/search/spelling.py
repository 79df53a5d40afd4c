"""PURE: "did you mean" candidates for a word the index does not hold.

Every spelling one edit away (a letter dropped, added, changed, or two swapped) is turned into its
index term; the backend then says which of those terms it holds and how often, and the most frequent
wins. One edit covers most typing slips; the index, not a dictionary, decides what is a word, so
names and local jargon are suggested too. The caller shows a suggestion only if the corrected search
finds something *for that searcher* — a suggestion never hints at words in pages they cannot read.
"""

from __future__ import annotations

import re

from wiki.search.text import term

LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_WORD, MAX_WORD = 3, 24


def edits1(word: str) -> set[str]:
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    inserts = {a + c + b for a, b in splits for c in LETTERS}
    return (deletes | swaps | replaces | inserts) - {word}


def candidates(word: str) -> dict[str, str]:
    """Index term → the spelling it comes from, for every spelling one edit from ``word``
    (the shortest spelling per term, so suggestions read as plain words)."""
    word = word.lower()
    if not (word.isascii() and word.isalpha() and MIN_WORD <= len(word) <= MAX_WORD):
        return {}
    own = term(word)
    found: dict[str, str] = {}
    for spelling in sorted(edits1(word), key=lambda s: (len(s), s)):
        found_term = term(spelling)
        if found_term is not None and found_term != own:
            found.setdefault(found_term, spelling)
    return found


def rewrite(text: str, replacements: dict[str, str]) -> str:
    """``text`` with each misspelt word (as typed) replaced, the rest of the query left alone."""
    for typed, better in replacements.items():
        text = re.sub(rf"(?<![\w]){re.escape(typed)}(?![\w])", better, text, count=1, flags=re.IGNORECASE)
    return text
