"""The Whoosh rebuild's fast paths (wiki/search/whoosh_rebuild.py, WikiText and WikiID) write the same
index as Whoosh's own writer and fields: every term, posting, field length and stored value.
"""

import random
from datetime import datetime

from whoosh import fields, index
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.writing import CLEAR

from wiki.search import whoosh_query
from wiki.search.entries import Entry
from wiki.search.index import WhooshBackend, WikiAnalyzer, WikiID, WikiText, _document, make_schema
from wiki.search.whoosh_codec import _PackedMatcher

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


def _stock_index(path, entries):
    """The entries written by Whoosh's own writer and fields, in one segment."""
    path.mkdir()
    stock = index.create_in(str(path), _stock_schema())
    writer = stock.writer()
    for entry in entries:
        writer.add_document(**_document(entry))
    writer.commit(mergetype=CLEAR)
    return stock


def test_a_rebuild_writes_what_whooshs_own_writer_writes(tmp_path):
    entries = _entries(700)  # several posting blocks (128 postings) for the common words
    backend = WhooshBackend(tmp_path / "fast")
    assert backend.rebuild(entries) == 700
    stock = _stock_index(tmp_path / "stock", entries)
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
    """PackedCodec's matcher bisects inside a packed block; Whoosh's steps through a stock block: same
    landings, weights and values."""
    entries = _entries(700)
    backend = WhooshBackend(tmp_path / "fast")
    backend.rebuild(entries)
    stock_index = _stock_index(tmp_path / "stock", entries)
    rng = random.Random(5)
    with backend._index().reader() as reader, stock_index.reader() as stock_reader:
        for tbytes in (b"peer", b"2030", b"cafe"):
            fast, stock = reader.postings("body", tbytes), stock_reader.postings("body", tbytes)
            assert isinstance(fast, _PackedMatcher)
            assert type(stock) is W3LeafMatcher
            for target in sorted(rng.sample(range(760), 60)):
                if not stock.is_active():
                    break
                fast.skip_to(target)
                stock.skip_to(target)
                assert fast.is_active() == stock.is_active()
                if stock.is_active():
                    assert (fast.id(), fast.weight(), fast.value()) == (stock.id(), stock.weight(), stock.value())
    backend.close()


def test_phrases_over_a_rebuilt_index_find_the_same_hits_and_scores_as_whooshs_own_phrase_query(tmp_path):
    """The search's phrase query (whoosh_query._Phrase: positions compared as sets, read out of packed
    blocks) finds the same entries, with the same scores, as Whoosh's own phrase query over an index
    Whoosh wrote itself."""
    entries = _entries(700)
    backend = WhooshBackend(tmp_path / "fast")
    backend.rebuild(entries)
    stock_index = _stock_index(tmp_path / "stock", entries)
    phrases = [["peer", "support"], ["plan", "road"], ["2030", "cafe", "plan"], ["support", "support"], ["peer"],
               ["peer", "nowhere"]]
    with backend._index().searcher() as fast, stock_index.searcher() as stock:
        for words in phrases:
            for fieldname, boost in whoosh_query.FIELDS.items():
                query = whoosh_query._Phrase(fieldname, words, boost=boost)
                found = [(hit.docnum, hit.score) for hit in fast.search(query, limit=None)]
                expected = stock.search(wq.Phrase(fieldname, words, boost=boost), limit=None)
                assert found == [(hit.docnum, hit.score) for hit in expected]
                assert found or fieldname != "body" or "nowhere" in words
    backend.close()


def _keyed_postings(reader) -> dict:
    """Every term's (entry key, weight, value): a merge may put the segments' documents in another order."""
    keys = [fields_["key"] for fields_ in reader.all_stored_fields()]
    return {(fieldname, tbytes): sorted((keys[d], w, v) for d, w, v, *_ in _postings(reader, fieldname, tbytes))
            for fieldname, tbytes in reader.all_terms()}


def test_a_rebuilt_segment_merged_by_whooshs_own_writer_keeps_every_posting(tmp_path):
    """Live updates' merges read packed blocks through the packed reader and write stock blocks."""
    entries = _entries(700)
    backend = WhooshBackend(tmp_path / "fast")
    backend.rebuild(entries[:600])
    writer = backend._index().writer()  # the rest in a second segment, then both merged into one
    for entry in entries[600:]:
        writer.add_document(**_document(entry))
    writer.commit(optimize=True)
    stock = _stock_index(tmp_path / "stock", entries)
    with backend._index().reader() as merged, stock.reader() as stock_reader:
        assert len(merged.leaf_readers()) == 1
        assert _keyed_postings(merged) == _keyed_postings(stock_reader)
    backend.close()
