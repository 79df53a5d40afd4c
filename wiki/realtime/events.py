"""The /collab Socket.IO namespace: parse each event, check access afresh, call the service, reply.

Protocol: docs/realtime.md. Every client event is answered through its ack with {"ok": ...}.
"""

from flask import current_app, request
from flask_socketio import Namespace, emit, join_room, leave_room

from wiki.documents.models import Document
from wiki.errors import DomainError
from wiki.extensions import begin_read, db, socketio
from wiki.realtime import access, awareness, service, ydoc
from wiki.realtime.connections import AccessLost, Connections, connecting_user, identity

CODES = {404: "not_found", 403: "forbidden", 413: "too_large", 429: "rate_limited", 401: "unauthorized"}
DELETED = "This document was deleted by a facilitator, so live editing stopped."


class Refused(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def room_name(doc_id: int) -> str:
    return f"doc:{doc_id}"


class CollabNamespace(Namespace):
    def __init__(self, namespace: str = "/collab"):
        super().__init__(namespace)
        self.connections = Connections()

    # --- connection lifecycle ------------------------------------------------------------------

    def on_connect(self, auth=None):
        user, token = connecting_user(db.session, auth)
        self.connections.open(request.sid, user, token)
        from wiki.realtime.subscribers import start_snapshot_loop

        start_snapshot_loop(current_app._get_current_object())

    def on_disconnect(self, *args):
        conn = self.connections.close(request.sid)
        if conn is not None and conn.doc_id is not None:
            self._left(conn, conn.doc_id)

    # --- events --------------------------------------------------------------------------------

    def on_join(self, data):
        return self._guarded(self._join, data)

    def on_sync(self, data):
        return self._guarded(self._sync, data)

    def on_awareness(self, data):
        return self._guarded(self._awareness, data)

    def on_leave(self, data):
        return self._guarded(self._leave, data)

    def _guarded(self, handler, data):
        """Run a handler; every refusal becomes an ack {ok: false, error, code}, never a crash."""
        conn = self.connections.get(request.sid)
        try:
            if conn is None:
                raise Refused("unauthorized", "Connect again: this connection is not known.")
            return handler(conn, data)
        except Refused as refusal:
            return {"ok": False, "error": refusal.message, "code": refusal.code}
        except AccessLost as lost:
            self._drop(conn, "access")
            return {"ok": False, "error": str(lost), "code": "unauthorized"}
        except DomainError as error:
            db.session.rollback()
            return {"ok": False, "error": error.message, "code": CODES.get(error.status, "malformed")}

    def _join(self, conn, data):
        doc_id = _doc_id(data)
        allowed = self._access(conn, doc_id, joining=True)
        user, can_edit = allowed.user, allowed.can_edit
        if conn.doc_id not in (None, doc_id):
            self._left(conn, conn.doc_id)
        if data.get("watch") is True:  # a reading page: comment events only, no live draft loaded
            conn.doc_id, conn.can_edit, conn.watching = doc_id, False, True
            return {"ok": True, "role": "watcher", "user": identity(user)}
        conn.watching = False
        document = db.session.get(Document, doc_id)
        if document is None:  # deleted since the check
            raise Refused("not_found", "No such document, or you do not have access to it.")
        room = service.room_of(db.session, document.id)
        conn.doc_id, conn.can_edit = doc_id, can_edit
        join_room(room_name(doc_id))
        return {"ok": True, "role": "editor" if can_edit else "viewer", "epoch": document.live_epoch,
                "seq": room.last_seq, "user": identity(user)}

    def _sync(self, conn, data):
        doc_id, body = _joined_payload(conn, data)
        if len(body) > _config("COLLAB_MAX_UPDATE_BYTES"):
            raise Refused("too_large", "This change is too large to send in one message.")
        if not conn.allow("sync"):
            raise Refused("rate_limited", "Too many changes too quickly; they were not saved. Slow down a little.")
        allowed = self._access(conn, doc_id)
        kind, payload = _parse_sync(body)
        if kind == ydoc.YSyncMessageType.SYNC_STEP1:
            return self._answer_step1(doc_id, payload)
        if not allowed.can_edit:
            if service.would_change(db.session, doc_id, payload):
                raise Refused("read_only", "You can read this draft but not edit it.")
            return {"ok": True, "seq": service.room_of(db.session, doc_id).last_seq}
        try:
            seq, _change, complete = service.receive(db.session, doc_id, payload, allowed.user.id, request.sid,
                                                     self._broadcast)
        except ValueError:
            raise Refused("malformed", "That change could not be read; it was not saved.") from None
        if not complete:  # an ok ack promises the change is stored: this one is only held in memory
            raise Refused("out_of_order", "This change follows one the server has not received (it was refused "
                          "or lost); it was not saved yet. Send the earlier changes again.")
        return {"ok": True, "seq": seq}

    def _broadcast(self, doc_id: int, changes: list[tuple[str, bytes]]) -> None:
        """Send the changes one group commit stored: everyone in the room but their senders gets them
        as ONE merged Update, and each sender gets the others' changes (never its own back).

        With k updates in a batch that is one message per connection instead of k: the busier the
        document, the bigger the batches, and the fan-out (most of the server's work at 50 editors
        and more) grows with the number of connections rather than with updates × connections.
        """
        room, senders = room_name(doc_id), [sender for sender, _change in changes]
        body = ydoc.update_body(ydoc.merged([change for _sender, change in changes]))
        socketio.emit("sync", {"doc": doc_id, "data": body}, to=room, skip_sid=senders, namespace=self.namespace)
        if len(changes) == 1:
            return
        for sender in set(senders):
            others = [change for other, change in changes if other != sender]
            if others:
                socketio.emit("sync", {"doc": doc_id, "data": ydoc.update_body(ydoc.merged(others))}, to=sender,
                              namespace=self.namespace)

    def _answer_step1(self, doc_id: int, state_vector: bytes):
        try:
            step2, step1, seq = service.answer_step1(db.session, doc_id, state_vector)
        except ValueError:
            db.session.rollback()
            raise Refused("malformed", "The state vector could not be read.") from None
        emit("sync", {"doc": doc_id, "data": step2})
        emit("sync", {"doc": doc_id, "data": step1})
        return {"ok": True, "seq": seq}

    def _awareness(self, conn, data):
        doc_id, body = _joined_payload(conn, data)
        if not conn.allow("awareness"):
            raise Refused("rate_limited", "Too many cursor updates; some were skipped.")
        user = self._access(conn, doc_id).user
        try:
            rewritten, clients = awareness.with_identity(body, identity(user))
        except (ValueError, UnicodeDecodeError):
            raise Refused("malformed", "The cursor update could not be read.") from None
        for client, clock, _state in awareness.parse(rewritten):
            conn.clients[client] = clock
        emit("awareness", {"doc": doc_id, "data": rewritten}, to=room_name(doc_id), skip_sid=request.sid)
        return {"ok": True}

    def _leave(self, conn, data):
        doc_id = _doc_id(data)
        if conn.doc_id == doc_id:
            self._left(conn, doc_id)
        return {"ok": True}

    # --- helpers -------------------------------------------------------------------------------

    def _access(self, conn, doc_id: int, joining: bool = False) -> access.Access:
        """The connection's access to the document, checked against the database now (one query,
        in a read transaction: a check never waits for SQLite's write lock)."""
        begin_read(db.session)
        allowed = access.check(db.session, conn, doc_id)
        if not allowed.found:
            service.rooms().discard(doc_id)  # deleted, perhaps by another process: its room is stale
            raise Refused("not_found", "No such document, or you do not have access to it.")
        if not allowed.can_read:
            if conn.doc_id == doc_id:
                self._drop(conn, "access")
            raise Refused("forbidden", "No such document, or you do not have access to it.")
        if not joining and conn.doc_id == doc_id and conn.can_edit and not allowed.can_edit:  # demoted
            self._drop(conn, "access")
            raise Refused("forbidden", "Your role in this space changed: join the document again to read it.")
        return allowed

    def _left(self, conn, doc_id: int) -> None:
        """Tell the others this connection's cursors are gone; snapshot when the last editor leaves."""
        if conn.watching:  # never in the room, never had cursors
            conn.doc_id, conn.watching = None, False
            return
        leave_room(room_name(doc_id))
        if conn.clients:
            clients = list(conn.clients)
            emit("peer-left", {"doc": doc_id, "clients": clients}, to=room_name(doc_id))
            emit("awareness", {"doc": doc_id, "data": awareness.removal(clients, conn.clients)},
                 to=room_name(doc_id))
        was_editor, conn.doc_id, conn.clients = conn.can_edit, None, {}
        if was_editor and not any(c.can_edit for c in self.connections.in_document(doc_id)):
            service.snapshot_by_id(db.session, doc_id)

    # --- called by subscribers (outside any socket event) -----------------------------------------

    def close_document(self, doc_id: int) -> None:
        """The document was deleted: everyone joined to it is told (`reset`, reason "deleted") and
        leaves it, in every process (room emit); nothing is snapshotted, there is nothing to save to."""
        payload = {"doc": doc_id, "epoch": 0, "reason": "deleted", "message": DELETED}
        socketio.emit("reset", payload, to=room_name(doc_id), namespace=self.namespace)
        for sid, conn in self.connections.joined(doc_id):
            if conn.watching:  # reading pages are in no room
                socketio.emit("reset", payload, to=sid, namespace=self.namespace)
            conn.doc_id, conn.can_edit, conn.watching, conn.clients = None, False, False, {}
        socketio.close_room(room_name(doc_id), namespace=self.namespace)

    def drop_user(self, user_id: int) -> None:
        """The account was erased: its sockets in this process are told and disconnected now, so its
        cursor and name leave everyone's presence list (others' processes refuse its next event)."""
        for sid, conn in self.connections.of_user(user_id):
            if conn.doc_id is not None:
                socketio.emit("reset", {"doc": conn.doc_id, "epoch": 0, "reason": "access"}, to=sid,
                              namespace=self.namespace)
            socketio.server.disconnect(sid, namespace=self.namespace)  # runs on_disconnect: peer-left

    def _drop(self, conn, reason: str) -> None:
        if conn is not None and conn.doc_id is not None:
            doc_id = conn.doc_id
            emit("reset", {"doc": doc_id, "epoch": 0, "reason": reason})
            conn.can_edit = False
            self._left(conn, doc_id)


def _config(name: str):
    return current_app.config[name]


def _doc_id(data) -> int:
    if not isinstance(data, dict) or not isinstance(data.get("doc"), int) or isinstance(data.get("doc"), bool):
        raise Refused("malformed", 'Expected {"doc": <document id>}.')
    return data["doc"]


def _joined_payload(conn, data) -> tuple[int, bytes]:
    doc_id = _doc_id(data)
    body = data.get("data")
    if not isinstance(body, bytes | bytearray):
        raise Refused("malformed", 'Expected {"doc": <id>, "data": <binary>}.')
    if conn.doc_id != doc_id or conn.watching:
        raise Refused("not_joined", "Join this document before sending changes for it.")
    return doc_id, bytes(body)


def _parse_sync(body: bytes) -> tuple[int, bytes]:
    try:
        return ydoc.parse_sync(body)
    except ValueError:
        raise Refused("malformed", "That message is not a valid sync message.") from None
