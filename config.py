"""Configuration classes: every setting has a safe default or is read from the environment.

The instance path (SQLite file, search index, published files) comes from WIKI_INSTANCE_PATH and is
resolved by the app factory, so a URL that depends on it is filled in there, not at import time.
"""

import os


class _Env:
    """A setting read from the environment when the app is configured, not when this module is imported.

    `app.config.from_object` reads class attributes, which calls `__get__` with no instance, so every
    create_app() sees the environment as it is then (tests and tools may import config early).
    """

    def __init__(self, name: str, default=None, cast=str):
        self.name, self.default, self.cast = name, default, cast

    def __get__(self, instance, owner):
        value = os.environ.get(self.name, "").strip()
        return self.cast(value) if value else self.default


def _int(name: str, default: int) -> _Env:
    """An integer setting, falling back to the default when unset or blank."""
    return _Env(name, default, int)


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = _Env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _Env("DATABASE_URL")  # None → SQLite under the instance path
    # Socket.IO runs one thread per busy connection: the default pool (5 + 10) queues them and
    # times out under a room of editors. Keep PostgreSQL's max_connections above workers × this.
    # hide_parameters: a database error's message (logged with its traceback) never carries the
    # values bound to the statement, such as a comment's body or an email address (docs/privacy.md).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_size": 10, "max_overflow": 40, "pool_timeout": 15,
                                       "hide_parameters": True}
    REDIS_URL = _Env("REDIS_URL")
    # Redis pub/sub channel shared by the workers of one deployment (each test run uses its own).
    SOCKETIO_CHANNEL = _Env("WIKI_SOCKETIO_CHANNEL", "wiki-socketio")

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead; long drafting sessions must not lose a form

    MAX_CONTENT_LENGTH = _int("WIKI_MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    MAX_FORM_MEMORY_SIZE = 4 * 1024 * 1024  # a 1 MB document in a form field, with room for encoding
    SOCKETIO_MAX_BUFFER = _int("WIKI_SOCKETIO_MAX_BUFFER", 2 * 1024 * 1024)
    COLLAB_IDLE_SECONDS = _int("WIKI_COLLAB_IDLE_SECONDS", 120)  # live text → revision after this pause
    COLLAB_MAX_UPDATE_BYTES = 1536 * 1024  # a whole maximum-size document pasted at once still fits
    COLLAB_RATE = 50  # sync events per second per connection (burst 4×)
    COLLAB_AWARENESS_RATE = 20
    COLLAB_COMPACT_ROWS = 500
    COMMENT_MAX_CHARS = _int("WIKI_COMMENT_MAX_CHARS", 5000)
    COMMENT_RATE_PER_MINUTE = _int("WIKI_COMMENT_RATE_PER_MINUTE", 10)
    DOCUMENT_MAX_BYTES = _int("WIKI_DOCUMENT_MAX_BYTES", 1024 * 1024)
    # Whole reading pages kept per process for readers who are not signed in (docs/architecture.md,
    # "Caching the reading page"): at most this many (~200 KB each for a 100 KB document), each for at
    # most this many seconds (a safety net: every write that changes a page replaces it at once).
    PAGE_CACHE = True
    PAGE_CACHE_SIZE = _int("WIKI_PAGE_CACHE_SIZE", 256)
    PAGE_CACHE_TTL = 300.0

    # Notifications and email (docs/notifications.md). Email is off while MAIL_SERVER is unset.
    BASE_URL = _Env("WIKI_BASE_URL")  # absolute links in emails and feeds, e.g. https://wiki.example.org
    NOTIFY_EMAIL_DEFAULT = _Env("WIKI_NOTIFY_EMAIL_DEFAULT", "daily")  # immediate | daily | none
    NOTIFY_QUIET_SECONDS = _int("WIKI_NOTIFY_QUIET_SECONDS", 15 * 60)  # one notification per document per this
    NOTIFY_FOLD_MAX_SECONDS = 24 * 3600  # ... but a new one at least daily during endless editing
    NOTIFY_DIGEST_HOUR = _int("WIKI_NOTIFY_DIGEST_HOUR", 7)  # UTC hour after which the daily digest goes
    NOTIFY_SEND_LEASE_SECONDS = 600  # an email claimed longer ago by a run that died is "uncertain"
    MAIL_SERVER = _Env("MAIL_SERVER")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _Env("MAIL_USE_TLS", False, lambda v: v.lower() in ("1", "true", "yes", "on"))  # STARTTLS
    MAIL_USE_SSL = _Env("MAIL_USE_SSL", False, lambda v: v.lower() in ("1", "true", "yes", "on"))
    MAIL_USERNAME = _Env("MAIL_USERNAME")
    MAIL_PASSWORD = _Env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _Env("MAIL_DEFAULT_SENDER", "wiki@localhost")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 30)

    LOGIN_FREE_FAILURES = 5  # failures allowed before the backoff starts
    LOGIN_BACKOFF_BASE_SECONDS = 30  # doubles with each further failure
    LOGIN_BACKOFF_MAX_SECONDS = 15 * 60
    PER_PAGE = 25
    TESTING = False

    # Full-text search (docs/search.md): whoosh (a local index, one machine) or postgresql (shared by
    # every machine; needs DATABASE_URL on PostgreSQL).
    SEARCH_BACKEND = _Env("WIKI_SEARCH_BACKEND", "whoosh")
    SEARCH_INDEX_PATH = _Env("WIKI_SEARCH_INDEX_PATH")  # None → <instance path>/search-index
    SEARCH_INDEX_ON_CHANGE = True  # saves, comments… update the index through signals
    SEARCH_ASYNC = True  # … on a background thread of each process (False: in the request)
    SEARCH_LOCK_TIMEOUT = 5.0  # seconds a writer waits for the index lock before retrying later
    SEARCH_QUEUE_MAX = 10_000  # queued groups before requests index inline instead
    SEARCH_PER_PAGE = 10
    # Processes building the Whoosh index in `flask search reindex` (this one reads the database and
    # hands out documents; each of the others writes a segment): 2 halves a rebuild's wall time on a
    # machine with a free core; 1 builds it in this process.
    SEARCH_REINDEX_PROCS = _int("WIKI_SEARCH_REINDEX_PROCS", 2)


class DevelopmentConfig(Config):
    """Local use: `make run`. A secret key is generated into the instance folder if none is set."""

    DEBUG = False


class TestingConfig(Config):
    """The test suite: its database URL is given by the fixtures."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105 - tests only
    WTF_CSRF_ENABLED = False
    LOGIN_BACKOFF_BASE_SECONDS = 30
    # Only the search tests (tests/web/search/) index on every change; the rest of the suite would
    # pay for an index it never reads.
    SEARCH_INDEX_ON_CHANGE = False


class ProductionConfig(Config):
    """Behind gunicorn: refuses to start without SECRET_KEY; cookies only over HTTPS."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
