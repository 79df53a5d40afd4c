"""Page generations: every committed write that can change a document's reading page increments
that document's ``page_generation``, the key of its cached page (wiki/documents/pagecache.py).

Why session hooks rather than calls in each service: the page shows the document, its head, its
comments (agreements, edits, moderation), rounds, editions, the space's name and timezone and
people's names. Dozens of use cases write those; a hook on every flush and every DML statement
cannot forget one, and a table nobody listed (a new feature) invalidates by default. Only tables
known never to appear on the page are ignored.

How: after a flush, each written row gives a scope — its document, thread, comment, round or space
(found from its own columns) or, failing that, "every document". One UPDATE then increments the
generation of the documents in those scopes: inside the writer's transaction when that adds no lock
wait (SQLite, whose one writer already holds the lock; PostgreSQL when every scope is a document the
transaction already holds, as saves and re-anchoring do), else after the commit on a connection of
its own, so its row locks cannot join a cycle with the writer's (a comment's transaction holds its
thread while a save holds the document). Readers read the generation *with* the document, before
anything else on the page, so a page stored under a generation is never older than it: at worst a
page rendered between a write's commit and a late increment is stored under the old generation,
which nobody asks for again once the increment lands.
"""

import logging
import re

from sqlalchemy import event, inspect, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from wiki.comments.models import Comment, Thread
from wiki.consultations.models import Round
from wiki.documents.models import Document

log = logging.getLogger(__name__)

ALL = ("all",)
_KEY = "page_scopes"
_HELD = "page_documents_held"
# Never shown on a reading page: activity log, watches, notifications, mail, last visits (written by
# every signed-in view), the search index, the live draft's update log, tokens and invite links.
IGNORED_TABLES = frozenset({"activity", "document_watches", "space_watches", "notifications", "notification_settings",
                            "document_visits", "email_outbox", "search_entries", "doc_updates", "api_tokens",
                            "round_invites", "round_invitees"})
# A login, a failed login or a password change is not on any page; a new account has written nothing yet.
_IGNORED_USER_COLUMNS = frozenset({"failed_logins", "last_failed_login_at", "session_version", "password_hash"})
_DML_RE = re.compile(r"\s*(insert|update|delete|replace|merge)\b", re.IGNORECASE)
_SCOPE_COLUMNS = ("document_id", "thread_id", "comment_id", "round_id", "space_id")


def scope_of(session: Session, obj) -> tuple | None:
    """Which documents a written row can show on: (kind, id), ALL, or None (on no page)."""
    table = getattr(obj, "__tablename__", None)
    if table in IGNORED_TABLES:
        return None
    if isinstance(obj, Document):
        return ("document", obj.id)
    if table == "spaces":
        return ("space", obj.id)
    if table == "users" and not _user_shown_change(session, obj):
        return None
    for column in _SCOPE_COLUMNS:
        value = getattr(obj, column, None)
        if isinstance(value, int):
            return (column.removesuffix("_id"), value)
    return ALL


def _user_shown_change(session: Session, user) -> bool:
    """Whether an account's change can show on a page (a name, perspectives, erasure), not a login's."""
    if user in session.new:
        return False
    changed = {attr.key for attr in inspect(user).attrs if attr.history.has_changes()}
    return user in session.deleted or bool(changed - _IGNORED_USER_COLUMNS)


def _after_flush(session: Session, _context) -> None:
    """Collect the scopes of the rows this flush wrote (their foreign keys are set by now)."""
    scopes = session.info.setdefault(_KEY, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        scope = scope_of(session, obj)
        if scope is not None:
            scopes.add(scope)


def _on_execute(state) -> None:
    """DML run through session.execute (bulk updates, deletes, inserts) never reaches a flush.
    A statement may name its scope: ``.execution_options(page_scope=("document", id))``."""
    if not (state.is_insert or state.is_update or state.is_delete or _is_text_dml(state.statement)):
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in IGNORED_TABLES:
        return
    scope = state.local_execution_options.get("page_scope") or state.execution_options.get("page_scope")
    state.session.info.setdefault(_KEY, set()).add(scope or ALL)


def _is_text_dml(statement) -> bool:
    """Hand-written SQL run through the session: a write of unknown scope (the code base has none)."""
    return isinstance(statement, TextClause) and _DML_RE.match(statement.text) is not None


def holding(session: Session, document_id: int) -> None:
    """Tell the hooks this transaction holds the document's row lock (documents.service.lock_document)."""
    session.info.setdefault(_HELD, set()).add(document_id)


def _before_commit(session: Session) -> None:
    """Increment inside the writer's own transaction when that adds no lock wait: always on SQLite
    (one writer at a time, and this one holds the lock), and on PostgreSQL when every scope is a
    document whose row this transaction already holds (a save, a revert, re-anchoring)."""
    if not (session.info.get(_KEY) or session.new or session.dirty or session.deleted):
        return
    session.flush()
    scopes, held = session.info.get(_KEY), session.info.get(_HELD, set())
    if not scopes:
        return
    if session.get_bind().dialect.name == "sqlite" or all(s[0] == "document" and s[1] in held for s in scopes):
        session.connection().execute(_statement(scopes))  # Core: not seen by _on_execute
        session.info.pop(_KEY)


def _after_commit(session: Session) -> None:
    session.info.pop(_HELD, None)
    scopes = session.info.pop(_KEY, None)
    if scopes:
        bind = session.get_bind()
        bump(getattr(bind, "engine", bind), scopes)  # a session bound to a connection: its engine


def _after_transaction_end(session: Session, transaction) -> None:
    """A transaction rolled back or closed without a commit leaves nothing behind (after a commit,
    _after_commit has already taken the scopes)."""
    if transaction.parent is None:
        session.info.pop(_KEY, None)
        session.info.pop(_HELD, None)


def _where(scopes: set):
    """The documents of `scopes`, as a WHERE clause (None: every document)."""
    if ALL in scopes:
        return None
    kinds = ("document", "thread", "comment", "round", "space")
    ids = {kind: sorted(i for k, i in scopes if k == kind) for kind in kinds}
    threads_of_comments = select(Comment.thread_id).where(Comment.id.in_(ids["comment"]))
    thread_ids = select(Thread.id).where(or_(Thread.id.in_(ids["thread"]), Thread.id.in_(threads_of_comments)))
    return or_(
        Document.id.in_(ids["document"]),
        Document.id.in_(select(Thread.document_id).where(Thread.id.in_(thread_ids))),
        Document.id.in_(select(Round.document_id).where(Round.id.in_(ids["round"]))),
        Document.space_id.in_(ids["space"]),
    )


def _statement(scopes: set):
    statement = update(Document.__table__).values(page_generation=Document.__table__.c.page_generation + 1)
    where = _where(scopes)
    return statement if where is None else statement.where(where)


def bump(engine, scopes: set) -> None:
    """Increment the page generation of every document in `scopes`, in a transaction of its own
    (after the writer's commit). A failure is logged and empties this process's page caches: its
    pages may be stale, and the write itself has been committed."""
    try:
        with engine.begin() as connection:
            connection.execute(_statement(scopes))
    except Exception:
        log.exception("could not increment page generations; clearing this process's page caches")
        from wiki.documents import cached_page

        cached_page.clear()


def install() -> None:
    """Listen on every ORM session (idempotent: create_app may run many times in one process)."""
    for name, handler in (("after_flush", _after_flush), ("do_orm_execute", _on_execute),
                          ("before_commit", _before_commit), ("after_commit", _after_commit),
                          ("after_transaction_end", _after_transaction_end)):
        if not event.contains(Session, name, handler):
            event.listen(Session, name, handler)
