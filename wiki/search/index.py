"""The Whoosh backend (the default): a local index under the instance path. No Flask here.

* One writer at a time: Whoosh's file lock, taken with a timeout (``IndexBusy`` when it runs out;
  the indexer retries), so several processes on one machine share the index safely.
* One searcher per thread, kept and refreshed (Whoosh reads files with seek + read, so a searcher
  must not be shared between threads; opening one per request costs several milliseconds). It is
  refreshed at once after this process writes, and at most every ``refresh_seconds`` for writes
  made by other processes.
* Who may see what is checked per matching entry from a small per-segment table (kind, space,
  status, day, access tokens) read once from a column and cached by segment id: segments never
  change, so the cache stays right until a merge replaces them.
"""

from __future__ import annotations

import functools
import heapq
import logging
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import columns, fields, formats, index
from whoosh.analysis import IDTokenizer, Token, Tokenizer
from whoosh.codec.whoosh3 import W3PerDocReader
from whoosh.index import LockError
from whoosh.writing import CLEAR

from wiki.search import whoosh_query
from wiki.search.backend import Batch, Hit, IndexBusy, SearchPage, SearchRequest, Tally
from wiki.search.entries import GROUP, Entry
from wiki.search.text import term_positions, terms
from wiki.search.whoosh_codec import ListedWeighting, RebuildCodec, listed_lengths
from wiki.search.whoosh_rebuild import ParallelRebuildWriter, RebuildWriter

log = logging.getLogger(__name__)
SCHEMA_VERSION = "wiki-search-2"  # 2: WikiText, WikiID, key only stored
# BM25F without length normalisation for the short fields: a heading among many is as good a match
# as a heading alone (see whoosh_query.FIELDS for the boosts).
BM25F_OPTIONS = {"title_B": 0.0, "headings_B": 0.0}


class WikiAnalyzer(Tokenizer):
    """Whoosh analyzer producing wiki.search.text terms (the same terms the PostgreSQL backend stores)."""

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True, start_pos=0,
                 start_char=0, tokenize=True, mode="", **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for found, position, start, end in term_positions(value):
            token.text, token.boost, token.stopped = found, 1.0, False
            if positions:
                token.pos = start_pos + position
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class WikiText(fields.TEXT):
    """A text field indexed straight from ``wiki.search.text.terms``: the same postings Whoosh's
    ``TEXT`` makes through the analyzer, its tokens and its format, for about a third of the CPU
    (~1 million postings for every 40,000 entries of a rebuild). Stock ``TEXT`` for anything else
    (a list of words, other options)."""

    def index(self, value, **kwargs):
        format_ = self.format
        if not isinstance(value, str) or kwargs or type(format_) is not formats.Positions:
            return super().index(value, **kwargs)
        positions: dict[str, list[int]] = {}
        for position, found in enumerate(terms(value)):
            listed = positions.get(found)
            if listed is None:
                positions[found] = [position]
            else:
                listed.append(position)
        boost, encode = format_.field_boost, format_.encode
        return [(found.encode(), len(listed), len(listed) * boost, _once(listed[0]) if len(listed) == 1 else
                 encode(listed)) for found, listed in positions.items()]


class WikiID(fields.ID):
    """An ID field indexed without building a token: the value itself is the one term, as
    Whoosh's ``ID`` (its ``IDTokenizer`` and ``Existence`` format) would make it."""

    def index(self, value, **kwargs):
        if not isinstance(value, str) or kwargs or type(self.analyzer) is not IDTokenizer:
            return super().index(value, **kwargs)
        return [(value.encode(), 1, self.format.field_boost, b"")]


@functools.lru_cache(maxsize=100_000)
def _once(position: int) -> bytes:
    """The encoded value of a word found once, at ``position`` (most postings): made once each."""
    return formats.Positions().encode([position])


def make_schema() -> fields.Schema:
    analyzer = WikiAnalyzer()
    return fields.Schema(
        key=fields.STORED(),  # shown with a hit, never looked up: indexing it made a term per entry
        group=WikiID(stored=True),
        document=WikiID(),
        author=WikiID(),
        title=WikiText(analyzer=analyzer, stored=True, phrase=True),
        headings=WikiText(analyzer=analyzer, phrase=True),
        body=WikiText(analyzer=analyzer, stored=True, phrase=True),
        meta=fields.COLUMN(columns.VarBytesColumn()),
        info=fields.STORED(),
    )


def _meta(entry: Entry) -> bytes:
    day = entry.date.toordinal() if entry.date else 0
    return "\t".join([entry.kind, str(entry.space_id), entry.status, str(day), " ".join(sorted(entry.access))]).encode()


def _parse_meta(raw: bytes, interned: dict) -> tuple:
    kind, space, status, day, access = raw.decode().split("\t")
    value = (kind, int(space), status, int(day), frozenset(access.split()))
    return interned.setdefault(value, value)


