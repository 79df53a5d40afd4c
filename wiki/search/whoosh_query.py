"""A parsed query (wiki.search.query) as a Whoosh query over the title, headings and body fields.

Each word is looked for in all three, boosted so that a title or heading match ranks above a body
match; a phrase likewise; a prefix expands to the most frequent index terms that start with it
(capped, so ``co*`` over a large index stays fast).
"""

from __future__ import annotations

import bisect
import heapq
import itertools

from whoosh import query as wq
from whoosh.matching import AndNotMatcher, ListMatcher, NullMatcher, WrappingMatcher
from whoosh.query.compound import DefaultOr
from whoosh.query.spans import Span, SpanNear2

from wiki.search.query import PHRASE, PREFIX, Clause, Query

# A body match scores at most k1 + 1 = 2.2 (BM25 saturates); titles and headings are scored without
# length normalisation (index.BM25F_OPTIONS), so one match there outweighs any number in the body.
FIELDS = {"title": 5.0, "headings": 3.0, "body": 1.0}
MAX_EXPANSIONS = 50  # terms a prefix may stand for
_SCAN = 2000  # terms looked at to choose them


def _Or(queries) -> wq.Query:  # noqa: N802 - reads like the Whoosh class it stands for
    """A union as a tree of matchers: Whoosh's default ``Or`` pre-loads every match into arrays on
    small indexes, which costs milliseconds per field and term."""
    return DefaultOr(queries)


class _ExcludingMatcher(AndNotMatcher):
    """Whoosh's AndNotMatcher skips its first excluded document only when both sides start on it: when
    the excluded side starts earlier, an excluded document at the start was still matched. This one
    moves the excluded side up first."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active() and self.b.id() <= self.a.id():
            self._find_next()


class _AndNot(wq.AndNot):
    def matcher(self, searcher, context=None):
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _ExcludingMatcher(self.a.matcher(searcher, context), excluded)


class _ScoredList(ListMatcher):
    """Documents and their summed scores, skipping by bisection (Whoosh's steps one by one)."""

    def skip_to(self, id):  # noqa: A002 - Whoosh's name
        if self._i < len(self._ids) and id > self._ids[self._i]:
            self._i = bisect.bisect_left(self._ids, id, self._i)


class _Flat(wq.Or):
    """A union of many terms read in one pass: every posting of every (term, field) is scored once
    and the scores summed per document, instead of marching a tree of union matchers (depth ~7 for a
    prefix's 50 terms × 3 fields) along every match. Same documents, same sums, several times less
    Python per match. Used for prefixes, whose union is read whole anyway."""

    def _matcher(self, subs, searcher, context):
        scored = context is None or context.weighting is not None
        scores: dict[int, float] = {}
        for sub in subs:
            m = sub.matcher(searcher, context)
            while m.is_active():
                docnum = m.id()
                scores[docnum] = scores.get(docnum, 0.0) + (m.score() if scored else 1.0)
                m.next()
        if not scores:
            return NullMatcher()
        ids = sorted(scores)
        return _ScoredList(ids, [scores[i] for i in ids])


class _AdjacentMatcher(SpanNear2.SpanNear2Matcher):
    """Whoosh's matcher for an exact phrase (its terms at adjacent positions, in order), deciding a
    document from its terms' positions as sets instead of comparing span objects pairwise: the same
    spans, the same documents and scores (the terms' summed, as Whoosh's). After posting blocks were
    packed, Whoosh's span comparisons were the largest part of a phrase with a common word."""

    def __init__(self, ms):
        super().__init__(ms, slop=1, ordered=True, mindist=1)

    def copy(self):
        return self.__class__([m.copy() for m in self.ms])

    def _get_spans(self):
        starts = self.ms[0].value_as("positions")
        for offset, m in enumerate(self.ms[1:], 1):
            if not starts:
                return []
            later = set(m.value_as("positions"))
            starts = [start for start in starts if start + offset in later]
        return [Span(start, start + len(self.ms) - 1) for start in starts]


class _Phrase(wq.Phrase):
    """Whoosh's phrase query (``slop`` 1), matched by ``_AdjacentMatcher``: the terms' postings are
    intersected first (skipping whole blocks), and positions read only where all of them are."""

    def matcher(self, searcher, context=None):
        schema = searcher.schema
        field = schema[self.fieldname] if self.fieldname in schema else None  # noqa: SIM401 - Schema has no get()
        if self.slop != 1 or not self.words or not (field and field.format and field.format.supports("positions")):
            return super().matcher(searcher, context)
        ms = [wq.Term(self.fieldname, word).matcher(searcher, context) for word in self.words]
        if not all(m.is_active() for m in ms):
            return NullMatcher()
        matcher = _AdjacentMatcher(ms)
        return matcher if self.boost == 1.0 else WrappingMatcher(matcher, boost=self.boost)


def compile_query(parsed: Query, reader) -> wq.Query:
    groups = [_group(group, reader) for group in parsed.groups]
    return groups[0] if len(groups) == 1 else _Or(groups)


def _group(clauses: tuple[Clause, ...], reader) -> wq.Query:
    positive = [_clause(c, reader) for c in clauses if not c.negated]
    negative = [_clause(c, reader) for c in clauses if c.negated]
    query = positive[0] if len(positive) == 1 else wq.And(positive)
    if negative:
        query = _AndNot(query, negative[0] if len(negative) == 1 else _Or(negative))
    return query


def _clause(clause: Clause, reader) -> wq.Query:
    if clause.kind == PHRASE:
        return _Or([_Phrase(name, list(clause.terms), boost=boost) for name, boost in FIELDS.items()])
    if clause.kind == PREFIX:
        return _terms(expand(clause, reader), _Flat)
    return _terms(clause.terms)


def _terms(found, union=_Or) -> wq.Query:
    found = list(found)
    if not found:
        return wq.NullQuery
    return union([wq.Term(name, text, boost=boost) for text in found for name, boost in FIELDS.items()])


def expand(clause: Clause, reader) -> list[str]:
    """The index terms a prefix clause stands for: the most frequent few."""
    candidates = set()
    for prefix in clause.terms:
        candidates.update(itertools.islice(reader.expand_prefix("body", prefix), _SCAN))
        candidates.update(itertools.islice(reader.expand_prefix("title", prefix), _SCAN))
    candidates = {c.decode() if isinstance(c, bytes) else c for c in candidates}
    candidates.update(t for t in clause.exact if reader.doc_frequency("body", t) or reader.doc_frequency("title", t))
    if len(candidates) <= MAX_EXPANSIONS:
        return sorted(candidates)
    return heapq.nlargest(MAX_EXPANSIONS, sorted(candidates), key=lambda t: reader.doc_frequency("body", t))
