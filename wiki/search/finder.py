"""Searching as one user: what they may find, and "did you mean".

The index narrows by access tokens (wiki/search/entries.py); the spaces a user may read and the kind
of viewer they are in each come from the permission rules at query time (``permissions.can_read``,
``presenters.viewer_for``). Every result on the page is then re-checked against the live database
with the same rules (wiki/search/hydrate.py).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from wiki.auth import permissions
from wiki.comments.presenters import viewer_for
from wiki.errors import DomainError
from wiki.search import highlight, spelling
from wiki.search.backend import Backend, Filters, SearchPage, SearchRequest
from wiki.search.entries import searcher_tokens
from wiki.search.hydrate import Hydrator, Result
from wiki.search.query import TERM, Query, QuerySyntaxError, parse
from wiki.spaces import service as spaces
from wiki.spaces.models import Space

log = logging.getLogger(__name__)
MAX_PAGE = 100  # deeper pages cost more than anyone reads
SUGGEST_BELOW = 3  # "did you mean" is looked for when a search finds fewer results than this


class BadQuery(DomainError):
    """The search cannot be understood (400, with how to fix it)."""

    status = 400


class SearchUnavailable(DomainError):
    """The index cannot be read (a damaged index folder, the database backend unreachable): a 503
    with a message, logged, never a 500 page."""

    status = 503


@dataclass
class Outcome:
    query: Query
    results: list[Result]
    total: int
    page: int
    per_page: int
    facets: dict
    spaces: dict  # id → the readable spaces (rows of SPACE_COLUMNS)
    suggestion: str | None = None
    stale: list[str] = dataclasses.field(default_factory=list)  # groups to refresh (found out of date)

    @property
    def pages(self) -> int:
        return max(1, min(MAX_PAGE, -(-self.total // self.per_page)))


def parse_query(text: str) -> Query:
    try:
        return parse(text)
    except QuerySyntaxError as error:
        raise BadQuery(str(error)) from None


SPACE_COLUMNS = (Space.id, Space.slug, Space.title, Space.is_private, Space.premoderation,
                 Space.facilitators_see_anonymous)


def access_map(session, user) -> tuple[dict[int, frozenset[str]], dict, dict[int, permissions.Actor]]:
    """Every space the user may read → the access tokens they hold there (spaces are read as plain
    rows, with the columns the rules and the results need: this runs on every search)."""
    all_spaces = session.execute(select(*SPACE_COLUMNS)).all()
    actors = spaces.actors_for(session, user, all_spaces)
    readable = {s.id: s for s in all_spaces if permissions.can_read(actors[s.id], s.is_private)}
    viewers: dict = {}
    access = {}
    for i, space in readable.items():
        key = (actors[i], space.is_private)
        if key not in viewers:
            viewers[key] = searcher_tokens(viewer_for(actors[i], user, space))
        access[i] = viewers[key]
    return access, readable, actors


def search(session, backend: Backend, user, text: str, *, kinds=(), space_slugs=(), statuses=(),
           date_from: date | None = None, date_to: date | None = None, page: int = 1, per_page: int = 10) -> Outcome:
    """``text`` searched as ``user``; filters are the user's choices (an unreadable space is refused
    exactly like a missing one)."""
    query = parse_query(text)
    page = max(1, min(page, MAX_PAGE))
    access, readable, actors = access_map(session, user)
    by_slug = {s.slug: s.id for s in readable.values()}
    missing = [slug for slug in space_slugs if slug not in by_slug]
    if missing:
        raise BadQuery(f"No space {missing[0][:64]!r}, or you do not have access to it.")
    filters = Filters(frozenset(kinds), frozenset(by_slug[s] for s in space_slugs), frozenset(statuses),
                      date_from, date_to)
    request = SearchRequest(query, access, filters, (page - 1) * per_page, per_page)
    found = _search(backend, request) if not query.empty else SearchPage([], 0)
    outcome = Outcome(query, [], found.total, page, per_page, found.facets, readable)
    hydrator = Hydrator(session, user, readable, actors, highlight.Matcher(query))
    outcome.results = hydrator.results(found.hits)
    outcome.stale = hydrator.stale
    if not query.empty and found.total < SUGGEST_BELOW:
        try:
            outcome.suggestion = suggest(backend, request, query)
        except Exception:  # a suggestion is a nicety: the results stand without it
            log.exception("search suggestion failed")
    return outcome


def _search(backend: Backend, request: SearchRequest) -> SearchPage:
    try:
        return backend.search(request)
    except Exception as error:
        log.exception("search failed on the %s backend", backend.name)
        raise SearchUnavailable("Search is unavailable just now. Please try again in a minute.") from error


# --- did you mean ---------------------------------------------------------------------------------------


def suggest(backend: Backend, request: SearchRequest, query: Query) -> str | None:
    """A corrected search, if some words are not in the index and one-edit spellings of them are,
    and the corrected search finds something for this searcher."""
    words = [c for c in query.positive() if c.kind == TERM][:4]
    known = backend.term_counts(c.terms[0] for c in words)
    replacements = {}
    for clause in words:
        if clause.terms[0] in known:
            continue
        options = spelling.candidates(clause.typed)
        counts = backend.term_counts(options) if options else {}
        if counts:
            replacements[clause.typed] = options[max(sorted(counts), key=counts.get)]
    if not replacements:
        return None
    corrected = spelling.rewrite(query.text, replacements)
    try:
        check = dataclasses.replace(request, query=parse(corrected), offset=0, limit=1)
    except QuerySyntaxError:
        return None
    return corrected if backend.search(check).total else None


def parse_date(raw: str | None, name: str) -> date | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadQuery(f"'{name}' must be a date like 2026-03-31.") from None
