"""The PostgreSQL full-text backend (SEARCH_BACKEND=postgresql): one index every machine shares.

Rows live in ``search_entries`` (wiki/search/models.py) with a ``tsvector`` of the terms
wiki.search.text makes — the same terms the Whoosh backend indexes — under the ``simple`` text search
configuration, so PostgreSQL adds no stemming of its own and both backends match alike. Queries are
``websearch_to_tsquery`` over those terms (words, "phrases", -exclusions, or), joined with
``to_tsquery`` for prefixes (``employ:*``), found through the text's GIN index; who may see a match
is tested on the matching rows (the access tokens' own GIN index matches most of the table for most
searchers, so the planner is kept from ANDing with it).
Snippets are made in Python (wiki/search/highlight.py), as for Whoosh: ``ts_headline`` would
re-analyse the text with PostgreSQL's own stemmer and return it unescaped.

Writers take a transaction-level advisory lock with ``lock_timeout``: one writer at a time across
every process and machine; a timeout is ``IndexBusy`` (the indexer retries). A rebuild builds a new
table and swaps it in, in one transaction (wiki/search/pg_swap.py), so searches see the old rows
until it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError

from wiki.search.backend import Batch, Hit, IndexBusy, SearchPage, SearchRequest, Tally
from wiki.search.entries import GROUP, PUBLIC, Entry
from wiki.search.pg_swap import swap_in_table
from wiki.search.query import PHRASE, PREFIX, TERM, Clause, Query
from wiki.search.text import terms

LOCK_KEY = 0x5EA2C4  # the advisory lock every search writer takes
CHUNK = 500  # rows per INSERT round trip
# ts_rank weights of D, C (body), B (headings), A (title): a heading or title match outweighs any
# number of body matches (ts_rank adds repeated matches with shrinking weight).
RANK_WEIGHTS = "{0.1, 0.1, 0.5, 1.0}"

_COLUMNS = ("key", "kind", "object_id", "group_key", "space_id", "document_id", "author_id", "status", "day",
            "access", "title", "headings", "body", "anchor", "stamp")
_TERMS = ("t_title", "t_headings", "t_body")
_NUMBERS = ("object_id", "space_id", "document_id", "author_id", "day")
# The tsvector of an entry from its terms (wiki.search.text, joined by spaces): one expression for the
# incremental upsert and the bulk rebuild.
_TSV = ("setweight(to_tsvector('simple', {p}t_title), 'A') || setweight(to_tsvector('simple', {p}t_headings), 'B')"
        " || setweight(to_tsvector('simple', {p}t_body), 'C')")

_INSERT = text(f"""
INSERT INTO search_entries ({", ".join(_COLUMNS)}, tsv)
VALUES ({", ".join(f"CAST(:{c} AS varchar(80)[])" if c == "access" else f":{c}" for c in _COLUMNS)},
        {_TSV.format(p=":")})
ON CONFLICT (key) DO UPDATE SET {", ".join(f"{c} = EXCLUDED.{c}" for c in (*_COLUMNS[1:], "tsv"))}
""")


def _values(entry: Entry) -> tuple:
    """An entry's row: the values of ``_COLUMNS`` then of ``_TERMS``."""
    access = sorted(token if token == PUBLIC else f"{entry.space_id}:{token}" for token in entry.access)
    return (entry.key, entry.kind, entry.object_id, entry.group, entry.space_id, entry.document_id, entry.author_id,
            entry.status, entry.date.toordinal() if entry.date else 0, access, entry.title, entry.headings,
            entry.body, entry.anchor, entry.stamp,
            " ".join(terms(entry.title)), " ".join(terms(entry.headings)), " ".join(terms(entry.body)))


def _row(entry: Entry) -> dict:
    return dict(zip(_COLUMNS + _TERMS, _values(entry), strict=True))


# --- the query ------------------------------------------------------------------------------------


