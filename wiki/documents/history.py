"""Read side of versioning: history pages, comparisons and attribution (spans from ``spans``)."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.documents import revisions
from wiki.documents.models import Document, Revision
from wiki.documents.service import get_revision
from wiki.documents.spans import spans_at
from wiki.pagination import Page, paginate


def history(session, document: Document, raw_page, per_page: int | None = None) -> Page:
    """Newest first, with authors loaded in one query, paginated."""
    query = (
        select(Revision).where(Revision.document_id == document.id)
        .options(selectinload(Revision.authors)).order_by(Revision.number.desc())
    )
    return paginate(session, query, raw_page, per_page)


@dataclass(frozen=True)
class Comparison:
    old: Revision
    new: Revision
    ops: list

    @property
    def stats(self) -> tuple[int, int]:
        return revisions.diff_stats(self.ops)


def compare(session, document: Document, from_number, to_number) -> Comparison:
    """Two revisions and their diff; without `from_number`, the new revision's parent (itself for the first)."""
    new = get_revision(session, document, to_number, load=("text",))  # not the rendered HTML: unused here
    if from_number is None or from_number == "":
        from_number = new.parent_number or new.number
    old = get_revision(session, document, from_number, load=("text",))
    return Comparison(old, new, revisions.diff(old.text, new.text))


@dataclass(frozen=True)
class BlockCredit:
    block: "revisions.Block"
    revision: Revision


def attribution(session, document: Document) -> list[BlockCredit]:
    """Who last changed each block of the head text, computed from the diffs between revisions."""
    state = spans_at(session, document, document.head_number)
    spans = revisions.attribute_blocks(state.text, state.spans) if state else []
    numbers = {a.revision for a in spans}
    by_number = {
        r.number: r for r in session.scalars(
            select(Revision).where(Revision.document_id == document.id, Revision.number.in_(numbers))
            .options(selectinload(Revision.authors))
        )
    }
    return [BlockCredit(a.block, by_number[a.revision]) for a in spans]
