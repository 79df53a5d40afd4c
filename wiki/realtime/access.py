"""Who may do what in one live document, asked of the database afresh on every socket event, in one query.

Every /collab event re-checks the connection's user (logged out everywhere, disabled, erased, token
revoked) and their access to the document's space (removed, demoted). Loading the token, the user,
the document, its space and the membership as ORM objects took five queries and ~2.6 ms of CPU per
event, a third of the server's own work on each keystroke batch; one Core query returning plain
columns gives the same answer. The rules themselves stay in wiki.auth.permissions.
"""

from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select

from wiki.auth import permissions
from wiki.auth.models import ApiToken, User
from wiki.auth.service import token_hash
from wiki.documents.models import Document
from wiki.realtime.connections import AccessLost, Connection
from wiki.spaces.models import Membership, Space

_MAX_ID = 2**31 - 1  # ids are INTEGER columns: binding a larger one fails (SQLite OverflowError, PG DataError)
_USER = (User.id, User.display_name, User.is_admin, User.is_active.label("is_active"), User.session_version)
_PLACE = (Document.id.label("document_id"), Space.is_private, Membership.role)


@dataclass(frozen=True)
class Person:
    """The connection's user as peers see them (wiki.realtime.connections.identity reads these)."""

    id: int
    display_name: str


@dataclass(frozen=True)
class Access:
    found: bool  # the document exists (False: not found, whatever the user)
    can_read: bool
    can_edit: bool
    user: Person | None  # None: nobody signed in


def check(session, conn: Connection, document_id: int) -> Access:
    """The connection's access to the document now; AccessLost if its user may no longer act at all."""
    if not 0 < document_id <= _MAX_ID:
        document_id = 0  # matches no row, and binds on every database
    if conn.user_id is None:
        row = session.connection().execute(*_anonymous(document_id)).first()  # Core: no ORM layer
        found = row is not None and row.document_id is not None
        return Access(found, found and permissions.can_read(permissions.ANONYMOUS, row.is_private), False, None)
    row = session.connection().execute(*_signed_in(conn, document_id)).first()
    if conn.token is not None:
        if row is None or row.id != conn.user_id or not row.is_active:
            raise AccessLost("Your API token is no longer valid.")
    elif row is None or not row.is_active or row.session_version != conn.session_version:
        raise AccessLost("You have been logged out.")
    if row.document_id is None:
        return Access(False, False, False, None)
    actor = permissions.Actor(authenticated=True, admin=row.is_admin, role=row.role)
    return Access(True, permissions.can_read(actor, row.is_private), permissions.can_edit(actor, row.is_private),
                  Person(row.id, row.display_name))


def _place(query):
    """The document (bound as "document"), its space, and the user's membership of it, all optional."""
    return (
        query.outerjoin(Document, Document.id == bindparam("document"))
        .outerjoin(Space, Space.id == Document.space_id)
        .outerjoin(Membership, and_(Membership.space_id == Space.id, Membership.user_id == User.id))
    )


# Built once: constructing the statement cost as much CPU as running it.
_BY_TOKEN = _place(select(*_USER, *_PLACE).select_from(ApiToken).join(User, User.id == ApiToken.user_id)
                   .where(ApiToken.token_hash == bindparam("digest")))
_BY_SESSION = _place(select(*_USER, *_PLACE).select_from(User).where(User.id == bindparam("user")))
_ANONYMOUS = (select(Document.id.label("document_id"), Space.is_private)
              .join(Space, Space.id == Document.space_id).where(Document.id == bindparam("document")))


def _anonymous(document_id: int):
    return _ANONYMOUS, {"document": document_id}


def _signed_in(conn: Connection, document_id: int):
    """The user's row, with the document's space and the user's membership of it when they exist."""
    if conn.token is not None:
        return _BY_TOKEN, {"digest": token_hash(conn.token) or "", "document": document_id}
    return _BY_SESSION, {"user": conn.user_id, "document": document_id}