# The matches with their rank (computed once per row), counted by kind, space and status, and the
# page of best ones among those that pass the filters, joined back for their text (by primary key).
_SEARCH = """
WITH matched AS MATERIALIZED (
    SELECT key, kind, space_id, status, ts_rank('{weights}', tsv, ({tsquery}), 1) AS score
    FROM search_entries WHERE {where}),
best AS (
    SELECT key, score FROM matched WHERE {narrow} ORDER BY score DESC, key LIMIT :limit OFFSET :offset)
SELECT 0 AS part, kind, space_id, status, count(*) AS n, NULL AS key, NULL AS object_id, NULL AS document_id,
       NULL AS title, NULL AS body, NULL AS anchor, NULL AS score
FROM matched GROUP BY kind, space_id, status
UNION ALL
SELECT 1, e.kind, e.space_id, e.status, 0, e.key, e.object_id, e.document_id, e.title, e.body, e.anchor, best.score
FROM best JOIN search_entries e ON e.key = best.key
ORDER BY part, score DESC, key
"""

_LOAD_TYPES = [f"{c} {'varchar(80)[]' if c == 'access' else 'bigint' if c in _NUMBERS else 'text'}"
               for c in _COLUMNS + _TERMS]


def _websearch(clause: Clause) -> str:
    words = " ".join(clause.terms)
    shown = f'"{words}"' if clause.kind == PHRASE else words
    return f"-{shown}" if clause.negated else shown


def _prefix(clause: Clause) -> str:
    options = [f"'{p}':*" for p in clause.terms] + [f"'{t}'" for t in clause.exact]
    either = " | ".join(options)
    return f"!({either})" if clause.negated else f"({either})"


def tsquery(query: Query) -> tuple[str, dict]:
    """SQL for the tsquery of ``query`` and its parameters (terms are letters and digits only, and
    still travel as parameters)."""
    parts, params = [], {}
    for g, group in enumerate(query.groups):
        pieces = []
        plain = [c for c in group if c.kind in (TERM, PHRASE)]
        if plain:
            params[f"ws{g}"] = " ".join(_websearch(c) for c in plain)
            pieces.append(f"websearch_to_tsquery('simple', :ws{g})")
        prefixes = [c for c in group if c.kind == PREFIX]
        if prefixes:
            params[f"px{g}"] = " & ".join(_prefix(c) for c in prefixes)
            pieces.append(f"to_tsquery('simple', :px{g})")
        parts.append("(" + " && ".join(pieces) + ")")
    return " || ".join(parts), params


