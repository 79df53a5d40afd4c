"""PURE cores of awareness: audience (who is told, why), mentions, quiet-period folding and email
timing, Atom XML, and the sections a briefing reports."""

from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET

import pytest

from wiki.auth import permissions
from wiki.awareness import atom, audience, batching, briefing
from wiki.awareness.mentions import find_mentions
from wiki.comments import rules

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


# --- audience ------------------------------------------------------------------------------------


def viewer(uid, role=None, admin=False):
    actor = permissions.Actor(authenticated=True, admin=admin, role=role)
    return rules.Viewer(user_id=uid, facilitator=permissions.can_facilitate(actor, True),
                        editor=permissions.can_edit(actor, True), can_comment=permissions.can_comment(actor, True))


def cand(uid, role=None, *, private=True, doc=None, space=False, active=True, admin=False):
    actor = permissions.Actor(authenticated=True, admin=admin, role=role)
    return audience.Candidate(uid, permissions.can_read(actor, private), viewer(uid, role, admin), active, doc, space)


def comment(visibility="named", state="published", author=9):
    return rules.CommentFacts(author_id=author, author_name="Writer", visibility=visibility, state=state)


def test_watchers_who_can_read_are_told_and_the_actor_is_not():
    event = audience.Event("revision", actors=frozenset({1}))
    people = [cand(1, "editor", doc=True), cand(2, "contributor", doc=True), cand(3, None, doc=True),
              cand(4, "editor", space=True), cand(5, "editor")]
    assert audience.recipients(event, people) == {2: "watching", 4: "watching_space"}


@pytest.mark.parametrize(("visibility", "state", "told"), [
    ("named", "published", {1, 2, 3}),
    ("anonymous", "published", {1, 2, 3}),
    ("facilitators", "published", {1}),
    ("named", "pending", {1}),
])
def test_comment_visibility_decides_who_hears_of_it(visibility, state, told):
    event = audience.Event("comment", actors=frozenset({9}), comment=comment(visibility, state))
    people = [cand(1, "facilitator", doc=True), cand(2, "editor", doc=True), cand(3, "contributor", doc=True)]
    assert set(audience.recipients(event, people)) == told


def test_the_strongest_reason_wins_and_mentions_reach_non_watchers():
    event = audience.Event("reply", actors=frozenset({9}), comment=comment(), participants=frozenset({2}),
                           mentioned=frozenset({2, 3}))
    people = [cand(2, "editor", doc=True), cand(3, "contributor"), cand(4, "contributor")]
    assert audience.recipients(event, people) == {2: "mention", 3: "mention"}


def test_stopping_a_document_watch_beats_the_space_watch_but_not_a_reply():
    event = audience.Event("reply", actors=frozenset({9}), comment=comment(), participants=frozenset({3}))
    people = [cand(2, "editor", doc=False, space=True), cand(3, "editor", doc=False, space=True)]
    assert audience.recipients(event, people) == {3: "reply"}


def test_no_one_who_lost_access_or_was_disabled_is_told():
    event = audience.Event("revision")
    assert audience.recipients(event, [cand(1, None, doc=True), cand(2, "editor", doc=True, active=False)]) == {}
    public = [cand(1, None, private=False, doc=True)]
    assert audience.recipients(event, public) == {1: "watching"}


def test_responses_and_reminders_reach_the_people_they_address_only():
    answer = audience.Event("disposition", comment=comment(author=2), addressed=frozenset({2}))
    assert audience.recipients(answer, [cand(2, "contributor"), cand(3, "editor", doc=True)]) == {2: "response"}
    remind = audience.Event("round", reminded=frozenset({3}))
    assert audience.recipients(remind, [cand(3, "editor", doc=True)]) == {3: "reminder"}


# --- mentions ------------------------------------------------------------------------------------


NAMES = {1: "Sam", 2: "Sam Lee", 3: "Ana María", 4: "Jo Smith", 5: "jo smith", 6: "Priya"}


@pytest.mark.parametrize(("text", "expected"), [
    ("Thanks @Sam Lee, agreed", {2}),
    ("Thanks @Sam, agreed", {1}),
    ("@sam   lee: see section 2", {2}),
    ("Ask @Ana María and @Priya.", {3, 6}),
    ("@Jo Smith please", set()),  # two people are called Jo Smith: ambiguous, nobody is told
    ("write to priya@example.org", set()),
    ("@Samantha hello", set()),  # not a name followed by a word boundary
    ("@Sam Leeds", {1}),  # "Sam Lee" does not end there; "Sam" does
    ("@Nobody here", set()),
    ("", set()),
])
def test_mentions_match_the_longest_unambiguous_display_name(text, expected):
    assert find_mentions(text, NAMES) == expected