def _document(entry: Entry) -> dict:
    """The fields of one entry. A missing document or author is left out (None), not indexed as an
    empty term nobody looks up."""
    info = (entry.kind, entry.object_id, entry.space_id, entry.document_id, entry.anchor, entry.stamp)
    return dict(key=entry.key, group=entry.group, document=_id(entry.document_id), author=_id(entry.author_id),
                title=entry.title, headings=entry.headings, body=entry.body, meta=_meta(entry), info=info)


def _id(value: int | None) -> str | None:
    return None if value is None else str(value)


class WhooshBackend:
    name = "whoosh"

    def __init__(self, path: str | Path, *, lock_timeout: float = 5.0, refresh_seconds: float = 1.0,
                 rebuild_procs: int = 1):
        self.path = Path(path)
        self.lock_timeout, self.refresh_seconds = lock_timeout, refresh_seconds
        # A rebuild's postings are held in memory (~700 MB for issue 7's corpus in one process), then
        # written; with several processes, each holds its share (whoosh_rebuild.ParallelRebuildWriter).
        self.rebuild_procs = rebuild_procs
        self._ix = None
        self._open_lock = threading.Lock()
        self._searchers: dict[int, tuple] = {}  # thread id → (searcher, generation, checked at)
        self._generation = 0  # bumped by every write of this process
        self._metas: dict[str, list] = {}
        self._lengths: dict[str, dict[str, list | None]] = {}  # segment id → field → lengths
        self._weighting = ListedWeighting(self._segment_lengths, **BM25F_OPTIONS)
        self._metas_lock = threading.Lock()

    # --- the index and its searchers ---------------------------------------------------------------

    def _index(self):
        with self._open_lock:
            if self._ix is None:
                self._ix = self._open_or_create()
            return self._ix

    def _open_or_create(self):
        marker = self.path / "SCHEMA_VERSION"
        if index.exists_in(str(self.path)) and marker.exists() and marker.read_text() == SCHEMA_VERSION:
            return index.open_dir(str(self.path))
        if index.exists_in(str(self.path)):
            log.warning("search index at %s has an older layout: starting empty, run `flask search reindex`",
                        self.path)
            shutil.rmtree(self.path)
        self.path.mkdir(parents=True, exist_ok=True)
        ix = index.create_in(str(self.path), make_schema())
        marker.write_text(SCHEMA_VERSION)
        return ix

    def searcher(self):
        """This thread's searcher, refreshed if this process wrote since, or (every
        ``refresh_seconds``) if another process did."""
        thread, now = threading.get_ident(), time.monotonic()
        searcher, generation, checked = self._searchers.get(thread, (None, 0, 0.0))
        if searcher is not None:
            if generation == self._generation and now - checked <= self.refresh_seconds:
                return searcher
            if searcher.up_to_date():
                self._searchers[thread] = (searcher, self._generation, now)
                return searcher
            searcher.close()  # not Searcher.refresh(): whoosh-reloaded 2.7.5 keeps stale segments there
        searcher = self._index().searcher(weighting=self._weighting)
        self._searchers[thread] = (searcher, self._generation, now)
        return searcher

    def _segment_metas(self, reader) -> list:
        """(kind, space, status, day, access) of every entry of one segment, cached by segment id."""
        segment = reader.segment()
        if segment is None:  # an index with nothing in it yet
            return []
        key = segment.segment_id()
        metas = self._metas.get(key)
        if metas is None:
            interned: dict = {}
            metas = [_parse_meta(raw, interned) for raw in reader.column_reader("meta")]
            with self._metas_lock:
                self._metas[key] = metas
        return metas

    def _segment_lengths(self, reader, fieldname: str) -> list | None:
        """One segment's lengths of ``fieldname`` for scoring (None: let Whoosh read them), cached by
        segment id like the metas."""
        segment, perdoc = getattr(reader, "segment", lambda: None)(), getattr(reader, "_perdoc", None)
        if segment is None or not isinstance(perdoc, W3PerDocReader):
            return None
        fields_ = self._lengths.get(segment.segment_id(), {})
        if fieldname not in fields_:
            listed = listed_lengths(perdoc, fieldname)
            with self._metas_lock:
                self._lengths.setdefault(segment.segment_id(), {})[fieldname] = listed
            return listed
        return fields_[fieldname]

    def _forget_old_segments(self) -> None:
        live = {segment.segment_id() for segment in self._index()._segments()}
        with self._metas_lock:
            for cache in (self._metas, self._lengths):
                for key in set(cache) - live:
                    del cache[key]

    # --- writing -----------------------------------------------------------------------------------

    def _writer(self, make=None, **options):
        """``make(ix, **options)`` makes the writer (default: Whoosh's own, ``ix.writer``)."""
        try:
            ix = self._index()
            return (make or type(ix).writer)(ix, timeout=self.lock_timeout, **options)
        except LockError as error:
            raise IndexBusy(f"the search index at {self.path} is locked by another writer") from error

    def write(self, build: Callable[[], Batch]) -> None:
        writer = self._writer()
        try:
            batch = build()
            if not batch:
                writer.cancel()
                return
            for document_id in batch.documents_removed:
                writer.delete_by_term("document", str(document_id))
            for group, entries in batch.groups.items():
                writer.delete_by_term("group", group)
                for entry in entries:
                    writer.add_document(**_document(entry))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        self._generation += 1
        self._forget_old_segments()

    def rebuild(self, entries: Iterable[Entry], progress: Callable[[int], None] | None = None) -> int:
        # compound=False: the segment's files stay apart instead of being copied into one; Whoosh
        # copies a compound file's term table into memory each time a reader opens it (every live
        # update opens one to delete the entries it replaces: 39 → 10 ms per update at 41,611 entries).
        options = {"codec": RebuildCodec(), "compound": False}
        if self.rebuild_procs > 1:
            writer = self._writer(ParallelRebuildWriter, procs=self.rebuild_procs, **options)
        else:
            writer = self._writer(RebuildWriter, **options)
        count = 0
        try:
            for entry in entries:
                writer.add_document(**_document(entry))
                count += 1
                if progress is not None:
                    progress(1)
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        self._generation += 1
        self._forget_old_segments()
        written = self._index().doc_count_all()
        if written != count:  # Whoosh's multiprocessing writer skips a segment whose process failed
            raise RuntimeError(f"the rebuild wrote {written:,} of {count:,} entries: run it again")
        return count

    # --- reading -----------------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchPage:
        """One pass over every match: access and filters from the segment tables, facet counts, and
        the best ``offset + limit`` kept in a heap (every match has to be looked at for exact counts
        anyway, so Whoosh's own top-N collector would only add a second pass).

        Entries with the same facts share one interned meta tuple (``_parse_meta``), so access, dates
        and filters are decided once per distinct tuple (keyed by its id: ``seen`` holds the tuple, so
        the id stays its own) and the facets counted once per tuple at the end (~8 % less CPU per
        query than deciding and counting every match)."""
        searcher = self.searcher()
        query = whoosh_query.compile_query(request.query, searcher.reader())
        tally, best, wanted = Tally(request), [], request.offset + request.limit
        seen: dict[int, list] = {}  # id(meta) → [meta, visible, passes the filters, matches]
        for sub, offset in searcher.leaf_searchers():
            metas, matcher = self._segment_metas(sub.reader()), query.matcher(sub, sub.context())
            while matcher.is_active():
                docnum = matcher.id()
                meta = metas[docnum]
                known = seen.get(id(meta))
                if known is None:
                    kind, space, status, day, access = meta
                    visible = tally.visible(space, day, access)
                    known = seen[id(meta)] = [meta, visible, visible and tally.passes(kind, space, status), 0]
                if known[1]:
                    known[3] += 1
                    if known[2]:
                        item = (matcher.score(), -(docnum + offset))
                        if len(best) < wanted:
                            heapq.heappush(best, item)
                        elif item > best[0]:
                            heapq.heapreplace(best, item)
                matcher.next()
        for meta, visible, _, matches in seen.values():
            if visible:
                tally.count(meta[0], meta[1], meta[2], matches)
        ranked = sorted(best, reverse=True)[request.offset:]
        hits = [self._hit(searcher.stored_fields(-negated), score) for score, negated in ranked]
        return SearchPage(hits, tally.total, tally.facets())

    @staticmethod
    def _hit(fields_: dict, score: float) -> Hit:
        kind, object_id, space_id, document_id, anchor, _ = fields_["info"]
        return Hit(key=fields_["key"], kind=kind, object_id=object_id, space_id=space_id, document_id=document_id,
                   title=fields_.get("title", ""), body=fields_.get("body", ""), anchor=anchor, score=score)

    def term_counts(self, terms: Iterable[str]) -> dict[str, int]:
        reader = self.searcher().reader()
        counts = {}
        for found in set(terms):
            count = sum(reader.doc_frequency(name, found) for name in whoosh_query.FIELDS)
            if count:
                counts[found] = count
        return counts

    def group_stamps(self) -> dict[str, str]:
        searcher = self.searcher()
        stamps = {}
        for sub, _ in searcher.leaf_searchers():
            reader = sub.reader()
            for docnum, meta in enumerate(self._segment_metas(reader)):
                if meta[0] == GROUP and not reader.is_deleted(docnum):
                    stored = reader.stored_fields(docnum)
                    stamps[stored["group"]] = stored["info"][5]
        return stamps

    def groups_for_author(self, user_id: int) -> set[str]:
        searcher = self.searcher()
        return {fields_["group"] for fields_ in searcher.documents(author=str(user_id))}

    def close(self) -> None:
        """Close every thread's searcher and the index (tests and shutdown)."""
        searchers, self._searchers = self._searchers, {}
        for searcher, _, _ in searchers.values():
            searcher.close()
        with self._open_lock:
            if self._ix is not None:
                self._ix.close()
                self._ix = None
