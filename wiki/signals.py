"""Domain signals: services send them after a commit; subscribers (search index, notifications)
listen, so features stay unaware of each other."""

from blinker import Namespace

_signals = Namespace()

revision_committed = _signals.signal("revision-committed")
comment_added = _signals.signal("comment-added")
round_changed = _signals.signal("round-changed")
edition_published = _signals.signal("edition-published")