# --- folding and email timing --------------------------------------------------------------------


QUIET, SPAN = timedelta(minutes=15), timedelta(hours=24)


def open_note(created=T0, updated=T0, read=False, mailed=False):
    return batching.Open(7, created, updated, read, mailed)


def test_a_burst_of_edits_folds_into_one_notification_until_it_goes_quiet():
    assert batching.fold_into(open_note(), T0 + timedelta(minutes=14), QUIET, SPAN) == 7
    assert batching.fold_into(open_note(), T0 + timedelta(minutes=15), QUIET, SPAN) is None
    assert batching.fold_into(open_note(read=True), T0 + timedelta(minutes=1), QUIET, SPAN) is None
    assert batching.fold_into(open_note(mailed=True), T0 + timedelta(minutes=1), QUIET, SPAN) is None
    assert batching.fold_into(None, T0, QUIET, SPAN) is None
    endless = open_note(created=T0 - SPAN, updated=T0)
    assert batching.fold_into(endless, T0 + timedelta(minutes=1), QUIET, SPAN) is None


def test_only_watched_edits_and_comments_fold():
    assert batching.topic_for("revision", "watching") == "edits"
    assert batching.topic_for("reply", "watching_space") == "comments"
    assert batching.topic_for("reply", "reply") == ""
    assert batching.topic_for("comment", "mention") == ""
    assert batching.topic_for("round", "watching") == ""


def test_immediate_email_waits_for_the_quiet_period_and_digests_come_once_a_day():
    assert not batching.immediate_due(T0, T0 + timedelta(minutes=5), QUIET)
    assert batching.immediate_due(T0, T0 + QUIET, QUIET)
    assert batching.digest_day(T0.replace(hour=6), 7, "") is None
    assert batching.digest_day(T0, 7, "") == "2026-03-02"
    assert batching.digest_day(T0, 7, "2026-03-02") is None
    assert batching.outbox_key("digest", 3, "2026-03-02") == "digest:3:2026-03-02"


# --- Atom ----------------------------------------------------------------------------------------


def test_the_feed_has_every_required_atom_element_and_escapes_text():
    entry = atom.Entry(id="tag:x,2026:a-1", title="<b>Edited</b> & more", updated=T0, link="https://w/x?a=1&b=2",
                       summary="5 < 6", author="Sam", category="revision")
    body = atom.build(feed_id="tag:x,2026:f", title="Changes", self_url="https://w/changes.atom",
                      page_url="https://w/changes", updated=T0 - timedelta(days=1), entries=[entry])
    root = ET.fromstring(body)
    ns = {"a": atom.NS}
    assert root.tag == f"{{{atom.NS}}}feed"
    for name in ("id", "title", "updated", "author/a:name"):
        assert root.find(f"a:{name}", ns) is not None, name
    assert root.find("a:updated", ns).text == "2026-03-02T09:00:00Z"  # the newest entry
    item = root.find("a:entry", ns)
    assert item.find("a:title", ns).text == "<b>Edited</b> & more"
    assert item.find("a:link", ns).get("href") == "https://w/x?a=1&b=2"
    assert b"<b>" not in body  # escaped, never markup


# --- briefing sections ---------------------------------------------------------------------------


OLD = "Intro.\n\n# Housing\n\nHomes.\n\n# Transport\n\nBuses.\n\n# Parks\n\nTrees.\n"
NEW = "Intro, revised.\n\n# Housing\n\nHomes.\n\n# Transport\n\nBuses and trams.\n"


def outline_of(text):
    starts, toc, pos = [], [], 0
    for line in text.splitlines(keepends=True):
        if line.startswith("# "):
            anchor = line[2:].strip().lower()
            starts.append((pos, anchor))
            toc.append([1, anchor, line[2:].strip()])
        pos += len(line)
    return briefing.outline(starts, toc)


def test_sections_changed_names_edited_and_removed_sections():
    changes = briefing.sections_changed(OLD, NEW, outline_of(OLD), outline_of(NEW))
    labels = [(c.label, c.gone) for c in changes]
    assert labels == [(briefing.BEFORE_FIRST_HEADING, False), ("Transport", False), ("Parks", True)]
    assert all(c.added or c.removed for c in changes)
    assert briefing.sections_changed(NEW, NEW, outline_of(NEW), outline_of(NEW)) == []


def test_a_range_starts_from_the_revision_before_the_first_in_it():
    assert briefing.range_between(4, 9) == briefing.Range(3, 9)
    assert briefing.range_between(None, None).empty
