"""The round's clock logic (wiki/consultations/lifecycle.py), around every boundary: the instant a
round opens and closes, a microsecond either side, rounds nobody looked at for a while, forced
moves, and local times across daylight-saving changes."""

from datetime import UTC, datetime, timedelta

import pytest

from wiki.consultations import lifecycle as lc

OPENS = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
CLOSES = datetime(2026, 5, 15, 16, 0, tzinfo=UTC)
WINDOW = lc.Window(OPENS, CLOSES)
TICK = timedelta(microseconds=1)


@pytest.mark.parametrize(("now", "state"), [
    (OPENS - TICK, lc.SCHEDULED),
    (OPENS, lc.OPEN),
    (OPENS + TICK, lc.OPEN),
    (CLOSES - TICK, lc.OPEN),
    (CLOSES, lc.CLOSED),
    (CLOSES + TICK, lc.CLOSED),
    (CLOSES + timedelta(days=400), lc.CLOSED),
])
def test_the_clock_opens_at_opens_at_and_closes_at_closes_at(now, state):
    assert lc.by_clock(WINDOW, now) == state
    assert lc.effective(lc.SCHEDULED, WINDOW, now) == state


def test_a_contribution_is_taken_only_strictly_before_the_close():
    assert lc.accepts_contributions(lc.effective(lc.OPEN, WINDOW, CLOSES - TICK))
    assert not lc.accepts_contributions(lc.effective(lc.OPEN, WINDOW, CLOSES))
    assert lc.refusal(lc.effective(lc.OPEN, WINDOW, CLOSES)) == "round closed"
    assert lc.refusal(lc.effective(lc.SCHEDULED, WINDOW, OPENS - TICK)) == "round not open"
    assert lc.refusal(lc.OPEN) is None
    for state in (lc.RESPONDED, lc.PUBLISHED):
        assert lc.refusal(state) == "round closed"


def test_naive_stored_times_are_read_as_utc():
    naive = lc.Window(OPENS.replace(tzinfo=None), CLOSES.replace(tzinfo=None))
    assert lc.by_clock(naive, CLOSES - TICK) == lc.OPEN
    assert lc.by_clock(naive, CLOSES) == lc.CLOSED


def test_a_recorded_state_beyond_the_clock_stays():
    """Closed early by a facilitator, or responded/published: the clock never moves it back."""
    for stored in (lc.CLOSED, lc.RESPONDED, lc.PUBLISHED):
        assert lc.effective(stored, WINDOW, OPENS + TICK) == stored
    # a round opened early (recorded open) before its planned opening time stays open
    assert lc.effective(lc.OPEN, WINDOW, OPENS - timedelta(hours=1)) == lc.OPEN


def test_due_steps_catch_the_record_up_one_state_at_a_time():
    assert lc.due(lc.SCHEDULED, WINDOW, OPENS - TICK) == []
    assert lc.due(lc.SCHEDULED, WINDOW, OPENS) == [(lc.SCHEDULED, lc.OPEN)]
    assert lc.due(lc.OPEN, WINDOW, CLOSES - TICK) == []
    assert lc.due(lc.OPEN, WINDOW, CLOSES) == [(lc.OPEN, lc.CLOSED)]
    # nobody looked during the whole window: both steps, in order (each is announced)
    assert lc.due(lc.SCHEDULED, WINDOW, CLOSES) == [(lc.SCHEDULED, lc.OPEN), (lc.OPEN, lc.CLOSED)]
    assert lc.due(lc.CLOSED, WINDOW, CLOSES + timedelta(days=3)) == []
    assert lc.due(lc.PUBLISHED, WINDOW, CLOSES) == []


@pytest.mark.parametrize(("action", "state", "steps"), [
    ("open", lc.SCHEDULED, [(lc.SCHEDULED, lc.OPEN)]),
    ("close", lc.OPEN, [(lc.OPEN, lc.CLOSED)]),
    ("responded", lc.CLOSED, [(lc.CLOSED, lc.RESPONDED)]),
    ("publish", lc.CLOSED, [(lc.CLOSED, lc.RESPONDED), (lc.RESPONDED, lc.PUBLISHED)]),
    ("publish", lc.RESPONDED, [(lc.RESPONDED, lc.PUBLISHED)]),
    ("unpublish", lc.PUBLISHED, [(lc.PUBLISHED, lc.RESPONDED)]),
])
def test_forced_moves(action, state, steps):
    assert lc.forced_steps(action, state) == steps


@pytest.mark.parametrize(("action", "state", "words"), [
    ("open", lc.OPEN, "Only a scheduled round can be opened early"),
    ("close", lc.SCHEDULED, "Only an open round can be closed"),
    ("close", lc.CLOSED, "this one is closed"),
    ("responded", lc.OPEN, "once the round is closed"),
    ("publish", lc.OPEN, "once the round is closed"),
    ("publish", lc.PUBLISHED, "once the round is closed"),
    ("unpublish", lc.CLOSED, "not published"),
])
def test_forced_moves_that_do_not_apply_say_why(action, state, words):
    with pytest.raises(ValueError, match=words):
        lc.forced_steps(action, state)


