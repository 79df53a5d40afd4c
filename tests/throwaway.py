"""A database of its own on a shared PostgreSQL server: for tests and benchmarks.

The servers outlive every run and are never assumed empty, so each user of them creates a uniquely
named database and drops it afterwards, even when the run fails.
"""

import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def postgres_database(server_url: str, prefix: str = "wiki_test", *, durable: bool = True):
    """Yield the URL of a new, empty database on the server at `server_url`; drop it at the end.

    ``durable=False`` (the test suite) answers a commit before the server's WAL reaches the disk:
    a server crash could lose the last moments, which no test relies on, and the suite's tens of
    thousands of commits stop waiting for fsync. Benchmarks keep durable commits, as deployed."""
    admin_url = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        if not durable:
            conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def postgres_database_with_drop(server_url: str, prefix: str):
    """(url, drop) for callers that start and stop servers around the database by hand."""
    context = postgres_database(server_url, prefix)
    url = context.__enter__()
    return url, lambda: context.__exit__(None, None, None)


@contextmanager
def database_url(server_url: str | None, folder, prefix: str = "wiki_bench"):
    """A SQLite file in `folder` when no server is given, else a throwaway PostgreSQL database."""
    if not server_url:
        yield f"sqlite:///{folder}/bench.sqlite"
        return
    with postgres_database(server_url, prefix) as url:
        yield url
