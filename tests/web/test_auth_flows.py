"""Registration, login (generic failures, backoff), logout, safe redirects and account storage."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.security import check_password_hash

from tests.factories import PASSWORD, login, make_user
from wiki.auth import service
from wiki.auth.models import User
from wiki.extensions import db
from wiki.timeutil import utcnow

GENERIC = "That email and password do not match an account."
NEW_PASSWORD = "a long new password"


def register(client, email="new.person@example.org", name="New Person", password=NEW_PASSWORD, confirm=None):
    return client.post("/register", data={
        "email": email, "display_name": name, "password": password,
        "confirm": password if confirm is None else confirm,
    })


def error_summary(response) -> str:
    match = re.search(r'<div class="error-summary".*?</div>', response.get_data(as_text=True), re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def signed_in(client) -> bool:
    """Whether the browser session is signed in, as a user would notice: the profile page opens."""
    return client.get("/profile").status_code == 200


def fresh_user(email: str) -> User:
    db.session.expire_all()
    return db.session.scalar(db.select(User).where(User.email == email))


def user_count() -> int:
    return db.session.scalar(db.select(db.func.count(User.id)))


# --- registration ---------------------------------------------------------------------------------------

def test_registering_signs_the_new_person_in(client):
    response = register(client, email="  New.Person@Example.ORG ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"

    home = client.get("/").get_data(as_text=True)
    assert "Your account is ready." in home
    assert '<span class="who">New Person</span>' in home
    assert "Log out" in home
    assert fresh_user("new.person@example.org").display_name == "New Person"


def test_a_duplicate_email_is_refused_whatever_its_case(client):
    make_user("Sam", email="sam@example.org")
    before = user_count()

    response = register(client, email="SAM@Example.org")

    assert response.status_code == 422
    assert "An account with that email already exists." in error_summary(response)
    assert user_count() == before
    assert not signed_in(client)


def test_a_short_password_is_refused(client):
    response = register(client, password="short", confirm="short")
    assert response.status_code == 422
    summary = error_summary(response)
    assert "Password" in summary and "between 10 and 1000 characters" in summary
    assert user_count() == 0


def test_a_mismatched_confirmation_is_refused_and_input_kept(client):
    response = register(client, confirm="something else entirely")
    assert response.status_code == 422
    assert "The passwords do not match." in error_summary(response)
    assert 'value="new.person@example.org"' in response.get_data(as_text=True)
    assert user_count() == 0


def test_an_invalid_email_is_refused(client):
    response = register(client, email="not-an-email")
    assert response.status_code == 422
    assert "Email address" in error_summary(response)
    assert user_count() == 0


# --- login --------------------------------------------------------------------------------------------

def test_login_with_the_right_password_welcomes_the_user(client):
    user = make_user("Grace")
    response = login(client, user)
    assert response.status_code == 302
    assert "Welcome back, Grace." in client.get("/").get_data(as_text=True)
    assert signed_in(client)


def test_login_failure_says_the_same_for_unknown_email_and_wrong_password(client):
    user = make_user("Grace")
    unknown = client.post("/login", data={"email": "nobody@example.org", "password": PASSWORD})
    wrong = client.post("/login", data={"email": user.email, "password": "not the password"})

    assert unknown.status_code == wrong.status_code == 422
    assert GENERIC in error_summary(unknown)
    assert error_summary(unknown) == error_summary(wrong)
    assert not signed_in(client)


def test_login_email_is_case_insensitive(client):
    user = make_user("Grace", email="grace@example.org")
    response = client.post("/login", data={"email": " GRACE@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)
    assert user.email == "grace@example.org"


def _fail(client, user, times: int):
    for _ in range(times):
        response = login(client, user, "not the password")
        assert response.status_code == 422
        assert GENERIC in error_summary(response)


def test_after_the_free_failures_even_the_right_password_must_wait(client, app, monkeypatch):
    user = make_user("Grace")
    free = app.config["LOGIN_FREE_FAILURES"]
    base = app.config["LOGIN_BACKOFF_BASE_SECONDS"]
    _fail(client, user, free)

    response = login(client, user)  # the right password, too early
    assert response.status_code == 429
    assert f"Too many failed attempts. Try again in {base} seconds." in error_summary(response)
    assert not signed_in(client)
    assert login(client, user, "still wrong").status_code == 429
    assert fresh_user(user.email).failed_logins == free  # refused attempts while waiting are not counted

    later = utcnow() + timedelta(seconds=base + 1)
    monkeypatch.setattr(service, "utcnow", lambda: later)
    response = login(client, user)
    assert response.status_code == 302
    assert signed_in(client)
    again = fresh_user(user.email)
    assert again.failed_logins == 0
    assert again.last_failed_login_at is None


def test_the_wait_ends_when_the_last_failure_is_old_enough(client, app):
    user = make_user("Grace")
    _fail(client, user, app.config["LOGIN_FREE_FAILURES"])
    assert login(client, user).status_code == 429

    stored = fresh_user(user.email)
    stored.last_failed_login_at = utcnow() - timedelta(seconds=app.config["LOGIN_BACKOFF_BASE_SECONDS"] + 1)
    db.session.commit()

    assert login(client, user).status_code == 302
    assert fresh_user(user.email).failed_logins == 0


def test_the_wait_doubles_after_a_further_failure(client, app):
    user = make_user("Grace")
    free, base = app.config["LOGIN_FREE_FAILURES"], app.config["LOGIN_BACKOFF_BASE_SECONDS"]
    _fail(client, user, free)
    stored = fresh_user(user.email)
    stored.last_failed_login_at = utcnow() - timedelta(seconds=base + 1)
    db.session.commit()

    _fail(client, user, 1)  # allowed again, but wrong: the next wait is twice as long
    response = login(client, user)
    assert response.status_code == 429
    assert f"Try again in {2 * base} seconds." in error_summary(response)


def test_a_disabled_account_cannot_log_in(client):
    user = make_user("Grace")
    user.is_active_account = False
    db.session.commit()

    response = login(client, user)
    assert response.status_code == 422
    assert GENERIC in error_summary(response)
    assert not signed_in(client)


def test_disabling_an_account_ends_its_open_sessions(client):
    user = make_user("Grace")
    login(client, user)
    assert signed_in(client)
    user.is_active_account = False
    db.session.commit()
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


# --- logout -------------------------------------------------------------------------------------------

def test_logout_needs_a_post(client):
    user = make_user("Grace")
    login(client, user)
    response = client.get("/logout")
    assert response.status_code == 405
    assert "We could not do that" in response.get_data(as_text=True)
    assert signed_in(client)


def test_logout_ends_the_session(client):
    user = make_user("Grace")
    login(client, user)
    response = client.post("/logout")
    assert response.status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "You have logged out." in home
    assert "Log in" in home and "Log out" not in home
    profile = client.get("/profile")
    assert profile.status_code == 302
    assert profile.headers["Location"].startswith("/login?next=")


def test_logout_ends_the_session_for_a_copied_cookie_too(client, app):
    user = make_user("Grace")
    login(client, user)
    copied = client.get_cookie("session").value
    other_device = app.test_client()
    other_device.set_cookie("session", copied)
    assert signed_in(other_device)

    client.post("/logout")

    assert not signed_in(other_device)
    assert not signed_in(client)


# --- where login sends you ------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "//evil.example",
    "https://evil.example",
    "http:/evil.example",
    "/\\evil.example",
    "/\t/evil.example",
    "javascript:alert(1)",
    "",
], ids=["protocol-relative", "absolute", "scheme-no-slashes", "backslash", "tab", "javascript", "empty"])
def test_login_never_redirects_off_site(client, target):
    user = make_user("Grace")
    response = client.post("/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_returns_to_the_page_that_asked_for_it(client):
    user = make_user("Grace")
    asked = client.get("/profile")
    assert asked.status_code == 302
    next_url = asked.headers["Location"]
    assert urlsplit(next_url).path == "/login"
    assert parse_qs(urlsplit(next_url).query) == {"next": ["/profile"]}
    response = client.post(next_url, data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/profile"


# --- storage ------------------------------------------------------------------------------------------

def test_passwords_are_stored_hashed(client):
    register(client)
    stored = fresh_user("new.person@example.org")
    assert NEW_PASSWORD not in stored.password_hash
    assert re.match(r"^(pbkdf2|scrypt):", stored.password_hash)
    assert check_password_hash(stored.password_hash, NEW_PASSWORD)
    assert not check_password_hash(stored.password_hash, NEW_PASSWORD + "x")
