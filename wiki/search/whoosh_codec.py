"""Whoosh's codec as the full rebuild writes with it: two costs of its pure-Python writer cut. No Flask here.

* While writing a segment's postings, Whoosh asks for the document's field length once per posting
  (for each block's shortest/longest statistics): a seek and a read of the lengths column each time,
  a seventh of a rebuild's time. Here each field's lengths are read once, into a list.
* Posting blocks are compressed with zlib level 1 rather than 3: faster to write, a little larger;
  readers decompress either.

The files written are the stock format, and the segments record the stock codec (Whoosh pickles a
segment's codec into the index's table of contents, and readers use it): this class is needed only
while writing, never to read an index.
"""

from __future__ import annotations

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3PerDocReader, W3Segment, _lenfield
from whoosh.util.numeric import byte_to_length

COMPRESSION = 1


class _ListedLengths(W3PerDocReader):
    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self._listed: dict[str, list | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        if fieldname not in self._listed:
            reader = self._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            # As the stock reader answers: None for a document without the field (a zero byte).
            self._listed[fieldname] = None if reader is None else [byte_to_length(b) if b else None for b in reader]
        lengths = self._listed[fieldname]
        return default if lengths is None else lengths[docnum]


class RebuildCodec(W3Codec):
    def __init__(self):
        super().__init__(compression=COMPRESSION)

    def per_document_reader(self, storage, segment):
        return _ListedLengths(storage, segment)

    def new_segment(self, storage, indexname):
        return W3Segment(W3Codec(), indexname)
