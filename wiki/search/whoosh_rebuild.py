"""A faster Whoosh writer for a full rebuild. No Flask here.

Whoosh's writer handles every posting one at a time in Python, three times over: it appends a
``(field, term, docnum, weight, value)`` tuple to a pool, sorts the whole pool (~5 million tuples
for issue 7's corpus), then feeds the sorted postings one by one to the postings writer, which
checks each one's types and updates each block's statistics posting by posting. ~10 µs a posting.

A rebuild adds documents in docnum order into one new segment, so each term's postings arrive
already in order: ``RebuildWriter`` groups them by (field, term) as they come (no sort but the
terms'), and writes each term's postings a block at a time — the block's ids, weights and values
as arrays, its statistics with ``min``/``max`` — through Whoosh's own postings writer, which then
writes the block as it would have, its data packed (whoosh_codec.RebuildCodec). A test compares a
rebuilt index with one written by Whoosh's writer, posting for posting. It also adds a
document in one pass over the schema's fields rather than Whoosh's general one (boosts, spelling,
vectors: none used here).

``ParallelRebuildWriter`` (``WIKI_SEARCH_REINDEX_PROCS`` > 1) is Whoosh's multiprocessing writer
with a ``RebuildWriter`` in each process: this process reads the database and makes the entries,
the others each write a segment of their share; the segments are not merged.

Only for a rebuild: documents added in order, committed with ``mergetype=CLEAR`` (nothing merged in).
"""

from __future__ import annotations

from array import array

from whoosh.fields import UnknownFieldError
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from wiki.search.whoosh_codec import listed_lengths


class _GroupedPool:
    """Stands in for Whoosh's posting pool: each field's postings by term, in arrival order."""

    def __init__(self, fieldnames):
        self.terms: dict[str, dict[bytes, list]] = {name: {} for name in fieldnames}

    def cleanup(self) -> None:
        self.terms = {}


class RebuildWriter(SegmentWriter):
    """Whoosh's ``SegmentWriter`` with the grouped pool and block-at-a-time postings (see above)."""

    def __init__(self, ix, **options):
        super().__init__(ix, **options)
        unsupported = [name for name, field in self.schema.items() if field.vector or field.separate_spelling()]
        if unsupported:
            raise ValueError(f"RebuildWriter writes no term vectors or spelling words: {unsupported}")
        self.pool = _GroupedPool(name for name, field in self.schema.items() if field.indexed)
        self._fields = [(name, field, self.pool.terms.get(name)) for name, field in sorted(self.schema.items())]
        self._names = frozenset(self.schema.names())

    def add_document(self, **values):
        """Whoosh's ``add_document`` for the kinds of field a rebuild uses (indexed, stored, a
        column; no boosts, spelling or vectors), each posting going straight to its term's list."""
        if not values.keys() <= self._names:
            raise UnknownFieldError(f"no field named {sorted(values.keys() - self._names)}")
        docnum, perdoc = self.docnum, self.perdocwriter
        perdoc.start_doc(docnum)
        for name, field, table in self._fields:
            value = values.get(name)
            if value is None:
                continue
            length = 0
            if table is not None:
                for tbytes, freq, weight, vbytes in field.index(value):
                    length += freq
                    postings = table.get(tbytes)
                    if postings is None:
                        table[tbytes] = [(docnum, weight, vbytes)]
                    else:
                        postings.append((docnum, weight, vbytes))
            perdoc.add_field(name, field, value if field.stored else None, length if field.scorable else 0)
            if field.column_type is not None:
                perdoc.add_column_value(name, field.column_type, field.to_column_value(value))
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

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


class _RebuildTask(SubWriterTask):
    """One process of ``ParallelRebuildWriter``: a ``RebuildWriter`` over the batches of documents
    it is sent, finished as one segment (Whoosh's task, with this writer instead of its own)."""

    def run(self):
        writer = self.writer = RebuildWriter(self.storage.open_index(self.indexname), _lk=False, **self.kwargs)
        while self.running:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        if not self.running:
            writer.cancel()
        else:
            self.resultqueue.put((None, set(writer.pool.terms), writer._finalize_segment()), timeout=5)


class ParallelRebuildWriter(MpWriter):
    """Whoosh's multiprocessing writer (one segment per process, not merged) whose processes are
    each a ``RebuildWriter``: this process reads the database and hands documents out in batches."""

    def __init__(self, ix, procs: int, **options):
        super().__init__(ix, procs=procs, multisegment=True, batchsize=500, **options)

    def _new_task(self):
        task = _RebuildTask(self.storage, self.indexname, self.jobqueue, self.resultqueue, self.subargs, True)
        self.tasks.append(task)
        task.start()
        return task


def _write_postings(fieldwriter, schema, perdoc, terms: dict[str, dict[bytes, list]]) -> None:
    for name in sorted(terms):
        if not terms[name]:
            continue
        field, table = schema[name], terms[name]
        fieldwriter.start_field(name, field)
        field_lengths = listed_lengths(perdoc, name) if field.scorable else None
        for tbytes in sorted(table):
            fieldwriter.start_term(tbytes)
            _write_term(fieldwriter._postwriter, table[tbytes], field_lengths)
            fieldwriter.finish_term()
        fieldwriter.finish_field()


def _write_term(postwriter, postings: list, field_lengths: list | None) -> None:
    """One term's postings, a block at a time, leaving the last block for ``finish_postings`` to
    write (as Whoosh's ``add_posting`` would: a full block is written when the next posting comes)."""
    limit = postwriter._blocklimit
    for start in range(0, len(postings), limit):
        if start:
            postwriter._write_block()
        docnums, weights, values = zip(*postings[start:start + limit], strict=True)
        postwriter._ids, postwriter._weights = array("I", docnums), array("f", weights)
        postwriter._values = [value for value in values if value]
        postwriter._maxweight = max(0, max(weights))
        lengths = [field_lengths[d] for d in docnums] if field_lengths is not None else []
        lengths = [length for length in lengths if length]
        postwriter._minlength = min(lengths) if lengths else None
        postwriter._maxlength = max(lengths) if lengths else 0

