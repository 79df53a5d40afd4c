"""Unit tests for wiki.realtime.ratelimit.TokenBucket with an injected clock (no sleeping)."""

import pytest

from wiki.realtime.ratelimit import TokenBucket


def allowed(bucket: TokenBucket, now: float, tries: int) -> int:
    return sum(bucket.allow(now) for _ in range(tries))


def test_starts_full_and_allows_exactly_the_burst():
    bucket = TokenBucket(rate=10, burst=5)
    assert allowed(bucket, 100.0, 20) == 5


def test_refills_at_the_rate():
    bucket = TokenBucket(rate=10, burst=5)
    assert allowed(bucket, 0.0, 5) == 5
    assert not bucket.allow(0.05)  # half a token
    assert bucket.allow(0.1)  # one token after 0.1 s (the refused call above took nothing)
    assert not bucket.allow(0.1)
    assert allowed(bucket, 0.4, 10) == 3


def test_never_holds_more_than_the_burst():
    bucket = TokenBucket(rate=10, burst=5)
    assert allowed(bucket, 0.0, 5) == 5
    assert allowed(bucket, 3600.0, 50) == 5


def test_steady_rate_over_time():
    """At twice the allowed rate for 10 s, about rate × time + burst calls get through."""
    bucket = TokenBucket(rate=50, burst=200)
    calls = [i / 100 for i in range(1000)]  # 100 per second for 10 s
    passed = sum(bucket.allow(t) for t in calls)
    assert 200 + 50 * 9.9 - 1 <= passed <= 200 + 50 * 10 + 1


def test_cost_and_refused_calls_take_nothing():
    bucket = TokenBucket(rate=1, burst=3)
    assert bucket.allow(0.0, cost=2)
    assert not bucket.allow(0.0, cost=2)  # 1 left
    assert bucket.allow(0.0, cost=1)
    assert not bucket.allow(0.5)
    assert bucket.allow(1.0)


@pytest.mark.parametrize("rate,burst", [(50, 200), (20, 40), (1, 1)])
def test_separate_buckets_are_independent(rate, burst):
    first, second = TokenBucket(rate, burst), TokenBucket(rate, burst)
    assert allowed(first, 0.0, burst * 2) == burst
    assert allowed(second, 0.0, burst * 2) == burst
