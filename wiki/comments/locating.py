"""Where a new comment points: the Markdown range (code points) of a revision, from an API's
positions and quote (checked) or a browser's selection in the rendered page (found in the source)."""

from wiki.comments import anchoring, blocks, selection
from wiki.comments.anchoring import Quote
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.errors import InvalidInput

MAX_QUOTE = 10_000  # characters a thread may quote


def locate(session, document: Document, revision_number, *, start=None, end=None, exact=None, prefix="",
           suffix="", block=None) -> tuple[int, int, Quote]:
    """The Markdown range (code points) of revision ``revision_number`` a new comment is about.

    API: ``start``/``end`` with the ``exact`` text (and optional context) they select, checked.
    Browser: a rendered ``block`` id and/or the ``exact`` rendered text selected, found in the
    Markdown (inside that block first); a block alone means the whole block."""
    revision = documents.get_revision(session, document, revision_number, load=("text",))  # html if used
    text, number = revision.text, revision.number
    if start is not None or end is not None:
        if start is None or end is None or exact is None:
            raise InvalidInput("Give the quoted text with both its start and end position.")
        if not anchoring.verify(text, start, end, Quote(exact, prefix or "", suffix or "")):
            raise InvalidInput(f"The quote does not match revision {number}.")
        return checked_range(text, start, end)
    if not (exact or "").strip() and not block:
        raise InvalidInput("Choose the passage to comment on.")
    span = blocks.block_map(text, revision.html).get(block) if block else None
    if block and span is None:
        raise InvalidInput(f"That paragraph is not in revision {number}.")
    aligned = span is not None and span.start >= 0
    found = None
    if (exact or "").strip():
        if aligned:
            found = selection.find_rendered(text, span.start, span.end, exact, prefix or "", suffix or "")
        found = found or selection.find_rendered(text, 0, len(text), exact, prefix or "", suffix or "")
        if found is None and not aligned:
            raise InvalidInput(f"The selected text could not be found in revision {number}.")
    if found is None:
        if not aligned:
            raise InvalidInput(f"That paragraph could not be found in the text of revision {number}.")
        found = selection.trim_block(text, span.start, span.end)
    return checked_range(text, *found)


def checked_range(text: str, start: int, end: int) -> tuple[int, int, Quote]:
    """The range and its quote, or a clear refusal: empty, out of the text, or too long to quote."""
    if end - start > MAX_QUOTE:
        raise InvalidInput(f"Select a shorter passage: at most {MAX_QUOTE:,} characters.")
    if not 0 <= start < end <= len(text):
        raise InvalidInput("Select some text to comment on.")
    return start, end, anchoring.make_quote(text, start, end)
