"""Boundaries of the login backoff in wiki/auth/lockout.py (pure: the clock is passed in)."""

from datetime import UTC, datetime, timedelta

import pytest

from wiki.auth.lockout import is_locked, locked_until

T0 = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
RULE = {"free_failures": 5, "base_seconds": 30, "max_seconds": 900}


def wait_after(failures: int, **rule) -> float | None:
    until = locked_until(failures, T0, **{**RULE, **rule})
    return None if until is None else (until - T0).total_seconds()


@pytest.mark.parametrize("failures", [0, 1, 4])
def test_failures_below_the_free_allowance_do_not_wait(failures):
    assert wait_after(failures) is None


def test_no_recorded_failure_time_means_no_wait_whatever_the_count():
    assert locked_until(50, None, **RULE) is None


@pytest.mark.parametrize(("failures", "seconds"), [(5, 30), (6, 60), (7, 120), (8, 240), (9, 480)])
def test_each_failure_after_the_allowance_doubles_the_wait(failures, seconds):
    assert wait_after(failures) == seconds


@pytest.mark.parametrize("failures", [10, 11, 25, 10_000])
def test_the_wait_is_capped_at_the_maximum(failures):
    assert wait_after(failures) == 900


def test_a_huge_count_does_not_overflow():
    assert wait_after(10**9, max_seconds=10**12) == 30 * 2**20


def test_the_wait_counts_from_the_last_failure():
    later = T0 + timedelta(hours=3)
    assert locked_until(5, later, **RULE) == later + timedelta(seconds=30)


def test_free_failures_of_zero_waits_from_the_first_failure():
    assert wait_after(0, free_failures=0) == 30


def test_max_below_base_caps_the_first_wait():
    assert wait_after(5, max_seconds=10) == 10


def test_is_locked_boundaries():
    until = T0 + timedelta(seconds=30)
    assert is_locked(T0, until)
    assert is_locked(until - timedelta(microseconds=1), until)
    assert not is_locked(until, until)
    assert not is_locked(until + timedelta(seconds=1), until)
    assert not is_locked(T0, None)
