"""PURE: who is told of an event, and why — one reason per person, checked with the same rules as
every page (wiki/auth/permissions.py for the space, wiki/comments/rules.py for a comment).

The service gathers the candidates (watchers, thread participants, people mentioned or answered) with
their permission view *now*; this module decides. Keeping it free of Flask and the database lets the
whole roles × visibility × reasons matrix be tested in milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from wiki.comments import rules

# Why someone is told, strongest first: a person gets one notification per event, for its strongest reason.
MENTION, REPLY, RESPONSE, REMINDER, THREAD, WATCHING, WATCHING_SPACE = (
    "mention", "reply", "response", "reminder", "thread", "watching", "watching_space",
)
PRIORITY = (MENTION, REPLY, RESPONSE, REMINDER, THREAD, WATCHING, WATCHING_SPACE)
REASON_LABELS = {
    MENTION: "mentioned you", REPLY: "replied in your thread", RESPONSE: "responded to your comment",
    REMINDER: "reminder", THREAD: "your thread", WATCHING: "you watch this document",
    WATCHING_SPACE: "you watch this space",
}

# Which kinds reach watchers; the others reach only the people they concern directly.
WATCHED_KINDS = frozenset({"revision", "comment", "reply", "round", "edition"})


@dataclass(frozen=True)
class Candidate:
    """Someone who may be told, as the space sees them now."""

    user_id: int
    can_read: bool  # permissions.can_read for the event's space, evaluated now
    viewer: rules.Viewer  # presenters.viewer_for(...) in that space
    active: bool = True  # a disabled account gets nothing
    watches_document: bool | None = None  # True watching, False explicitly stopped, None never
    watches_space: bool = False


@dataclass(frozen=True)
class Event:
    kind: str
    actors: frozenset[int] = field(default_factory=frozenset)  # who did it: never told of their own act
    comment: rules.CommentFacts | None = None  # the comment the event is about, if any
    participants: frozenset[int] = field(default_factory=frozenset)  # earlier commenters in the thread
    mentioned: frozenset[int] = field(default_factory=frozenset)
    addressed: frozenset[int] = field(default_factory=frozenset)  # answered ("you said, we did")
    reminded: frozenset[int] = field(default_factory=frozenset)  # a round opening/closing soon


def reasons_for(event: Event, candidate: Candidate) -> list[str]:
    """Every reason this candidate has to hear of the event, before permission checks."""
    found = []
    uid = candidate.user_id
    if uid in event.mentioned:
        found.append(MENTION)
    if uid in event.participants:
        found.append(REPLY if event.kind == "reply" else THREAD)
    if uid in event.addressed:
        found.append(RESPONSE)
    if uid in event.reminded:
        found.append(REMINDER)
    if event.kind in WATCHED_KINDS:
        if candidate.watches_document:
            found.append(WATCHING)
        elif candidate.watches_space and candidate.watches_document is not False:
            found.append(WATCHING_SPACE)
    return found


def may_know(event: Event, candidate: Candidate) -> bool:
    """May this person learn of the event at all? Read access to the space now, and for a comment,
    that the comment exists for them (facilitators-only, awaiting approval: wiki/comments/rules.py)."""
    if not candidate.active or not candidate.can_read:
        return False
    return event.comment is None or rules.can_see(event.comment, candidate.viewer)


def recipients(event: Event, candidates: list[Candidate]) -> dict[int, str]:
    """{user id: strongest reason} for everyone to tell; the actor is never told of their own act."""
    told: dict[int, str] = {}
    for candidate in candidates:
        if candidate.user_id in event.actors or candidate.user_id in told:
            continue
        reasons = reasons_for(event, candidate)
        if reasons and may_know(event, candidate):
            told[candidate.user_id] = min(reasons, key=PRIORITY.index)
    return told


def still_visible(can_read: bool, active: bool, comment: rules.CommentFacts | None, viewer: rules.Viewer) -> bool:
    """The same question asked again when a notification is shown, counted or mailed: access may
    have been lost, or the comment hidden from this person, since it was written."""
    return active and can_read and (comment is None or rules.can_see(comment, viewer))
