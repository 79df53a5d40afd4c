"""A database of its own on a shared PostgreSQL server: for tests and benchmarks.

The servers outlive every run and are never assumed empty, so each user of them creates a uniquely
named database and drops it afterwards, even when the run fails.
"""

import uuid
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


@contextmanager
def postgres_database(server_url: str, prefix: str = "wiki_test"):
    """Yield the URL of a new, empty database on the server at `server_url`; drop it at the end."""
    admin_url = make_url(server_url)
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
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
