"""Recent changes as one viewer may see them: per space or site-wide, filtered by kind and document,
newest first, with keyset pagination ("older than activity N").

Rows the viewer may not see are skipped by ``kinds.present`` (the one place that asks the rules), so
a page is filled by reading on in batches; the scan is bounded, and a page that stopped early still
offers "older changes" from where it stopped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.awareness import kinds
from wiki.awareness.models import KIND_LABELS, Activity
from wiki.spaces.service import visible_spaces

MAX_SCAN = 2000  # rows read at most for one page
_MAX_ID = 2**31 - 1


@dataclass(frozen=True)
class Query:
    kinds: tuple[str, ...] = ()  # empty: every kind
    document_id: int | None = None
    before: int | None = None  # activity id: show older ones only

    @classmethod
    def from_args(cls, args) -> Query:
        """From query arguments; unknown kinds and odd numbers are ignored, never an error."""
        chosen = tuple(k for k in args.getlist("kind") if k in KIND_LABELS) if hasattr(args, "getlist") else ()
        return cls(kinds=chosen, document_id=_id(args.get("document")), before=_id(args.get("before")))


def _id(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value <= _MAX_ID else None


@dataclass
class Changes:
    items: list[kinds.Item] = field(default_factory=list)
    older: int | None = None  # pass as ``before`` for the next page


def recent(session, user, *, space=None, query: Query | None = None, limit: int = 50) -> Changes:
    """The newest ``limit`` changes the viewer may see. ``space``: one space (already checked
    readable), else every space the viewer may read."""
    query = query or Query()
    space_ids = [space.id] if space is not None else [s.id for s in visible_spaces(session, user)]
    result = Changes()
    if not space_ids:
        return result
    reader = kinds.Reader(session, user)
    before, scanned, batch = query.before, 0, max(limit, 50)
    while len(result.items) < limit and scanned < MAX_SCAN:
        rows = list(session.scalars(_select(space_ids, query, before).limit(batch)))
        if not rows:
            return result
        scanned += len(rows)
        for row, item in zip(rows, kinds.present(session, rows, reader), strict=True):
            before = row.id
            if item is not None:
                result.items.append(item)
                if len(result.items) == limit:
                    break
        if len(rows) < batch and len(result.items) < limit:
            return result
    result.older = before
    return result


def _select(space_ids: list[int], query: Query, before: int | None):
    statement = (select(Activity).where(Activity.space_id.in_(space_ids))
                 .options(selectinload(Activity.space), selectinload(Activity.document))
                 .order_by(Activity.id.desc()))
    if query.kinds:
        statement = statement.where(Activity.kind.in_(query.kinds))
    if query.document_id is not None:
        statement = statement.where(Activity.document_id == query.document_id)
    if before is not None:
        statement = statement.where(Activity.id < before)
    return statement
