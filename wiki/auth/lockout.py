"""PURE login backoff: after a few failures each further attempt waits twice as long.

Backoff (rather than a hard lock) means an attacker cannot lock a real user out for long, while
guessing becomes hopelessly slow; the clock is passed in so the rule is tested without sleeping.
"""

from datetime import datetime, timedelta


def locked_until(
    failures: int,
    last_failure: datetime | None,
    *,
    free_failures: int,
    base_seconds: int,
    max_seconds: int,
) -> datetime | None:
    """When the next attempt is allowed, or None if attempts are free now."""
    if last_failure is None or failures < free_failures:
        return None
    excess = failures - free_failures
    wait = min(base_seconds * (2 ** min(excess, 20)), max_seconds)
    return last_failure + timedelta(seconds=wait)


def is_locked(now: datetime, until: datetime | None) -> bool:
    return until is not None and now < until
