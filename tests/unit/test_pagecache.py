"""The page cache alone (wiki/documents/pagecache.py): nonces replaced, expiry on the clock, bounded."""

from wiki.documents.pagecache import PageCache


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def test_every_occurrence_of_the_rendering_nonce_is_replaced_by_the_new_one():
    cache = PageCache()
    cache.put("k", '<script nonce="OLD1">a</script><style nonce="OLD1"></style>é', "OLD1")
    assert cache.get("k").page("NEW2") == '<script nonce="NEW2">a</script><style nonce="NEW2"></style>é'.encode()


def test_a_page_without_a_nonce_is_kept_whole():
    cache = PageCache()
    cache.put("k", "<p>plain</p>", None)
    assert cache.get("k").page("ANY") == b"<p>plain</p>"


def test_entries_expire_at_their_lifetime_and_never_past_the_ttl():
    clock = Clock()
    cache = PageCache(ttl=60, clock=clock)
    cache.put("short", "a", None, lifetime=5)
    cache.put("long", "b", None, lifetime=3600)
    cache.put("gone", "c", None, lifetime=0)  # the clock already moved something on the page
    assert cache.get("gone") is None
    clock.now += 5
    assert cache.get("short") is None and cache.get("long") is not None
    clock.now += 55
    assert cache.get("long") is None


def test_the_least_recently_used_entry_goes_first():
    cache = PageCache(size=2)
    cache.put("a", "1", None)
    cache.put("b", "2", None)
    cache.get("a")
    cache.put("c", "3", None)
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None


def test_a_page_cut_at_several_slots_is_filled_from_each_slots_value():
    cache = PageCache()
    page = "<p>N1</p><form>TOKEN</form><!--me--><b>N1 TOKEN</b>"
    cache.store("k", cache.entry(page, {"N1": "nonce", "TOKEN": "csrf", "<!--me-->": "me", "": "never"}))
    entry = cache.get("k")
    assert entry.slots == ("nonce", "csrf", "me", "nonce", "csrf")
    assert entry.fill({"nonce": "N2", "csrf": "T2", "me": "<i>Ann</i>"}) == \
        b"<p>N2</p><form>T2</form><i>Ann</i><b>N2 T2</b>"
