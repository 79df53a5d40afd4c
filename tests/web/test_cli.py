"""`flask users|spaces|seed-demo`: what an operator types, what they see, what ends up in the database."""

import hashlib
import re
import stat
from pathlib import Path

from sqlalchemy import func, select

from tests.factories import make_space, make_user
from wiki.auth.models import ApiToken, User
from wiki.extensions import db
from wiki.spaces.models import Membership, Space

PASSWORD = "a long enough password"


def invoke(runner, *args, input=None):  # noqa: A002 - mirrors click's name
    return runner.invoke(args=list(args), input=input)


def assert_clean_error(result, *fragments: str, code: int = 1):
    """A refusal exits non-zero with a message and without a traceback."""
    assert result.exit_code == code, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in result.output, result.output


def user(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


# --- users -------------------------------------------------------------------------------------------


def test_users_create(runner):
    result = invoke(runner, "users", "create", "Ann@Example.org", "--name", "Ann", "--password", PASSWORD)
    assert result.exit_code == 0, result.output
    assert "Created account ann@example.org (Ann)" in result.output
    created = user("ann@example.org")
    assert created is not None and not created.is_admin
    assert PASSWORD not in created.password_hash


def test_users_create_admin(runner):
    result = invoke(runner, "users", "create", "boss@example.org", "--name", "Boss", "--password", PASSWORD, "--admin")
    assert result.exit_code == 0, result.output
    assert "admin" in result.output
    assert user("boss@example.org").is_admin


def test_users_create_prompts_for_password(runner):
    result = invoke(runner, "users", "create", "p@example.org", "--name", "P", input=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output  # hidden input is not echoed
    assert user("p@example.org") is not None


def test_users_create_duplicate_fails_cleanly(runner):
    make_user(email="dup@example.org")
    result = invoke(runner, "users", "create", "DUP@example.org", "--name", "Again", "--password", PASSWORD)
    assert_clean_error(result, "already exists")
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_users_create_short_password_fails_cleanly(runner):
    assert_clean_error(invoke(runner, "users", "create", "s@example.org", "--name", "S", "--password", "short"),
                       "at least 10 characters")
    assert user("s@example.org") is None


def test_users_token_works_and_only_its_hash_is_stored(runner, client):
    account = make_user("Tok", email="tok@example.org")
    result = invoke(runner, "users", "token", "tok@example.org", "--label", "laptop")
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert "\n" not in token and len(token) >= 32

    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["id"] == account.id

    rows = db.session.execute(select(ApiToken.token_hash, ApiToken.label)).all()
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(), "laptop")]
    assert all(token not in str(value) for value in rows[0])


def test_users_token_unknown_email(runner):
    assert_clean_error(invoke(runner, "users", "token", "ghost@example.org"), "No account uses ghost@example.org")


# --- spaces ------------------------------------------------------------------------------------------


def space(slug: str) -> Space | None:
    db.session.expire_all()
    return db.session.scalar(select(Space).where(Space.slug == slug))


def test_spaces_create_public_and_private(runner):
    result = invoke(runner, "spaces", "create", "open-plan", "--title", "Open plan")
    assert result.exit_code == 0, result.output
    assert "public space /s/open-plan/" in result.output
    result = invoke(runner, "spaces", "create", "closed-plan", "--title", "Closed plan", "--private")
    assert result.exit_code == 0, result.output
    assert "private space /s/closed-plan/" in result.output
    assert space("open-plan").is_private is False
    assert space("closed-plan").is_private is True


def test_spaces_create_bad_slug(runner):
    for slug in ("Bad Slug!", "dash-", "admin", "x" * 65):
        assert_clean_error(invoke(runner, "spaces", "create", slug, "--title", "T"), "lowercase letters")
    assert db.session.scalar(select(func.count(Space.id))) == 0


def test_spaces_create_duplicate(runner):
    make_space("taken")
    assert_clean_error(invoke(runner, "spaces", "create", "taken", "--title", "Again"), "already exists")


