"""PURE: what a user typed in the search box, parsed once into clauses every backend understands.

The language is the one people already know from web search engines: words (all must match),
``"a phrase"``, ``prefix*``, ``-excluded`` (also ``-"a phrase"``), and ``OR`` between alternatives.
Parsing here rather than in each backend gives Whoosh and PostgreSQL the same meaning for the same
query, and one place to refuse a malformed query with a message a person can act on.

Words become index terms with wiki.search.text, the function the indexer uses. A word that holds
punctuation ("covid-19") becomes a phrase of its parts, as it reads. Very common words ("the") are
left out and reported, so a query of only those finds nothing rather than everything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wiki.search.text import STOP_WORDS, fold, normalise, terms, words

MAX_LENGTH = 256
MAX_CLAUSES = 16
MIN_PREFIX = 2
TERM, PHRASE, PREFIX = "term", "phrase", "prefix"


class QuerySyntaxError(ValueError):
    """The query cannot be understood; the message says how to fix it."""


@dataclass(frozen=True)
class Clause:
    kind: str  # term | phrase | prefix
    terms: tuple[str, ...]  # term: one; phrase: in order; prefix: the prefixes to expand
    negated: bool = False
    typed: str = ""  # as the user wrote it, without the "-" (for "did you mean")
    exact: tuple[str, ...] = ()  # prefix: whole terms that also count ("employm*" → "employ")


@dataclass(frozen=True)
class Query:
    groups: tuple[tuple[Clause, ...], ...]  # alternatives (OR) of clauses that must all hold (AND)
    ignored: tuple[str, ...] = ()  # very common words left out
    text: str = ""

    @property
    def empty(self) -> bool:
        return not self.groups

    def positive(self) -> list[Clause]:
        return [c for group in self.groups for c in group if not c.negated]

    def highlight_terms(self) -> tuple[frozenset[str], tuple[str, ...]]:
        """(whole terms, prefixes) a matching word may have: what the snippets mark."""
        whole: set[str] = set()
        prefixes: list[str] = []
        for clause in self.positive():
            if clause.kind == PREFIX:
                prefixes += clause.terms
                whole.update(clause.exact)
            else:
                whole.update(clause.terms)
        return frozenset(whole), tuple(sorted(set(prefixes)))


@dataclass
class _Token:
    text: str
    phrase: bool = False
    negated: bool = False
    ignored: list[str] = field(default_factory=list)


def parse(text: str) -> Query:
    """Parse ``text`` (raises QuerySyntaxError with a message for the user)."""
    text = (text or "").strip()
    if len(text) > MAX_LENGTH:
        raise QuerySyntaxError(f"The search is too long: use at most {MAX_LENGTH} characters.")
    groups: list[list[Clause]] = [[]]
    ignored: list[str] = []
    expect_operand = True
    for token in _tokens(text):
        if token.text == "OR" and not token.phrase and not token.negated:
            if expect_operand:
                raise QuerySyntaxError("Put words on both sides of OR, e.g. housing OR homes.")
            groups.append([])
            expect_operand = True
            continue
        clause = _clause(token, ignored)
        expect_operand = False
        if clause is not None:
            groups[-1].append(clause)
    if expect_operand and len(groups) > 1:
        raise QuerySyntaxError("Put words on both sides of OR, e.g. housing OR homes.")
    if sum(len(g) for g in groups) > MAX_CLAUSES:
        raise QuerySyntaxError(f"The search has too many parts: use at most {MAX_CLAUSES} words or phrases.")
    for group in groups:
        if group and all(c.negated for c in group):
            raise QuerySyntaxError("Add a word to look for: a search cannot only exclude words (-word).")
    kept = tuple(tuple(g) for g in groups if g)
    return Query(kept, tuple(dict.fromkeys(ignored)), text)


def _tokens(text: str) -> list[_Token]:
    """Split on spaces, keeping quoted phrases whole; a leading "-" negates."""
    tokens: list[_Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        start = i + 1 if negated else i
        if start < n and text[start] == '"':
            end = text.find('"', start + 1)
            if end < 0:
                raise QuerySyntaxError('Close the quotation marks around the phrase, e.g. "peer support".')
            tokens.append(_Token(text[start + 1:end], phrase=True, negated=negated))
            i = end + 1
            continue
        end = start
        while end < n and not text[end].isspace() and text[end] != '"':
            end += 1
        word = text[start:end]
        if word in ("", "-") or (negated and not word):
            raise QuerySyntaxError("A minus sign must come right before the word to leave out, e.g. -parking.")
        tokens.append(_Token(word, negated=negated))
        i = end
    return tokens


def _clause(token: _Token, ignored: list[str]) -> Clause | None:
    text = token.text
    if not token.phrase and "*" in text:
        return _prefix(token)
    found = terms(text)
    if not found:
        if not text.strip():
            raise QuerySyntaxError('The phrase in quotation marks is empty: put words between them.')
        ignored += [w for w, _, _ in words(text) if w in STOP_WORDS] or [text]
        return None
    kind = TERM if len(found) == 1 and not token.phrase else PHRASE
    if kind == PHRASE and len(found) == 1:
        kind = TERM
    return Clause(kind, tuple(found), token.negated, text)


def _prefix(token: _Token) -> Clause:
    """``employ*``: index terms starting with the word as typed or with its stem, plus stems the
    typed letters already run past ("employm*" finds "employment", indexed as ``employ``)."""
    text = token.text
    if not text.endswith("*") or text.count("*") > 1:
        raise QuerySyntaxError("A * can only end a word, e.g. employ* finds employment and employer.")
    base = [w for w, _, _ in words(text[:-1])]
    if len(base) != 1 or len(base[0]) < MIN_PREFIX or fold(text[:-1]) != base[0]:
        raise QuerySyntaxError(f"Give at least {MIN_PREFIX} letters or digits (and nothing else) before the *.")
    typed = base[0]
    prefixes = {typed, normalise(typed)}
    exact = {typed[:n] for n in range(max(4, len(typed) - 4), len(typed))}
    return Clause(PREFIX, tuple(sorted(prefixes)), token.negated, text, tuple(sorted(exact)))
