"""Awareness (issue 9): recent changes, watching, notifications, email, "since you last looked",
briefings.

Every domain signal (wiki/signals.py) becomes one ``Activity`` row — the log behind recent changes
and the Atom feeds — and, for the people it concerns, a ``Notification`` (the bell, the notifications
page, email). What a person may read is decided when the log is *shown*, not only when it is
written: each row is re-checked against wiki/auth/permissions.py and wiki/comments/rules.py for the
viewer at render time (feed, page, bell count, email), so a member removed from a space, a comment
hidden since, or an anonymous author never leaks through an older row.

PURE cores (no Flask, no database): ``audience`` (who is told of an event, and why), ``mentions``
(@display name), ``batching`` (quiet-period coalescing, when an email is due, digests), ``atom``
(the feed XML), ``briefing`` (what changed between two revisions, by section). Services:
``recorder`` (signal → activity + notifications), ``feed`` (recent changes as one viewer sees
them), ``inbox`` (notifications, watches, settings), ``visits`` (last-seen revision), ``mail``
(outbox and SMTP). Thin ``routes``, ``events`` (the /notify Socket.IO namespace) and ``cli``.
"""
