"""Whoosh's codec, tuned for a rebuild and for reading. No Flask here.

* While writing a segment's postings, Whoosh asks for the document's field length once per posting
  (for each block's shortest/longest statistics): a seek and a read of the lengths column each time,
  a seventh of a rebuild's time. ``RebuildCodec`` lists each field's lengths once. It also leaves
  posting blocks uncompressed (Whoosh's default is zlib level 3): ~25 % less CPU for the rebuild's
  postings and none to decompress them when searching, for an index ~45 % larger (~250 MB at issue
  7's scale); readers handle either, block by block. The files written are the stock format.
* A segment records its codec (Whoosh pickles it into the index's table of contents, and readers use
  it). A rebuilt segment records ``ReadingCodec``: the stock codec, whose posting reader skips inside
  a block by bisection. Segments written by live updates record the stock codec.
* BM25F likewise reads the lengths column for every match it scores (~14 % of a search's CPU).
  ``ListedWeighting`` gives its scorers a segment's lengths as a list, made once per segment by the
  caller (segments never change, so a list stays right until a merge replaces the segment).
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable

from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher, W3PerDocReader, W3Segment, _lenfield
from whoosh.matching import ReadTooFar
from whoosh.util.numeric import byte_to_length

COMPRESSION = 0


def listed_lengths(perdoc: W3PerDocReader, fieldname: str) -> list | None:
    """Every document's length in ``fieldname``, as the stock reader answers it (None for a document
    without the field); None if the segment has no lengths for the field at all."""
    reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    return None if reader is None else [byte_to_length(b) if b else None for b in reader]


class _ListedLengths(W3PerDocReader):
    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._listed: dict[str, list | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname not in self._listed:
            self._listed[fieldname] = listed_lengths(self, fieldname)
        lengths = self._listed[fieldname]
        return default if lengths is None else lengths[docnum]


class _SkippingMatcher(W3LeafMatcher):
    """Whoosh's posting reader, skipping inside a block by bisection (Whoosh steps through it one
    posting at a time: for a phrase or an AND with a common word, most of a query's CPU) and decoding
    a block's ids with ``itertools.accumulate`` (Whoosh: a Python generator). Same postings."""

    def skip_to(self, targetid):
        if not self.is_active():
            raise ReadTooFar
        if targetid <= self.id():
            return
        while targetid > self._maxid:  # whole blocks, by their headers
            self._next_block()
            if self._atend:
                return
        if self._ids is None:
            self._read_ids()
        self._i = bisect.bisect_left(self._ids, targetid, self._i)

    def _read_ids(self):
        if self._byteids:
            return super()._read_ids()
        if self._data is None:
            self._read_data()
        self._ids = tuple(itertools.accumulate(self._data[0]))


class ReadingCodec(W3Codec):
    """The stock format and codec, read with ``_SkippingMatcher``. A rebuilt segment records this
    codec (so this module must stay importable under this name); others record the stock one."""

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return _SkippingMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class RebuildCodec(W3Codec):
    def __init__(self):
        super().__init__(compression=COMPRESSION)

    def per_document_reader(self, storage, segment):
        return _ListedLengths(storage, segment)

    def new_segment(self, storage, indexname):
        return W3Segment(ReadingCodec(), indexname)


class ListedWeighting(scoring.BM25F):
    """BM25F whose scorers read field lengths from ``lengths(reader, fieldname)`` (a list, or None
    to keep Whoosh's own reading) instead of the lengths column."""

    def __init__(self, lengths: Callable[[object, str], list | None], **options):
        super().__init__(**options)
        self._lengths = lengths

    def scorer(self, searcher, fieldname, text, qf=1):
        scorer = super().scorer(searcher, fieldname, text, qf=qf)
        if isinstance(scorer, scoring.BM25FScorer):
            listed = self._lengths(searcher.reader(), fieldname)
            if listed is not None:
                scorer.dfl = listed.__getitem__
        return scorer
