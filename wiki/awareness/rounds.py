"""Consultation rounds in awareness: round state changes, dispositions ("you said, we did") and the
48-hour reminders — recorded, shown through the rounds' own visibility rules, and notified.

- A round's states are shown to whoever may read its document (the document page lists them).
- A disposition is shown to facilitators at any time and to other readers once the round's report
  is published — ``reporting.may_see_report``, the rule the round pages use — and only if the
  comment itself exists for them (wiki/comments/rules.py). Its author is told ("responded to your
  comment") when the response becomes visible to them: at once if the report is already out,
  else when it is published.
- ``remind`` (``flask --app wiki notify remind``, cron-safe) tells watchers once when a round opens
  or closes within 48 hours; the reminder's activity row is its idempotency record.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.auth.models import User
from wiki.awareness import audience, kinds, notify
from wiki.awareness.models import DISPOSITION, ROUND, Activity, DocumentWatch, SpaceWatch
from wiki.comments import rules
from wiki.comments.models import Comment
from wiki.comments.presenters import facts
from wiki.consultations import gate, lifecycle
from wiki.consultations.models import DISPOSITIONS, Disposition, Round
from wiki.consultations.reporting import may_see_report
from wiki.extensions import begin_write
from wiki.spaces.service import actor_for
from wiki.timeutil import utcnow

SOON = timedelta(hours=48)
OPENING_SOON, CLOSING_SOON = "opening-soon", "closing-soon"
_ACTIONS = {
    lifecycle.SCHEDULED: "scheduled", lifecycle.OPEN: "opened", lifecycle.CLOSED: "closed",
    lifecycle.RESPONDED: "completed the responses of", lifecycle.PUBLISHED: "published the report of",
    OPENING_SOON: "opens within 48 hours:", CLOSING_SOON: "closes within 48 hours:",
}
NOTIFIED_STATES = {lifecycle.SCHEDULED, lifecycle.OPEN, lifecycle.CLOSED, lifecycle.PUBLISHED}


# --- showing -------------------------------------------------------------------------------------------


def _load_rounds(session, rows: list[Activity]) -> dict:
    ids = {row.ref_id for row in rows}
    return {r.id: r for r in session.scalars(select(Round).where(Round.id.in_(ids)))}


def _show_round(row: Activity, loaded: dict, reader: kinds.Reader) -> kinds.Item | None:  # noqa: ARG001
    round_ = loaded.get(row.ref_id)
    if round_ is None:
        return None
    action = f"Consultation round {round_.number} “{round_.title}” {_ACTIONS.get(row.state, row.state)}"
    if row.state in (lifecycle.SCHEDULED, lifecycle.OPEN, lifecycle.CLOSED):
        action += " on"
    elif row.state in (lifecycle.RESPONDED, lifecycle.PUBLISHED):
        action = f"{_ACTIONS[row.state].capitalize()} consultation round {round_.number} “{round_.title}” on"
    return kinds.base(row, who="", action=action)


def _load_dispositions(session, rows: list[Activity]) -> dict:
    ids = {row.comment_id for row in rows}
    query = (select(Disposition, Comment, Round).join(Comment, Comment.id == Disposition.comment_id)
             .join(Round, Round.id == Disposition.round_id).where(Disposition.comment_id.in_(ids))
             .options(selectinload(Comment.author)))
    found = {d.comment_id: (d, c, r) for d, c, r in session.execute(query)}
    setters = {d.set_by_id for d, _, _ in found.values() if d.set_by_id}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(setters))).all())
    return {"found": found, "names": names}


def _show_disposition(row: Activity, loaded: dict, reader: kinds.Reader) -> kinds.Item | None:
    entry = loaded["found"].get(row.comment_id)
    if entry is None:
        return None
    disposition, comment, round_ = entry
    if not may_see_report(round_, reader.actor(row.space)):
        return None
    viewer, known = reader.viewer(row.space), facts(comment)
    if not rules.can_see(known, viewer):
        return None
    label = DISPOSITIONS.get(disposition.disposition, disposition.disposition)
    excerpt = f"{label}: {kinds.excerpt_of_text(disposition.response)}"
    return kinds.base(row, who=loaded["names"].get(disposition.set_by_id, "A facilitator"),
                      action=f"responded to a comment (round {round_.number}) on", excerpt=excerpt)


kinds.register(ROUND, _load_rounds, _show_round)
kinds.register(DISPOSITION, _load_dispositions, _show_disposition)


# --- recording -----------------------------------------------------------------------------------------


def record_round(session, round_id: int, state: str, user_id: int | None = None) -> list[int]:
    """A round's new state; ``user_id``: the facilitator who made the move (None: the clock), who
    is not told of it."""
    round_ = session.get(Round, round_id)
    if round_ is None:
        return []
    document = round_.document
    activity = Activity(kind=ROUND, space_id=document.space_id, document_id=document.id, ref_id=round_id,
                        state=state, created_at=utcnow())
    session.add(activity)
    session.flush()
    if state not in NOTIFIED_STATES:
        session.commit()
        return []
    answered = frozenset()
    if state == lifecycle.PUBLISHED:  # "you said, we did": every answered comment's author may now read it
        answered = frozenset(session.scalars(select(Comment.author_id).join(Disposition, Disposition.comment_id
                                                                            == Comment.id)
                                             .where(Disposition.round_id == round_id, Comment.author_id.is_not(None))))
    return notify.notify(session, activity, audience.Event(kind=ROUND, actors=frozenset({user_id}) - {None},
                                                           addressed=answered))


def record_disposition(session, comment_id: int, round_id: int, user_id: int | None) -> list[int]:
    comment = session.get(Comment, comment_id)
    round_ = session.get(Round, round_id)
    if comment is None or round_ is None:
        return []
    document = round_.document
    activity = Activity(kind=DISPOSITION, space_id=document.space_id, document_id=document.id,
                        thread_id=comment.thread_id, comment_id=comment.id, ref_id=round_id, actor_id=user_id,
                        created_at=utcnow())
    session.add(activity)
    session.flush()
    author = comment.author
    told = frozenset()
    if author is not None and may_see_report(round_, actor_for(session, author, document.space)):
        told = frozenset({author.id})
    event = audience.Event(kind=DISPOSITION, actors=frozenset({user_id}) - {None}, comment=facts(comment),
                           addressed=told)
    return notify.notify(session, activity, event)


# --- reminders -----------------------------------------------------------------------------------------


def due_reminder(round_: Round, now) -> str | None:
    """Which reminder (if any) this round is due now: opening or closing within 48 hours."""
    state = gate.state_of(round_, now)
    opens, closes = lifecycle.aware(round_.opens_at), lifecycle.aware(round_.closes_at)
    if state == lifecycle.SCHEDULED and opens - now <= SOON:
        return OPENING_SOON
    if state == lifecycle.OPEN and closes - now <= SOON:
        return CLOSING_SOON
    return None


def remind(session) -> list[tuple[int, str, list[int]]]:
    """Record and notify every due reminder once; returns (round id, reminder, people told) for each.
    Safe to run as often as wanted: a reminder's activity row is written once."""
    now = gate.now()
    sent = []
    for round_ in session.scalars(select(Round).where(Round.state.in_(lifecycle.BY_CLOCK))).all():
        which = due_reminder(round_, now)
        if which is None:
            continue
        begin_write(session)  # two runs at once: the round's row lock makes the second see the first's row
        session.scalar(select(Round.id).where(Round.id == round_.id).with_for_update())
        if session.scalar(select(Activity.id).where(Activity.kind == ROUND, Activity.ref_id == round_.id,
                                                    Activity.state == which)):
            session.rollback()
            continue
        document = round_.document
        activity = Activity(kind=ROUND, space_id=document.space_id, document_id=document.id, ref_id=round_.id,
                            state=which, created_at=utcnow())
        session.add(activity)
        session.flush()
        watchers = set(session.scalars(select(DocumentWatch.user_id).where(DocumentWatch.document_id == document.id,
                                                                           DocumentWatch.active.is_(True))))
        watchers |= set(session.scalars(select(SpaceWatch.user_id).where(SpaceWatch.space_id == document.space_id)))
        told = notify.notify(session, activity, audience.Event(kind=ROUND, reminded=frozenset(watchers)))
        sent.append((round_.id, which, told))
    return sent
