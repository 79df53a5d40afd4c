"""The Whoosh rebuild's fast paths (wiki/search/whoosh_rebuild.py, WikiText and WikiID) write the same
index as Whoosh's own writer and fields: every term, posting, field length and stored value.
"""

import random
from datetime import datetime

from whoosh import fields, index
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.writing import CLEAR

from wiki.search.entries import Entry
from wiki.search.index import WhooshBackend, WikiAnalyzer, WikiID, WikiText, _document, make_schema
from wiki.search.whoosh_codec import _SkippingMatcher

WORDS = ["peer", "support", "housing", "homes", "priorities", "prioritise", "employment", "employer", "café",
         "cafe", "the", "of", "and", "2030", "covid19", "long-term", "road", "roads", "parking", "plan", "plans"]


def _entries(count: int) -> list[Entry]:
    rng = random.Random(3)

    def text(n):
        return " ".join(rng.choice(WORDS) for _ in range(n))

    return [Entry(key=f"comment:{i}", kind="comment", object_id=i, group=f"thread:{i // 3}", space_id=i % 4,
                  title=text(rng.randint(0, 4)), body=text(rng.randint(0, 400)), headings=text(rng.randint(0, 6)),
                  document_id=i // 5 if i % 2 else None, date=datetime(2026, 1, 1 + i % 28))
            for i in range(count)]


def _stock_schema() -> fields.Schema:
    """make_schema() with Whoosh's own field classes (the slow path the fast ones must match)."""
    schema = make_schema()
    for name, field in list(schema.items()):
        if isinstance(field, WikiText):
            schema.remove(name)
            schema.add(name, fields.TEXT(analyzer=WikiAnalyzer(), stored=field.stored, phrase=True))
        elif type(field) is WikiID:
            schema.remove(name)
            schema.add(name, fields.ID(stored=field.stored, unique=field.unique))
    return schema


def _postings(reader, fieldname: str, tbytes: bytes) -> list:
    """Each posting with the statistics of its block (what lets a search skip blocks)."""
    matcher, found = reader.postings(fieldname, tbytes), []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value(), matcher.block_min_length(),
                      matcher.block_max_length(), matcher.block_max_weight()))
        matcher.next()
    return found


def _contents(reader) -> dict:
    postings, infos = {}, {}
    for fieldname, tbytes in reader.all_terms():
        postings[(fieldname, tbytes)] = _postings(reader, fieldname, tbytes)
        info = reader.term_info(fieldname, tbytes)
        infos[(fieldname, tbytes)] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                      info.max_weight(), info.min_id(), info.max_id())
    lengths = {(d, f): reader.doc_field_length(d, f) for d in range(reader.doc_count_all())
               for f in ("title", "headings", "body")}
    return {"postings": postings, "infos": infos, "lengths": lengths, "stored": list(reader.all_stored_fields()),
            "meta": list(reader.column_reader("meta"))}


def test_a_rebuild_writes_what_whooshs_own_writer_writes(tmp_path):
    entries = _entries(700)  # several posting blocks (128 postings) for the common words
    backend = WhooshBackend(tmp_path / "fast")
    assert backend.rebuild(entries) == 700
    (tmp_path / "stock").mkdir()
    stock = index.create_in(str(tmp_path / "stock"), _stock_schema())
    writer = stock.writer()
    for entry in entries:
        writer.add_document(**_document(entry))
    writer.commit(mergetype=CLEAR)
    with backend._index().reader() as fast_reader, stock.reader() as stock_reader:
        fast, expected = _contents(fast_reader), _contents(stock_reader)
    assert fast["postings"].keys() == expected["postings"].keys()
    assert fast == expected
    backend.close()


def test_fields_given_a_list_of_words_still_take_whooshs_path():
    text = make_schema()["body"]
    assert [t for t, *_ in text.index(["peer", "support"])] == [b"peer", b"support"]
    assert list(make_schema()["group"].index("thread:1")) == [(b"thread:1", 1, 1.0, b"")]


def test_a_rebuild_in_two_processes_finds_the_same_entries(tmp_path):
    """``WIKI_SEARCH_REINDEX_PROCS=2``: two segments, written by two processes, with every entry."""
    entries = _entries(1200)  # more than two batches of 500, so both processes get some
    one, two = WhooshBackend(tmp_path / "one"), WhooshBackend(tmp_path / "two", rebuild_procs=2)
    assert one.rebuild(entries) == two.rebuild(entries) == 1200
    with one._index().searcher() as a, two._index().searcher() as b:
        assert len(b.reader().leaf_readers()) == 2
        assert sorted(f["key"] for f in b.all_stored_fields()) == sorted(f["key"] for f in a.all_stored_fields())
        for fieldname, tbytes in a.reader().all_terms():
            assert b.doc_frequency(fieldname, tbytes) == a.doc_frequency(fieldname, tbytes)
    one.close()
    two.close()


def test_a_rebuilt_index_skips_to_the_same_postings_as_whooshs_own_reader(tmp_path):
    """ReadingCodec's matcher bisects inside a block; Whoosh's steps through it: same landings."""
    backend = WhooshBackend(tmp_path)
    backend.rebuild(_entries(700))
    rng = random.Random(5)
    with backend._index().reader() as reader:
        for tbytes in (b"peer", b"2030", b"cafe"):
            fast = reader.postings("body", tbytes)
            assert isinstance(fast, _SkippingMatcher)
            stock = W3Codec().postings_reader(fast._postfile, reader.term_info("body", tbytes), fast.format)
            assert type(stock) is W3LeafMatcher
            for target in sorted(rng.sample(range(760), 60)):
                if not stock.is_active():
                    break
                fast.skip_to(target)
                stock.skip_to(target)
                assert fast.is_active() == stock.is_active()
                if stock.is_active():
                    assert (fast.id(), fast.value()) == (stock.id(), stock.value())
    backend.close()
