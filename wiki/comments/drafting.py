"""Commenting from the live editor: "select a passage (in the rendered view, and in the editor) and
comment on it" (issue 5).

The selection is in the live text, which may run ahead of the head revision, but a thread is always
anchored on a revision (DESIGN §3). So the live range is mapped back to the head through the live
placement's diff (``live.to_head``): a passage that is there unchanged is anchored on the head; one
holding unsaved text makes the server save the draft first (the ordinary live snapshot, crediting
the typists, not the commenter) and anchor on that new revision. The client's quote with its
context is the version check: if someone typed inside or around the passage meanwhile, the request
is refused (409) and nothing is saved. Every comment rule is ``service.create_thread``'s.
"""

from __future__ import annotations

from wiki.comments import anchoring, live, service
from wiki.comments.anchoring import Quote
from wiki.comments.locating import checked_range
from wiki.comments.models import Thread
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.errors import Conflict
from wiki.extensions import begin_read
from wiki.realtime import service as realtime

SNAPSHOT_SUMMARY = "Live editing (saved to anchor a comment)"
MOVED = ("The draft changed while you were writing: the selected passage no longer reads as it did. "
         "Your comment is kept: select the passage again and press “Comment on selection”.")


def comment_on_live(session, document: Document, user, *, start: int, end: int, quote: Quote, body: str,
                    visibility: str, perspective: str | None = None) -> tuple[Thread, bool]:
    """A new thread on the live text's [start, end) (code points), which must read ``quote``
    there: (the thread, whether the draft was saved as a revision for it)."""
    service.check_new_thread(session, document, user, body=body, visibility=visibility, perspective=perspective)
    draft = live.live_text(session, document)
    begin_read(session)  # the checks and the diff below must not hold SQLite's write lock (a POST's default)
    head = documents.head(session, document)
    text = draft.text if draft is not None else head.text
    if not anchoring.verify(text, start, end, quote):
        raise Conflict(MOVED)
    checked_range(text, start, end)  # length and range refusals before anything is saved
    mapped = live.to_head(document.id, head, draft, start, end)
    revision, saved = head.number, False
    if mapped is None:
        outcome = realtime.snapshot(session, document, SNAPSHOT_SUMMARY)
        revision, saved = outcome.revision.number, outcome.created
        if not anchoring.verify(outcome.revision.text, start, end, Quote(quote.exact)):
            raise Conflict(MOVED)  # typed between the check and the save: nothing to anchor on
        mapped = start, end
    start, end, stored = checked_range(documents.get_revision(session, document, revision, load=("text",)).text,
                                       *mapped)
    thread = service.create_thread(session, document, user, revision=revision, start=start, end=end, quote=stored,
                                   body=body, visibility=visibility, perspective=perspective)
    return thread, saved
