"""The door of a round: the clock it reads, who may take part, and whether it takes a contribution
at this instant.

Kept apart from service.py because the comments service asks it too (a reply in a round thread is
refused after close, whichever path it came by), and it must not import the consultations service
that itself builds on comments.

Racing the close: ``hold_open`` begins the write transaction that stores the contribution. It
share-locks the round's row (``FOR SHARE`` on PostgreSQL; on SQLite the transaction already holds
the database's write lock, see docs/architecture.md), reads the clock *after* getting the lock, and
returns that instant, which becomes the contribution's ``created_at``. A facilitator's "close now"
takes the row's exclusive lock, so it waits for contributions being stored and they wait for it;
the clock's own close needs no lock at all. Either way every accepted contribution was taken
strictly before ``closes_at``, and none after.
"""

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from wiki.auth import permissions
from wiki.consultations import lifecycle
from wiki.consultations.models import INVITED, MEMBERS, Invitee, Round
from wiki.errors import Closed, NotFound, PermissionDenied
from wiki.extensions import begin_write
from wiki.spaces.service import actor_for

NO_SUCH_ROUND = "No such consultation round, or you do not have access to it."
_MAX_ID = 2**31 - 1


def now() -> datetime:
    """The rounds' clock: ``ROUNDS_CLOCK`` (a callable, injected by tests) or the system's, in UTC."""
    clock = current_app.config.get("ROUNDS_CLOCK") or lifecycle.system_clock
    return lifecycle.aware(clock())


def window(round_: Round) -> lifecycle.Window:
    return lifecycle.Window(lifecycle.aware(round_.opens_at), lifecycle.aware(round_.closes_at))


def state_of(round_: Round, at: datetime | None = None) -> str:
    """The state the round is in now (or at ``at``), whatever was last recorded."""
    return lifecycle.effective(round_.state, window(round_), at or now())


def get(session, round_id) -> Round:
    """The round with this id (no permission check: callers check the document), else NotFound."""
    try:
        round_id = int(round_id)
    except (TypeError, ValueError):
        raise NotFound(NO_SUCH_ROUND) from None
    found = session.get(Round, round_id) if 0 < round_id <= _MAX_ID else None
    if found is None:
        raise NotFound(NO_SUCH_ROUND)
    return found


def is_invitee(session, round_id: int, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return session.scalar(select(Invitee.id).where(Invitee.round_id == round_id, Invitee.user_id == user.id)) \
        is not None


def may_take_part(session, round_: Round, user, actor: permissions.Actor) -> bool:
    """Does the round's audience include this person? (Facilitators always; the rest by audience.)"""
    private = round_.document.space.is_private
    if not permissions.can_comment(actor, private):
        return False
    if permissions.can_facilitate(actor, private) or round_.audience not in (MEMBERS, INVITED):
        return True
    if actor.admin or actor.rank > 0:
        return True
    return round_.audience == INVITED and is_invitee(session, round_.id, user)


def require_participant(session, round_id: int, user) -> Round:
    """The round, if this person may take part in it; PermissionDenied with the reason otherwise."""
    round_ = get(session, round_id)
    space = round_.document.space
    actor = actor_for(session, user, space)
    if not permissions.can_read(actor, space.is_private):
        raise NotFound(NO_SUCH_ROUND)
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied("Log in to take part in this consultation.")
    if not may_take_part(session, round_, user, actor):
        who = "members of this space" if round_.audience == MEMBERS else "members of this space and invited people"
        raise PermissionDenied(f"This consultation round is open to {who} only.")
    return round_


def hold_open(session, round_id: int) -> datetime:
    """Inside the write transaction about to store a contribution: lock the round against a
    concurrent close, and return the instant the contribution is taken at; Closed if the round
    does not take contributions at that instant.

    It begins the write transaction itself (``begin_write``), so the reads and checks before it
    run without SQLite's write lock and only the write waits for it: call it before adding or
    changing anything (the transaction so far is committed)."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("hold_open() must come before the changes it guards")
    begin_write(session)
    round_ = session.scalar(
        select(Round).where(Round.id == round_id).with_for_update(read=True)
        .execution_options(populate_existing=True)
    )
    if round_ is None:
        raise NotFound(NO_SUCH_ROUND)
    at = now()
    reason = lifecycle.refusal(state_of(round_, at))
    if reason == "round not open":
        opens = lifecycle.local_text(round_.opens_at, round_.document.space.timezone)
        raise Closed(f"This round is not open yet: it opens on {opens}.", code=reason)
    if reason:
        raise Closed(f"{lifecycle.CLOSED_NOTICE}.", code=reason)
    return at
