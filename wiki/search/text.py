"""PURE: the one way text becomes search terms, for indexing, querying and highlighting alike.

Every backend indexes the terms made here (Whoosh through a small analyzer wrapper, PostgreSQL as a
``simple`` tsvector of them), so a word matches the same way on both, and the highlighter marks
exactly the words the query matched.

Why not a stock English stemmer alone: Porter/Snowball (Whoosh's and PostgreSQL's ``english``) stem
"prioritise" to ``prioritis``, "prioritize" to ``priorit`` and "priorities" to ``prioriti`` — three
different terms for one idea, and UK public-sector text mixes both spellings. So before stemming,
British ``-ise``/``-isation`` endings take the American spelling (which Snowball already folds), and
after it the ``-y → -i`` ending that Snowball keeps is dropped. Both sides of a match go through the
same function, so this can only merge words, never lose a match.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator

from whoosh.lang.snowball.english import EnglishStemmer

# Letters and digits only (no underscore): PostgreSQL's parser splits on the same characters.
WORD_RE = re.compile(r"[^\W_]+")
MIN_LENGTH, MAX_LENGTH = 2, 40  # shorter words carry no meaning; longer ones are noise or attacks

_STOP = ("a an and are as at be been but by can do for from has have if in into is it its no not of on or our "
         "so such that the their them then there these they this to was we were will with you your")
STOP_WORDS = frozenset(_STOP.split(" "))

_BRITISH = re.compile(r"(?<=[a-z]{3})is(e|es|ed|ing|er|ers|ation|ations)$")
_stemmer = EnglishStemmer()


def fold(word: str) -> str:
    """Lower case without accents ("Café" → "cafe"), so either spelling finds the other."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@functools.lru_cache(maxsize=200_000)
def normalise(word: str) -> str:
    """The index term for one already-folded word (cached: a corpus repeats its words)."""
    if not word.isalpha():
        return word  # numbers and mixed tokens ("2030", "covid19") are kept as they are
    word = _BRITISH.sub(r"iz\1", word)
    stem = _stemmer.stem(word)
    if len(stem) > 4 and stem.endswith("i"):
        stem = stem[:-1]  # priority/priorities → prioriti → priorit (as prioritize → priorit)
    return stem


def words(text: str) -> Iterator[tuple[str, int, int]]:
    """(folded word, start, end) for every word in ``text`` of a useful length, stop words included."""
    for match in WORD_RE.finditer(text):
        word = _fold_word(match.group())
        if MIN_LENGTH <= len(word) <= MAX_LENGTH:
            yield word, match.start(), match.end()


def _fold_word(word: str) -> str:
    return word.lower() if word.isascii() else fold(word)


@functools.lru_cache(maxsize=200_000)
def term(word: str) -> str | None:
    """The index term of one word as written, or None for a stop word or an unusable length."""
    folded = _fold_word(word)
    if folded in STOP_WORDS or not MIN_LENGTH <= len(folded) <= MAX_LENGTH:
        return None
    return normalise(folded)


def terms(text: str) -> list[str]:
    """The index terms of ``text`` in order, stop words left out."""
    return [t for t in map(term, WORD_RE.findall(text)) if t is not None]


def term_positions(text: str) -> Iterator[tuple[str, int, int, int]]:
    """(term, position, start, end): positions count indexed words only, so a phrase matches across
    a stop word ("support of peers" ~ "support peers") the same way on every backend."""
    position = 0
    for match in WORD_RE.finditer(text):
        found = term(match.group())
        if found is not None:
            yield found, position, match.start(), match.end()
            position += 1