class PostgresBackend:
    name = "postgresql"

    def __init__(self, engine: Engine, *, lock_timeout: float = 5.0):
        self.engine = engine
        self.lock_timeout = lock_timeout

    # --- writing -----------------------------------------------------------------------------------

    def _locked(self, conn) -> None:
        conn.execute(text(f"SET LOCAL lock_timeout = '{int(self.lock_timeout * 1000)}ms'"))
        try:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            raise IndexBusy("another search writer held the lock past its timeout") from error
        conn.execute(text("SET LOCAL lock_timeout = 0"))

    def write(self, build: Callable[[], Batch]) -> None:
        with self.engine.begin() as conn:
            self._locked(conn)
            batch = build()
            if batch.documents_removed:
                conn.execute(text("DELETE FROM search_entries WHERE document_id = ANY(:ids)"),
                             {"ids": sorted(batch.documents_removed)})
            if batch.groups:
                conn.execute(text("DELETE FROM search_entries WHERE group_key = ANY(:groups)"),
                             {"groups": sorted(batch.groups)})
            rows = [_row(e) for entries in batch.groups.values() for e in entries]
            for start in range(0, len(rows), CHUNK):
                conn.execute(_INSERT, rows[start:start + CHUNK])

    def rebuild(self, entries: Iterable[Entry], progress: Callable[[int], None] | None = None) -> int:
        """COPY every entry into a temporary table, build a new table from it with its tsvectors
        and indexes made in bulk (far cheaper than maintaining GIN indexes row by row), then swap it
        in: searches read the old table until the commit, and wait only for the swap itself."""
        count = 0
        with self.engine.begin() as conn:
            self._locked(conn)
            conn.execute(text(f"CREATE TEMPORARY TABLE search_load ({', '.join(_LOAD_TYPES)}) ON COMMIT DROP"))
            with conn.connection.cursor() as cursor, cursor.copy(
                    f"COPY search_load ({', '.join(_COLUMNS + _TERMS)}) FROM STDIN") as copy:
                for entry in entries:
                    copy.write_row(_values(entry))
                    count += 1
                    if progress is not None and count % CHUNK == 0:
                        progress(CHUNK)
            if progress is not None:
                progress(count % CHUNK)
            swap_in_table(conn, "search_entries", f"SELECT {', '.join(_COLUMNS)}, {_TSV.format(p='')} FROM search_load")
        return count

    # --- reading -----------------------------------------------------------------------------------

    def _where(self, request: SearchRequest) -> tuple[str, dict, str]:
        """(the WHERE clause, its parameters, the tsquery expression it matches)."""
        sql, params = tsquery(request.query)
        params["tokens"] = [PUBLIC, *sorted(f"{space}:{t}" for space, tokens in request.access.items() for t in tokens)]
        # The access test is made on the matching rows, not through its GIN index: most entries are
        # readable by most searchers, so that index scan returns most of the table (20+ ms at 200,000
        # entries) only to be ANDed with the text index's few hundred rows.
        where = [f"tsv @@ ({sql})", "CAST(access AS text[]) && CAST(:tokens AS text[])"]
        f = request.filters
        if f.date_from:
            where.append("day >= :first")
            params["first"] = f.date_from.toordinal()
        if f.date_to:
            where.append("day <= :last AND day > 0")
            params["last"] = f.date_to.toordinal()
        return " AND ".join(where), params, sql

    def search(self, request: SearchRequest) -> SearchPage:
        """One statement, one scan of the matching rows: the facet counts of every match and the page
        of best ones (``_SEARCH``), each ranked once."""
        if request.query.empty:
            return SearchPage([], 0)
        where, params, tsq = self._where(request)
        f = request.filters
        narrow = []
        for column, values, name in (("kind", f.kinds, "kinds"), ("space_id", f.spaces, "spaces"),
                                     ("status", f.statuses, "statuses")):
            if values:
                narrow.append(f"{column} = ANY(:{name})")
                params[name] = sorted(values)
        sql = _SEARCH.format(weights=RANK_WEIGHTS, tsquery=tsq, where=where, narrow=" AND ".join(narrow) or "TRUE")
        tally, hits = Tally(request), []
        with self.engine.connect() as conn:
            for r in conn.execute(text(sql), {**params, "limit": request.limit, "offset": request.offset}):
                if r.key is None:
                    tally.count(r.kind, r.space_id, r.status, r.n)
                else:
                    hits.append(Hit(key=r.key, kind=r.kind, object_id=r.object_id, space_id=r.space_id,
                                    document_id=r.document_id, title=r.title, body=r.body, anchor=r.anchor,
                                    score=float(r.score)))
        return SearchPage(hits, tally.total, tally.facets())

    def term_counts(self, found: Iterable[str]) -> dict[str, int]:
        """One statement for all the terms (a search with few results asks for its words and each
        word's one-edit spellings: a round trip per term was most of such a search's time)."""
        found = sorted(set(found))
        if not found:
            return {}
        with self.engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT t, (SELECT count(*) FROM search_entries WHERE tsv @@ plainto_tsquery('simple', t)) AS n "
                "FROM unnest(CAST(:terms AS text[])) AS t"), {"terms": found})
            return {t: n for t, n in rows if n}

    def group_stamps(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT group_key, stamp FROM search_entries WHERE kind = :kind"),
                                {"kind": GROUP})
            return dict(rows.all())

    def groups_for_author(self, user_id: int) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT DISTINCT group_key FROM search_entries WHERE author_id = :user"),
                                {"user": user_id})
            return set(rows.scalars())

    def close(self) -> None:
        """Nothing to close: connections belong to the app's engine."""