def test_unknown_action():
    with pytest.raises(ValueError, match="Unknown action"):
        lc.forced_steps("explode", lc.OPEN)


def test_window_checks():
    now = OPENS - timedelta(days=1)
    lc.check_window(OPENS, CLOSES, now)
    with pytest.raises(ValueError, match="close after it opens"):
        lc.check_window(CLOSES, OPENS, now)
    with pytest.raises(ValueError, match="close after it opens"):
        lc.check_window(OPENS, OPENS, now)
    with pytest.raises(ValueError, match="in the past"):
        lc.check_window(OPENS - timedelta(days=9), now, now)  # closes exactly now: already past
    lc.check_window(OPENS - timedelta(days=9), now + TICK, now)  # a microsecond ahead is fine
    with pytest.raises(ValueError, match="at most a year"):
        lc.check_window(OPENS, OPENS + timedelta(days=367), now)
    # moving the close of an open round: its opening may be long past
    lc.check_window(OPENS - timedelta(days=400), now + timedelta(hours=1), now, scheduled=False)


@pytest.mark.parametrize(("delta", "text"), [
    (timedelta(0), "no time"),
    (timedelta(seconds=-5), "no time"),
    (timedelta(seconds=59), "less than a minute"),
    (timedelta(seconds=60), "1 minute"),
    (timedelta(minutes=61), "1 hour, 1 minute"),
    (timedelta(days=2, hours=3, minutes=4), "2 days, 3 hours"),
    (timedelta(days=1, minutes=5), "1 day, 5 minutes"),
])
def test_countdown_text(delta, text):
    assert lc.countdown_text(delta) == text


def test_remaining_never_negative():
    assert lc.remaining(CLOSES, CLOSES + timedelta(hours=1)) == timedelta(0)
    assert lc.remaining(CLOSES, CLOSES - timedelta(hours=1)) == timedelta(hours=1)


# --- local time ------------------------------------------------------------------------------------


def test_local_times_follow_british_summer_time():
    winter = lc.from_local(datetime(2026, 1, 10, 9, 0), "Europe/London")
    summer = lc.from_local(datetime(2026, 7, 10, 9, 0), "Europe/London")
    assert winter == datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
    assert summer == datetime(2026, 7, 10, 8, 0, tzinfo=UTC)
    assert lc.local_text(summer, "Europe/London") == "Friday 10 July 2026, 09:00 BST"
    assert lc.local_text(winter, "Europe/London") == "Saturday 10 January 2026, 09:00 GMT"
    assert lc.local_text(None, "Europe/London") == ""


def test_a_time_skipped_by_the_clocks_going_forward_is_refused():
    with pytest.raises(ValueError, match="does not exist in Europe/London"):
        lc.from_local(datetime(2026, 3, 29, 1, 30), "Europe/London")
    assert lc.from_local(datetime(2026, 3, 29, 2, 0), "Europe/London") == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_a_time_that_happens_twice_is_the_first():
    """25 October 2026, 01:30 happens in BST and again in GMT: the first (BST) is meant."""
    assert lc.from_local(datetime(2026, 10, 25, 1, 30), "Europe/London") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_other_timezones_and_fallback():
    assert lc.from_local(datetime(2026, 5, 1, 9, 0), "Europe/Paris") == datetime(2026, 5, 1, 7, 0, tzinfo=UTC)
    assert lc.zone("Not/AZone").key == "Europe/London"
    assert lc.zone(None).key == "Europe/London"
    assert lc.is_timezone("Europe/Dublin") and lc.is_timezone("UTC")
    assert not lc.is_timezone("Not/AZone") and not lc.is_timezone("../etc/passwd") and not lc.is_timezone("")


@pytest.mark.parametrize(("raw", "expected"), [
    ("2026-05-01T09:00:00+01:00", datetime(2026, 5, 1, 8, 0, tzinfo=UTC)),
    ("2026-05-01T08:00:00Z", datetime(2026, 5, 1, 8, 0, tzinfo=UTC)),
    ("2026-05-01T08:00:00.250000+00:00", datetime(2026, 5, 1, 8, 0, 0, 250000, tzinfo=UTC)),
])
def test_iso_times_with_offsets(raw, expected):
    assert lc.parse_iso(raw) == expected


@pytest.mark.parametrize(("raw", "words"), [
    ("2026-05-01T09:00:00", "timezone offset"),
    ("tomorrow", "not a date and time"),
    ("", "not a date and time"),
    ("2026-02-30T09:00:00Z", "not a date and time"),
])
def test_iso_times_refused(raw, words):
    with pytest.raises(ValueError, match=words):
        lc.parse_iso(raw)
