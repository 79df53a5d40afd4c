"""PURE: flood control and email timing.

* **Quiet period.** Live editing saves a revision after every pause, so a morning's drafting is dozens
  of revisions. A watcher gets one notification per document per quiet period: a new event of the
  same topic (edits, or comments seen as a watcher) folds into the person's latest notification for
  that document while it is unread, not yet mailed, and touched less than ``quiet`` ago; a fold moves
  the window on, up to ``max_span`` after the notification began. Personal notifications (a reply to
  you, a mention, a response) never fold: each one matters.
* **Immediate email** waits until a notification has been quiet for ``quiet`` (it may still grow
  before that), so one email covers the whole burst.
* **Daily digest**: at most one per person per UTC day, made at the first run after ``digest_hour``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

IMMEDIATE, DAILY, NONE = "immediate", "daily", "none"
EMAIL_MODES = {
    IMMEDIATE: "Immediately (one email per notification, after a quiet period)",
    DAILY: "Daily digest",
    NONE: "No email",
}

# Which (kind, reason) pairs fold, and under which topic.
_TOPICS = {"revision": "edits", "comment": "comments", "reply": "comments"}
_FOLDING_REASONS = frozenset({"watching", "watching_space"})


def topic_for(kind: str, reason: str) -> str:
    """'' for notifications that never fold."""
    return _TOPICS.get(kind, "") if reason in _FOLDING_REASONS else ""


@dataclass(frozen=True)
class Open:
    """A person's latest notification for a document and topic, as far as folding cares."""

    id: int
    created_at: datetime
    updated_at: datetime
    read: bool
    mailed: bool  # already taken into an email (its content must not change afterwards)


def fold_into(latest: Open | None, now: datetime, quiet: timedelta, max_span: timedelta) -> int | None:
    """The id of the notification a new event of the same topic folds into, or None for a new one."""
    if latest is None or latest.read or latest.mailed:
        return None
    if now - latest.updated_at >= quiet or now - latest.created_at >= max_span:
        return None
    return latest.id


def immediate_due(updated_at: datetime, now: datetime, quiet: timedelta) -> bool:
    """An immediate email waits for the notification to stop growing."""
    return now - updated_at >= quiet


def digest_day(now: datetime, digest_hour: int, last_digest_on: str) -> str | None:
    """The day (YYYY-MM-DD, UTC) whose digest is due now, or None (too early, or made already)."""
    if now.hour < digest_hour:
        return None
    day = now.date().isoformat()
    return None if last_digest_on == day else day


def outbox_key(kind: str, user_id: int, ident: str) -> str:
    """The idempotency key of one email: composing the same email twice finds the same key."""
    return f"{kind}:{user_id}:{ident}"
