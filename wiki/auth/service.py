"""Account use cases: registration, login with backoff, tokens, profile and consent."""

import functools
import hashlib
import secrets

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from wiki.auth import lockout
from wiki.auth.models import ApiToken, ConsentRecord, User
from wiki.auth.perspectives import CONSENT_WORDING, clean_perspectives
from wiki.errors import InvalidInput, NotFound, RateLimited
from wiki.timeutil import as_utc, utcnow

GENERIC_LOGIN_ERROR = "That email and password do not match an account."
TOKEN_PREFIX = "wk_"
MIN_PASSWORD = 10


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def hash_password(password: str) -> str:
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def find_user_by_email(session, email: str) -> User | None:
    """The live account with this email (an erased account has no email: it is never found)."""
    return session.scalar(select(User).where(User.email == normalise_email(email), User.erased_at.is_(None)))


def create_user(session, email: str, display_name: str, password: str, *, admin: bool = False) -> User:
    """Create an account; the caller commits. Emails are unique regardless of case."""
    email = normalise_email(email)
    display_name = (display_name or "").strip()
    if "@" not in email or len(email) > 254:
        raise InvalidInput("Enter a valid email address.")
    if not display_name or len(display_name) > 80:
        raise InvalidInput("Enter a display name of up to 80 characters.")
    if len(password or "") < MIN_PASSWORD:
        raise InvalidInput(f"Choose a password of at least {MIN_PASSWORD} characters.")
    if find_user_by_email(session, email):
        raise InvalidInput("An account with that email already exists.")
    user = User(email=email, display_name=display_name, password_hash=hash_password(password), is_admin=admin)
    session.add(user)
    session.flush()
    return user


def _locked_until(user: User):
    config = current_app.config
    return lockout.locked_until(
        user.failed_logins,
        as_utc(user.last_failed_login_at),
        free_failures=config["LOGIN_FREE_FAILURES"],
        base_seconds=config["LOGIN_BACKOFF_BASE_SECONDS"],
        max_seconds=config["LOGIN_BACKOFF_MAX_SECONDS"],
    )


def authenticate(session, email: str, password: str) -> User:
    """Check a login; failures say nothing about which part was wrong.

    Repeated failures on an account make it wait (see lockout.py); the wait is reported, since
    it is the same for a real and a guessed password and tells an attacker nothing new.
    """
    user = find_user_by_email(session, email)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")  # same work as a real check
        raise InvalidInput(GENERIC_LOGIN_ERROR)
    _check_password(session, user, password, GENERIC_LOGIN_ERROR)
    return user


def verify_password(session, user: User, password: str) -> None:
    """Re-entering the password before something irreversible (erasing the account): the same
    backoff as logging in, so a borrowed session cannot guess it quickly."""
    _check_password(session, user, password, "That is not your current password.")


def _check_password(session, user: User, password: str, message: str) -> None:
    now = utcnow()
    until = _locked_until(user)
    if lockout.is_locked(now, until):
        seconds = int((until - now).total_seconds()) + 1
        raise RateLimited(f"Too many failed attempts. Try again in {seconds} seconds.", retry_after=seconds)
    if not check_password_hash(user.password_hash, password or "") or not user.is_active:
        user.failed_logins += 1
        user.last_failed_login_at = now
        session.commit()
        raise InvalidInput(message)
    if user.failed_logins:
        user.failed_logins = 0
        user.last_failed_login_at = None
        session.commit()


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown emails against, so they take as long as real accounts."""
    return hash_password(secrets.token_hex(8))


def _token_digest(token: str) -> str:
    """Tokens carry 256 bits of randomness, so a plain SHA-256 is a safe at-rest form."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session, user: User, label: str = "") -> str:
    """Create a personal API token; only its hash is stored, so it is shown once."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(user=user, token_hash=_token_digest(token), label=label[:80]))
    session.flush()
    return token


def token_hash(token: str) -> str | None:
    """The stored form of a well-formed token, None for one that cannot be ours (so no lookup runs)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    return _token_digest(token)


def user_for_token(session, token: str) -> User | None:
    digest = token_hash(token)
    if digest is None:
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest))
    if row is None or not row.user.is_active:
        return None
    return row.user


def load_session_user(session, session_id: str) -> User | None:
    """Flask-Login's loader: "id:version"; a stale version means the session was ended."""
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = session.get(User, int(user_id))
    if user is None or user.session_version != int(version) or not user.is_active:
        return None
    return user


def update_profile(session, user: User, display_name: str, perspectives: list[str], consent: bool) -> None:
    """Change name and perspectives; each change of consent or perspectives is recorded.

    Without consent no perspective is kept at all: withdrawing consent erases them, even if the
    perspective boxes were left ticked (the profile page says unticking consent is enough).
    """
    display_name = (display_name or "").strip()
    if not display_name or len(display_name) > 80:
        raise InvalidInput("Enter a display name of up to 80 characters.")
    withdrawing = user.perspectives_consent and not consent
    chosen = [] if withdrawing else clean_perspectives(perspectives)
    if chosen and not consent:
        raise InvalidInput("Tick the consent box to save perspectives, or untick them all.")
    user.display_name = display_name
    if consent != user.perspectives_consent or chosen != list(user.perspectives or []):
        session.add(
            ConsentRecord(
                user_id=user.id, purpose="perspectives", granted=consent, wording=CONSENT_WORDING, perspectives=chosen
            )
        )
    user.perspectives = chosen
    user.perspectives_consent = consent
    session.commit()


def set_admin(session, user_id: int, admin: bool) -> User:
    user = session.get(User, user_id)
    if user is None or user.erased_at is not None:
        raise NotFound("No such user.")
    user.is_admin = admin
    session.commit()
    return user


def count_users(session) -> int:
    return session.scalar(select(func.count(User.id)))


def end_sessions(session, user: User) -> None:
    """Log the user out everywhere: every cookie and live channel carrying the old version fails.

    Logging out on a shared computer (a library, a community centre) must really end the session,
    including any open editing channel, even if a copy of the cookie survives.
    """
    user.session_version += 1
    session.commit()
