"""Privacy use cases (UK GDPR): download everything held about me; erase my account, or an
admin erasing someone's. What each feature holds is in wiki/privacy/parts.py.

Erasure is one transaction over every part (all or nothing), then `signals.user_erased` tells the
features that react afterwards (live sockets dropped, search, notifications). Content stays,
attributed to "deleted participant"; see docs/privacy.md for what is kept and why.
"""

import logging

from flask import current_app
from sqlalchemy import func, select

from wiki import signals
from wiki.auth import service as accounts
from wiki.auth.models import User
from wiki.errors import Conflict, InvalidInput, NotFound
from wiki.extensions import begin_write
from wiki.privacy.parts import registry
from wiki.timeutil import utcnow

log = logging.getLogger(__name__)
FORMAT = "strategy-wiki personal data"
NOT_CONFIRMED = "Tick the box to confirm that you want your account erased."
LAST_ADMIN = "This is the only site administrator account: make someone else an administrator first."
_MAX_ID = 2**31 - 1


def export_data(session, user: User) -> dict:
    """Everything the wiki holds about `user`, one key per part (see parts.py)."""
    data = {"format": FORMAT, "version": 1, "exported_at": utcnow().isoformat(), "user_id": user.id}
    data.update(registry().export(session, user))
    return data


def erase_own_account(session, user: User, password: str, confirmed: bool) -> None:
    """The person themselves, after re-entering their password and ticking the confirmation."""
    if not confirmed:
        raise InvalidInput(NOT_CONFIRMED)
    accounts.verify_password(session, user, password)
    erase_account(session, user)


def account_to_erase(session, user_id: int) -> User:
    """A live (not yet erased) account, for the admin pages."""
    user = session.get(User, user_id) if 0 < user_id <= _MAX_ID else None
    if user is None or user.erased_at is not None:
        raise NotFound("No such account (it may have been erased already).")
    return user


def erase_by_admin(session, admin: User, user: User, typed_email: str) -> None:
    """A site admin erases someone else's account after typing its email address."""
    if user.id == admin.id:
        raise InvalidInput("Erase your own account from your profile page (it asks for your password).")
    if accounts.normalise_email(typed_email) != user.email:
        raise InvalidInput("Type the account’s email address exactly as shown to confirm.")
    erase_account(session, user)


def erase_account(session, user: User) -> None:
    """Run every part's eraser in one transaction, commit, then send user_erased."""
    user_id = user.id
    begin_write(session)
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None or user.erased_at is not None:
        session.rollback()
        raise NotFound("No such account (it may have been erased already).")
    if user.is_admin and _other_admins(session, user_id) == 0:
        session.rollback()
        raise Conflict(LAST_ADMIN)
    registry().erase(session, user)
    session.commit()
    log.info("account %s erased", user_id)  # the id only: nothing personal in logs
    signals.user_erased.send(current_app._get_current_object(), user_id=user_id)


def _other_admins(session, user_id: int) -> int:
    query = select(func.count(User.id)).where(
        User.is_admin.is_(True), User.is_active, User.id != user_id
    )
    return session.scalar(query)
