"""A faster Whoosh writer for a full rebuild. No Flask here.

Whoosh's writer handles every posting one at a time in Python, three times over: it appends a
``(field, term, docnum, weight, value)`` tuple to a pool, sorts the whole pool (~5 million tuples
for issue 7's corpus), then feeds the sorted postings one by one to the postings writer, which
checks each one's types and updates each block's statistics posting by posting. ~10 µs a posting.

A rebuild adds documents in docnum order into one new segment, so each term's postings arrive
already in order: ``RebuildWriter`` groups them by (field, term) as they come (no sort but the
terms'), and writes each term's postings a block at a time — the block's ids, weights and values
as arrays, its statistics with ``min``/``max`` — through Whoosh's own postings writer, which then
encodes and compresses the block exactly as it would have. The files are the stock format; a test
compares a rebuilt index with one written by Whoosh's writer, posting for posting.

Only for a rebuild: documents added in order, committed with ``mergetype=CLEAR`` (nothing merged in).
"""

from __future__ import annotations

from array import array

from whoosh.writing import SegmentWriter

from wiki.search.whoosh_codec import listed_lengths


class _GroupedPool:
    """Stands in for Whoosh's posting pool: postings grouped by (field, term) in arrival order."""

    def __init__(self):
        self.terms: dict[tuple[str, bytes], list] = {}
        self.fieldnames: set[str] = set()

    def add(self, item) -> None:
        """``item`` is Whoosh's posting tuple (field, term, docnum, weight, value), kept as it is."""
        postings = self.terms.get(item[:2])
        if postings is None:
            self.terms[item[:2]] = [item]
            self.fieldnames.add(item[0])
        else:
            postings.append(item)

    def cleanup(self) -> None:
        self.terms = {}


class RebuildWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with the grouped pool and block-at-a-time postings (see above)."""

    def __init__(self, ix, **options):
        super().__init__(ix, **options)
        self.pool = _GroupedPool()

    def add_reader(self, reader):
        raise NotImplementedError("a rebuild writes one new segment; nothing is merged into it")

    def _flush_segment(self):
        self.perdocwriter.close()
        lengths = self.per_document_reader()
        try:
            _write_postings(self.fieldwriter, self.schema, lengths, self.pool.terms)
        finally:
            lengths.close()
        self.fieldwriter.close()


def _write_postings(fieldwriter, schema, perdoc, terms: dict) -> None:
    fieldname, field_lengths = None, None
    for (name, tbytes) in sorted(terms):
        if name != fieldname:
            if fieldname is not None:
                fieldwriter.finish_field()
            fieldname, field = name, schema[name]
            fieldwriter.start_field(name, field)
            field_lengths = listed_lengths(perdoc, name) if field.scorable else None
        fieldwriter.start_term(tbytes)
        _write_term(fieldwriter._postwriter, terms[(name, tbytes)], field_lengths)
        fieldwriter.finish_term()
    if fieldname is not None:
        fieldwriter.finish_field()


def _write_term(postwriter, postings: list, field_lengths: list | None) -> None:
    """One term's postings, a block at a time, leaving the last block for ``finish_postings`` to
    write (as Whoosh's ``add_posting`` would: a full block is written when the next posting comes)."""
    limit = postwriter._blocklimit
    for start in range(0, len(postings), limit):
        if start:
            postwriter._write_block()
        _, _, docnums, weights, values = zip(*postings[start:start + limit], strict=True)
        postwriter._ids, postwriter._weights = array("I", docnums), array("f", weights)
        postwriter._values = [value for value in values if value]
        postwriter._maxweight = max(0, max(weights))
        lengths = [field_lengths[d] for d in docnums] if field_lengths is not None else []
        lengths = [length for length in lengths if length]
        postwriter._minlength = min(lengths) if lengths else None
        postwriter._maxlength = max(lengths) if lengths else 0