def test_spaces_add_member_and_change_role(runner):
    member = make_user(email="m@example.org")
    target = make_space("team")
    result = invoke(runner, "spaces", "add-member", "team", "M@example.org", "--role", "editor")
    assert result.exit_code == 0, result.output
    assert "editor" in result.output
    result = invoke(runner, "spaces", "add-member", "team", "m@example.org", "--role", "facilitator")
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    roles = db.session.execute(
        select(Membership.role).where(Membership.space_id == target.id, Membership.user_id == member.id)
    ).scalars().all()
    assert roles == ["facilitator"]


def test_spaces_add_member_errors(runner):
    make_user(email="m@example.org")
    make_space("team")
    assert_clean_error(invoke(runner, "spaces", "add-member", "team", "ghost@example.org", "--role", "editor"),
                       "No account uses that email")
    assert_clean_error(invoke(runner, "spaces", "add-member", "nowhere", "m@example.org", "--role", "editor"),
                       "No space /s/nowhere/")
    assert_clean_error(invoke(runner, "spaces", "add-member", "team", "m@example.org", "--role", "owner"),
                       "Invalid value", "facilitator", code=2)
    assert db.session.scalar(select(func.count(Membership.id))) == 0


def test_groups_have_help(runner):
    for group in ("users", "spaces"):
        result = invoke(runner, group, "--help")
        assert result.exit_code == 0
        assert "Usage" in result.output


# --- seed-demo ---------------------------------------------------------------------------------------

LOGIN_LINE = re.compile(r"^\s+(\w+)\s+(\S+@\S+)\s+password: (\S+)\s*$", re.MULTILINE)


def test_seed_demo_seeds_an_empty_database_and_logins_work(app, runner):
    result = invoke(runner, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "Seeded the demo space." in result.output
    logins = LOGIN_LINE.findall(result.output)
    assert [role for role, _, _ in logins] == ["admin", "facilitator", "editor", "contributor"]
    assert len({password for _, _, password in logins}) == 4

    logins_file = Path(app.instance_path) / "demo-logins.json"
    assert stat.S_IMODE(logins_file.stat().st_mode) == 0o600

    demo = db.session.scalar(select(Space))
    roles = dict(db.session.execute(select(User.email, Membership.role).join(Membership.user)).all())
    for role, email, password in logins:
        client = app.test_client()
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, (role, response.text)
        me = client.get("/api/v1/me").get_json()
        assert me["email"] == email
        assert me["is_admin"] is (role == "admin")
        if role != "admin":
            assert roles[email] == role
    assert demo.is_private is False


def test_seed_demo_twice_does_not_seed_again_but_prints_logins(runner):
    first = invoke(runner, "seed-demo")
    assert first.exit_code == 0, first.output
    second = invoke(runner, "seed-demo")
    assert second.exit_code == 0, second.output
    assert "not seeding" in second.output
    assert "Seeded" not in second.output
    assert LOGIN_LINE.findall(second.output) == LOGIN_LINE.findall(first.output)
    assert db.session.scalar(select(func.count(User.id))) == 4
    assert db.session.scalar(select(func.count(Space.id))) == 1


def test_seed_demo_leaves_a_real_database_alone(runner):
    make_user(email="real@example.org")
    result = invoke(runner, "seed-demo")
    assert result.exit_code == 0, result.output
    assert "not seeding" in result.output
    assert LOGIN_LINE.findall(result.output) == []
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert db.session.scalar(select(func.count(Space.id))) == 0


def test_serve_logs_requests_without_the_client_address_or_query_string(app, caplog):
    """`flask serve` request lines: no IP address (DESIGN §4) and no query string, where invite, feed
    and unsubscribe tokens travel."""
    import logging
    import threading
    import urllib.request

    from werkzeug.serving import make_server

    from wiki.cli import _NoAddressHandler

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_NoAddressHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            urllib.request.urlopen(f"http://127.0.0.1:{server.server_port}/login?token=s3cret-token").read()
    finally:
        server.shutdown()
    lines = [record.getMessage() for record in caplog.records if record.name == "werkzeug"]
    assert any('"GET /login HTTP/1.1" 200' in line for line in lines), lines
    assert not any("s3cret" in line or "127.0.0.1" in line for line in lines), lines
