"""What the accounts feature holds about a person, for the data download and account erasure.

Erasure anonymises the user row in place rather than deleting it: revisions, comments and live
edits keep pointing at the row, now named "deleted participant", so history and attribution stay
whole and no foreign key has to change (revision_authors would otherwise cascade away the credit).
The email column becomes "erased:<id>": unique, not an address (no "@", so it can never be
registered or receive mail), and the real address is free to register again.
"""

from sqlalchemy import delete, select

from wiki.auth.models import ApiToken, ConsentRecord, User
from wiki.comments.rules import DELETED_PARTICIPANT
from wiki.timeutil import as_utc, utcnow

UNUSABLE_PASSWORD = "!erased"  # not a werkzeug hash: check_password_hash() is always False for it


def erased_email(user_id: int) -> str:
    return f"erased:{user_id}"


def iso(value) -> str | None:
    return as_utc(value).isoformat() if value else None


def export_profile(session, user: User) -> dict:  # noqa: ARG001 - every exporter takes the session
    return {
        "id": user.id, "email": user.email, "display_name": user.display_name, "is_admin": user.is_admin,
        "created_at": iso(user.created_at), "perspectives": list(user.perspectives or []),
        "perspectives_consent": user.perspectives_consent, "failed_logins": user.failed_logins,
        "last_failed_login_at": iso(user.last_failed_login_at),
        "organisation": user.organisation, "acknowledge_consent": user.acknowledge_consent,
        "acknowledge_perspectives": user.acknowledge_perspectives,
    }


def export_consent_history(session, user: User) -> list[dict]:
    rows = session.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id))
    return [{"purpose": r.purpose, "granted": r.granted, "wording": r.wording, "perspectives": list(r.perspectives),
             "at": iso(r.created_at)} for r in rows]


def export_api_tokens(session, user: User) -> list[dict]:
    """Names and dates only: the stored hash is a credential, never part of an export."""
    rows = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    return [{"label": t.label, "created_at": iso(t.created_at), "last_used_at": iso(t.last_used_at)} for t in rows]


def erase_consent_history(session, user: User) -> None:
    session.execute(delete(ConsentRecord).where(ConsentRecord.user_id == user.id))


def erase_api_tokens(session, user: User) -> None:
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))


def erase_profile(session, user: User) -> None:  # noqa: ARG001
    """The row keeps only what holds the content together: its id and creation date."""
    user.email = erased_email(user.id)
    user.display_name = DELETED_PARTICIPANT
    user.password_hash = UNUSABLE_PASSWORD
    user.perspectives, user.perspectives_consent = [], False
    user.organisation, user.acknowledge_consent, user.acknowledge_perspectives = "", False, False
    user.is_admin, user.is_active_account = False, False
    user.failed_logins, user.last_failed_login_at = 0, None
    user.session_version += 1  # every session cookie and live socket of the account fails its next check
    user.erased_at = utcnow()
