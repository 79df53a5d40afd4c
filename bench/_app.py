"""The app a benchmark measures: a temporary instance folder and database, the schema built.

SQLite in the folder by default, or a throwaway database on the PostgreSQL server a bench is given
(``--database-url``), dropped at the end (tests/throwaway.py), so a shared server is never assumed
empty and nothing outlives the run.
"""

import os
import tempfile
from contextlib import contextmanager

from wiki import create_app
from wiki.extensions import db


@contextmanager
def bench_app(server_url: str | None, prefix: str = "wiki_bench", **config):
    """Yield (app, database URL, temporary folder); no app context is left pushed."""
    from tests.throwaway import database_url

    with tempfile.TemporaryDirectory() as folder, database_url(server_url, folder, prefix) as url:
        os.environ["WIKI_INSTANCE_PATH"] = f"{folder}/instance"
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
                                     **config})
        with app.app_context():
            db.create_all()
        try:
            yield app, url, folder
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
