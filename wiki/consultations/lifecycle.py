"""PURE clock logic of a consultation round: its states, what the clock moves it to, what a
facilitator may force, and local times in the space's timezone.

scheduled → open → closed → responded → published (the report). The first two moves happen by the
clock alone: a round is open from ``opens_at`` (inclusive) until ``closes_at`` (exclusive), whatever
its stored state says, so nothing depends on a cron job having run. The stored state only catches
up (``due``) so that each change is recorded and announced once. The last two moves are a
facilitator's.

Every function takes ``now`` (or a clock): no hidden ``datetime.now()``, so the boundaries — one
microsecond before closing, the exact instant, a daylight-saving change — are tested directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

SCHEDULED, OPEN, CLOSED, RESPONDED, PUBLISHED = "scheduled", "open", "closed", "responded", "published"
STATES = {
    SCHEDULED: "Scheduled",
    OPEN: "Open for comments",
    CLOSED: "Closed",
    RESPONDED: "Responses complete",
    PUBLISHED: "Report published",
}
ORDER = (SCHEDULED, OPEN, CLOSED, RESPONDED, PUBLISHED)
BY_CLOCK = (SCHEDULED, OPEN)  # states the clock can still move on
DEFAULT_TIMEZONE = "Europe/London"
CLOSED_NOTICE = "Comments are now closed for this round"
MAX_LENGTH = timedelta(days=366)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Window:
    """When a round takes contributions: [opens_at, closes_at), both timezone-aware."""

    opens_at: datetime
    closes_at: datetime


def aware(value: datetime) -> datetime:
    """A stored time as timezone-aware UTC (SQLite hands back naive values for what was UTC)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def by_clock(window: Window, now: datetime) -> str:
    """Where the clock alone puts a round: scheduled, open or closed."""
    now = aware(now)
    if now >= aware(window.closes_at):
        return CLOSED
    if now >= aware(window.opens_at):
        return OPEN
    return SCHEDULED


def effective(stored: str, window: Window, now: datetime) -> str:
    """The state a round is in now: once closed (or further) it stays; before, the clock decides."""
    if stored not in BY_CLOCK:
        return stored
    clocked = by_clock(window, now)
    return clocked if ORDER.index(clocked) > ORDER.index(stored) else stored


def due(stored: str, window: Window, now: datetime) -> list[tuple[str, str]]:
    """The (previous, next) steps the stored state must take to catch up with the clock, in order:
    a round nobody looked at during its whole window goes scheduled → open → closed."""
    target = effective(stored, window, now)
    steps, state = [], stored
    while state != target:
        following = ORDER[ORDER.index(state) + 1]
        steps.append((state, following))
        state = following
    return steps


def accepts_contributions(state: str) -> bool:
    """Comments, replies and answers are taken only while open."""
    return state == OPEN


def refusal(state: str) -> str | None:
    """Why a contribution is refused in this state, in the API's words ('round closed' or
    'round not open'), or None when it is accepted."""
    if state == OPEN:
        return None
    return "round not open" if state == SCHEDULED else "round closed"


# --- facilitators' moves -----------------------------------------------------------------------------


FORCED = {
    "open": (SCHEDULED,),  # open now: opens_at becomes now
    "close": (OPEN,),  # close now: closes_at becomes now
    "responded": (CLOSED,),  # every comment has its response
    "publish": (CLOSED, RESPONDED),  # a closed round passes through "responded" on the way
    "unpublish": (PUBLISHED,),
}
TARGET = {"open": OPEN, "close": CLOSED, "responded": RESPONDED, "publish": PUBLISHED, "unpublish": RESPONDED}


def forced_steps(action: str, state: str) -> list[tuple[str, str]]:
    """The (previous, next) steps a facilitator's ``action`` takes from ``state``; ValueError with
    a message for the user when it does not apply."""
    if action not in FORCED:
        raise ValueError(f"Unknown action {action!r}.")
    if state not in FORCED[action]:
        raise ValueError(_not_now(action, state))
    target = TARGET[action]
    if action == "unpublish":
        return [(state, target)]
    steps, current = [], state
    while current != target:
        following = ORDER[ORDER.index(current) + 1]
        steps.append((current, following))
        current = following
    return steps


def _not_now(action: str, state: str) -> str:
    label = STATES.get(state, state).lower()
    return {
        "open": f"Only a scheduled round can be opened early; this one is {label}.",
        "close": f"Only an open round can be closed; this one is {label}.",
        "responded": f"Responses can be marked complete once the round is closed; this one is {label}.",
        "publish": f"The report can be published once the round is closed; this one is {label}.",
        "unpublish": "The report is not published.",
    }[action]


def check_window(opens_at: datetime, closes_at: datetime, now: datetime, *, scheduled: bool = True) -> None:
    """ValueError (a message for the user) unless the window makes sense: it closes after it opens,
    in the future, and lasts at most a year. ``scheduled`` False: the round is already open, so
    only the closing time is being moved."""
    opens_at, closes_at, now = aware(opens_at), aware(closes_at), aware(now)
    if closes_at <= opens_at:
        raise ValueError("The round must close after it opens: choose a closing time after the opening time.")
    if closes_at <= now:
        raise ValueError("The closing time is in the past: choose a time in the future.")
    if scheduled and closes_at - opens_at > MAX_LENGTH:
        raise ValueError("A round can last at most a year.")


# --- time remaining ---------------------------------------------------------------------------------


def remaining(closes_at: datetime, now: datetime) -> timedelta:
    return max(aware(closes_at) - aware(now), timedelta(0))


def countdown_text(delta: timedelta) -> str:
    """'2 days, 3 hours', '3 hours, 5 minutes', '4 minutes', 'less than a minute' (the page's
    script counts down the same way, in seconds)."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "no time"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    parts = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    shown = [f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n][:2]
    return ", ".join(shown) if shown else "less than a minute"


# --- local time ------------------------------------------------------------------------------------


def zone(name: str | None) -> ZoneInfo:
    """The space's timezone; an unknown name falls back to Europe/London rather than failing a page."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def is_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return "/" in name or name == "UTC"


def from_local(value: datetime, tz_name: str) -> datetime:
    """A wall-clock time typed in the space's timezone, as UTC.

    A time that does not exist (skipped when the clocks go forward) is refused; one that happens
    twice (when they go back) is taken as the first."""
    tz = zone(tz_name)
    local = value.replace(tzinfo=tz, fold=0)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(tz).replace(tzinfo=None) != value.replace(tzinfo=None):
        raise ValueError(f"{value:%H:%M} on {value:%-d %B %Y} does not exist in {tz.key} (the clocks go "
                         "forward then): choose another time.")
    return as_utc


def to_local(value: datetime, tz_name: str) -> datetime:
    return aware(value).astimezone(zone(tz_name))


def local_text(value: datetime | None, tz_name: str) -> str:
    """'Friday 1 May 2026, 09:00 BST' in the space's timezone."""
    if value is None:
        return ""
    local = to_local(value, tz_name)
    return f"{local:%A} {local.day} {local:%B %Y, %H:%M} {local.tzname()}"


def parse_iso(raw: str) -> datetime:
    """An ISO 8601 time with its offset (the API's format); ValueError without one."""
    try:
        value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        raise ValueError(f"{str(raw)[:40]!r} is not a date and time (ISO 8601, e.g. 2026-05-01T09:00:00+01:00).") \
            from None
    if value.tzinfo is None:
        raise ValueError("Give the time with its timezone offset, e.g. 2026-05-01T09:00:00+01:00 or …Z for UTC.")
    return value.astimezone(UTC)
