"""Domain signals: services send them after a commit; subscribers (comments, live drafts, search
index, notifications, recent changes) listen, so features stay unaware of each other.

Every signal is sent with the Flask app as sender and keyword arguments only. The keywords below are
a contract between features that are built separately: add keywords freely, never rename or drop one.

- revision_committed: document_id, number, previous_text, text, user_id, source
  ("create" | "form" | "api" | "revert" | "live")
- comment_added: comment_id, thread_id, document_id — a comment became visible to someone (posted,
  or approved after pre-moderation)
- comment_changed: comment_id, thread_id, document_id, change ("edited" | "withdrawn" | "hidden" |
  "unhidden" | "resolved" | "reopened"), user_id (who made the change); for resolved/reopened
  comment_id is the thread's first comment
- round_changed: round_id, document_id, state, previous_state (None for a new round), user_id (the
  facilitator who started the round or forced the move; None when the clock moved it)
- round_edited: round_id, document_id — a facilitator changed a round's wording or dates (a state change
  the edit causes is announced by round_changed as well)
- disposition_set: comment_id, thread_id, round_id, document_id, user_id — a facilitator answered
  (or changed the answer to) a comment
- edition_published: edition_id, document_id, number
- document_deleted: document_id, space_id
- user_erased: user_id — the account was erased; its content stays, attributed to "deleted participant"
- document_changed: document_id, change ("status") — the document's own facts changed without a new
  revision
"""

from blinker import Namespace

_signals = Namespace()

revision_committed = _signals.signal("revision-committed")
comment_added = _signals.signal("comment-added")
comment_changed = _signals.signal("comment-changed")
round_changed = _signals.signal("round-changed")
round_edited = _signals.signal("round-edited")
disposition_set = _signals.signal("disposition-set")
edition_published = _signals.signal("edition-published")
document_deleted = _signals.signal("document-deleted")
user_erased = _signals.signal("user-erased")
document_changed = _signals.signal("document-changed")
