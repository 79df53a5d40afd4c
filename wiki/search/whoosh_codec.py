"""Whoosh's field lengths read once per segment, for writing and for scoring. No Flask here.

* While writing a segment's postings, Whoosh asks for the document's field length once per posting
  (for each block's shortest/longest statistics): a seek and a read of the lengths column each time,
  a seventh of a rebuild's time. ``RebuildCodec`` lists each field's lengths once. It also leaves
  posting blocks uncompressed (Whoosh's default is zlib level 3): ~25 % less CPU for the rebuild's
  postings and none to decompress them when searching, for an index ~45 % larger (~250 MB at issue
  7's scale); readers handle either, block by block. The files written are the stock format, and
  the segments record the stock codec (Whoosh pickles a segment's codec into the index's table of
  contents, and readers use it): this class is needed only while writing, never to read an index.
* BM25F likewise reads the lengths column for every match it scores (~14 % of a search's CPU).
  ``ListedWeighting`` gives its scorers a segment's lengths as a list, made once per segment by the
  caller (segments never change, so a list stays right until a merge replaces the segment).
"""

from __future__ import annotations

from collections.abc import Callable

from whoosh import scoring
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3Segment, _lenfield
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


class RebuildCodec(W3Codec):
    def __init__(self):
        super().__init__(compression=COMPRESSION)

    def per_document_reader(self, storage, segment):
        return _ListedLengths(storage, segment)

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(), indexname)


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
