"""Configuration from the environment, and SQLite settings that keep data safe under concurrent writers."""

import stat
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import Engine

from wiki import create_app
from wiki.auth.models import User
from wiki.extensions import _sqlite_begin, db

FAST_HASH = {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


@pytest.fixture
def clean_env(tmp_path, monkeypatch):
    """No deployment settings leak in from the shell running the tests."""
    for name in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL", "WIKI_CONFIG", "WIKI_MAX_CONTENT_LENGTH"):
        monkeypatch.delenv(name, raising=False)
    instance = tmp_path / "instance"
    monkeypatch.setenv("WIKI_INSTANCE_PATH", str(instance))
    return instance


def _sqlite(tmp_path) -> dict:
    return {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite'}", **FAST_HASH}


# --- SECRET_KEY ------------------------------------------------------------------------------------


def test_production_refuses_to_start_without_secret_key(clean_env, tmp_path):
    with pytest.raises(RuntimeError, match=r"SECRET_KEY must be set in production"):
        create_app("production", _sqlite(tmp_path))
    assert not (clean_env / "secret_key").exists(), "production must never invent a key"


def test_production_by_env_name_refuses_too(clean_env, tmp_path, monkeypatch):
    monkeypatch.setenv("WIKI_CONFIG", "production")
    monkeypatch.setenv("SECRET_KEY", "   ")  # blank counts as unset
    with pytest.raises(RuntimeError, match=r"SECRET_KEY"):
        create_app(None, _sqlite(tmp_path))


def test_production_reads_secret_key_from_env_at_start(clean_env, tmp_path, monkeypatch):
    """Read when the app is created, not when config.py was imported (earlier, by this test run)."""
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app("production", _sqlite(tmp_path))
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["TESTING"] is False


# --- instance path -----------------------------------------------------------------------------------


def test_instance_path_holds_database_and_generated_key(clean_env):
    app = create_app("development", FAST_HASH)
    assert Path(app.instance_path) == clean_env.resolve()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{clean_env.resolve() / 'wiki.sqlite'}"
    key_file = clean_env / "secret_key"
    assert key_file.is_file()
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text().strip()
    assert app.config["SECRET_KEY"] == key and len(key) >= 32
    assert create_app("development", FAST_HASH).config["SECRET_KEY"] == key, "the key survives a restart"


def test_database_url_from_env(clean_env, tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'from-env.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    assert create_app("development", FAST_HASH).config["SQLALCHEMY_DATABASE_URI"] == url


def test_max_content_length_from_env(clean_env, monkeypatch):
    monkeypatch.setenv("WIKI_MAX_CONTENT_LENGTH", "12345")
    assert create_app("development", FAST_HASH).config["MAX_CONTENT_LENGTH"] == 12345


@pytest.mark.parametrize("how", ["env", "argument"])
def test_unknown_config_name_is_a_clear_error(clean_env, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("WIKI_CONFIG", "prodution")
        call = lambda: create_app()  # noqa: E731
    else:
        call = lambda: create_app("prodution")  # noqa: E731
    with pytest.raises(RuntimeError, match=r"Unknown WIKI_CONFIG 'prodution'.*development.*production.*testing"):
        call()


def test_wiki_config_env_selects_the_config(clean_env, monkeypatch):
    monkeypatch.setenv("WIKI_CONFIG", "testing")
    assert create_app().config["TESTING"] is True


# --- SQLite -----------------------------------------------------------------------------------------


@pytest.fixture
def sqlite_app(clean_env, tmp_path):
    """A testing app on a file SQLite database, with no app context left pushed (threads push their own)."""
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'wiki.sqlite'}", **FAST_HASH})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def test_sqlite_pragmas_on_a_real_connection(sqlite_app):
    with sqlite_app.app_context():
        for _ in range(2):  # a fresh connection, then one from the pool
            with db.engine.connect() as conn:
                pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
                assert pragma("journal_mode").lower() == "wal"
                assert pragma("synchronous") == 2  # FULL
                assert pragma("busy_timeout") >= 5000
                assert pragma("foreign_keys") == 1


def test_sqlite_foreign_keys_are_enforced(sqlite_app):
    from sqlalchemy.exc import IntegrityError

    from wiki.spaces.models import Membership

    with sqlite_app.app_context():
        db.session.add(Membership(space_id=999, user_id=999, role="editor"))
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def _read_then_write_concurrently(app, workers: int = 2) -> list[Exception]:
    """Each worker: count users, pause, insert a user, commit — all starting together."""
    barrier = threading.Barrier(workers)
    errors: list[Exception] = []

    def work(n: int):
        try:
            with app.app_context():
                barrier.wait(timeout=5)
                db.session.scalar(select(func.count(User.id)))
                time.sleep(0.05)
                db.session.add(User(email=f"writer{n}@example.org", display_name=f"Writer {n}", password_hash="x"))
                db.session.commit()
        except Exception as error:  # noqa: BLE001 - collected and reported by the test
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    return errors


def test_concurrent_read_then_write_transactions_both_commit(sqlite_app):
    errors = _read_then_write_concurrently(sqlite_app, workers=3)
    assert errors == []
    with sqlite_app.app_context():
        assert db.session.scalar(select(func.count(User.id))) == 3


def test_without_begin_immediate_the_same_scenario_fails(sqlite_app):
    """Shows the test above can fail: with SQLite's default deferred BEGIN a writer hits 'locked'."""

    def deferred(connection):
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("BEGIN")

    event.remove(Engine, "begin", _sqlite_begin)
    event.listen(Engine, "begin", deferred)
    try:
        errors = _read_then_write_concurrently(sqlite_app)
    finally:
        event.remove(Engine, "begin", deferred)
        event.listen(Engine, "begin", _sqlite_begin)
    assert any("database is locked" in str(error) for error in errors), errors
