"""Whoosh's codec, tuned for a rebuild and for reading. No Flask here.

* While writing a segment's postings, Whoosh asks for the document's field length once per posting
  (for each block's shortest/longest statistics): a seek and a read of the lengths column each time,
  a seventh of a rebuild's time. The rebuild writer (whoosh_rebuild.py) reads each field's lengths
  once instead (``listed_lengths``). ``RebuildCodec`` leaves posting blocks uncompressed (Whoosh's
  default is zlib level 3): ~25 % less CPU for the rebuild's postings and none to decompress them
  when searching; readers handle either, block by block. The files are Whoosh's own layout, except
  inside a posting block's data (packed: see below).
* A segment records its codec (Whoosh pickles it into the index's table of contents, and readers use
  it). A rebuilt segment records ``PackedCodec``: its posting blocks hold their ids, weights and values
  as three byte strings (``_PackedPostingsWriter``), and its posting reader skips inside a block by
  bisection. Segments written by live updates record the stock codec; segments rebuilt before packed
  blocks record ``ReadingCodec`` (stock blocks, the bisecting reader) and are still read as they are.
* BM25F likewise reads the lengths column for every match it scores (~14 % of a search's CPU).
  ``ListedWeighting`` gives its scorers a segment's lengths as a list, made once per segment by the
  caller (segments never change, so a list stays right until a merge replaces the segment).
"""

from __future__ import annotations

import bisect
import itertools
from array import array
from collections.abc import Callable

from whoosh import scoring
from whoosh.codec.whoosh3 import (
    LENGTHS_COLUMN,
    W3Codec,
    W3LeafMatcher,
    W3PerDocReader,
    W3PostingsWriter,
    W3Segment,
    _lenfield,
)
from whoosh.matching import ReadTooFar
from whoosh.util.numeric import byte_to_length

COMPRESSION = 0


def listed_lengths(perdoc: W3PerDocReader, fieldname: str) -> list | None:
    """Every document's length in ``fieldname``, as the stock reader answers it (None for a document
    without the field); None if the segment has no lengths for the field at all."""
    reader = perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    return None if reader is None else [byte_to_length(b) if b else None for b in reader]


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


class _PackedPostingsWriter(W3PostingsWriter):
    """Whoosh's postings writer, packing a block's ids (``array("I")``), weights (``array("f")``, or
    Whoosh's own None / one float when all are alike) and values (their count and offsets, then the
    values joined) each into one byte string. Whoosh pickles them as tuples with protocol 2, which
    has no opcode for bytes: each posting's positions are unpickled through a call to
    ``_codecs.encode``, ~26 µs a block of 128, and a phrase with a common word loads ~1,000 of that
    word's blocks. Three strings load in ~2 µs; a value is sliced out only when asked for."""

    def _mini_ids(self):
        return super()._mini_ids() if self._byteids else array("I", self._ids).tobytes()

    def _mini_weights(self):
        weights = super()._mini_weights()
        return array("f", weights).tobytes() if isinstance(weights, tuple) else weights

    def _mini_values(self):
        if self._byteids or self._format.fixed_value_size() == 0:
            return super()._mini_values()
        values = self._values
        offsets = array("I", itertools.accumulate(map(len, values), initial=0))
        return array("I", [len(values)]).tobytes() + offsets.tobytes() + b"".join(values)


class _Values:
    """A packed block's values, each sliced out of the block's bytes when asked for."""

    __slots__ = ("_raw", "_offsets", "_base")

    def __init__(self, raw: bytes):
        count = array("I", raw[:4])[0]
        self._offsets = array("I", raw[4:4 * (count + 2)])
        self._raw, self._base = raw, 4 * (count + 2)

    def __len__(self):
        return len(self._offsets) - 1

    def __getitem__(self, i):
        base, offsets = self._base, self._offsets
        return self._raw[base + offsets[i]:base + offsets[i + 1]]


class _PackedMatcher(_SkippingMatcher):
    """``_SkippingMatcher`` over the blocks ``_PackedPostingsWriter`` writes. Same postings."""

    def _read_ids(self):
        if self._byteids:
            return super()._read_ids()
        if self._data is None:
            self._read_data()
        self._ids = array("I", self._data[0])

    def _read_weights(self):
        if self._data is None:
            self._read_data()
        if isinstance(self._data[1], bytes):
            self._weights = array("f", self._data[1])
        else:
            super()._read_weights()

    def _read_values(self):
        if self._data is None:
            self._read_data()
        if self._byteids or self._fixedsize == 0:
            return super()._read_values()
        self._values = _Values(self._data[2])


class ReadingCodec(W3Codec):
    """The stock format and codec, read with ``_SkippingMatcher``. Segments rebuilt before packed
    blocks record this codec (so this module must keep it importable under this name)."""

    matcher = _SkippingMatcher

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return self.matcher(dbfile, offset, length, format_, term=term, scorer=scorer)


class PackedCodec(ReadingCodec):
    """The codec a rebuilt segment records: packed posting blocks, read with ``_PackedMatcher``
    (this module must keep it importable under this name)."""

    matcher = _PackedMatcher


class RebuildCodec(W3Codec):
    def __init__(self):
        super().__init__(compression=COMPRESSION)

    def postings_writer(self, dbfile, byteids=False):
        return _PackedPostingsWriter(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                     compression=self._compression, inlinelimit=self._inlinelimit)

    def new_segment(self, storage, indexname):
        return W3Segment(PackedCodec(), indexname)


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
