"""The briefing use case: choose the span (two dates or two named versions), gather what happened
in it as the reader may see it (through ``kinds.present``), and the sections changed (``briefing``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.awareness import briefing, kinds
from wiki.awareness.models import COMMENT, REOPENED, RESOLVED, REVISION, Activity
from wiki.comments.blocks import heading_starts
from wiki.documents import service as documents
from wiki.documents.models import Document, Revision
from wiki.errors import InvalidInput
from wiki.timeutil import as_utc, utcnow

DEFAULT_DAYS = 14
MAX_ROWS = 1000  # a briefing is one page: it lists at most this many events


@dataclass
class Briefing:
    label: str  # "1 Mar 2026 – 14 Mar 2026" or "Draft 1 → Draft 2"
    span: briefing.Range
    revisions: list[kinds.Item] = field(default_factory=list)
    sections: list[briefing.SectionChange] = field(default_factory=list)
    opened: list[kinds.Item] = field(default_factory=list)
    resolved: list[kinds.Item] = field(default_factory=list)
    other: list[kinds.Item] = field(default_factory=list)  # rounds, dispositions, editions
    added: int = 0
    removed: int = 0


@dataclass(frozen=True)
class Bounds:
    start: datetime | None  # exclusive lower time bound (None: the beginning)
    end: datetime  # inclusive upper bound
    label: str
    versions: tuple[int, int] | None = None  # (from revision, to revision) when chosen by version


def _day(raw: str, name: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"Enter the {name} date as YYYY-MM-DD.") from None


def bounds(session, document: Document, args) -> Bounds:
    """From query arguments: ``from_version``/``to_version`` (named versions), else ``from``/``to``
    (dates, inclusive), else the last DEFAULT_DAYS days."""
    if args.get("from_version") or args.get("to_version"):
        return _version_bounds(session, document, args.get("from_version", ""), args.get("to_version", ""))
    today = utcnow().date()
    first = _day(args["from"], "start") if args.get("from") else today - timedelta(days=DEFAULT_DAYS)
    last = _day(args["to"], "end") if args.get("to") else today
    if first > last:
        raise InvalidInput("The start date is after the end date.")
    start = datetime.combine(first, datetime.min.time(), UTC) - timedelta(microseconds=1)
    end = datetime.combine(last, datetime.max.time(), UTC)
    return Bounds(start, end, f"{first:%-d %b %Y} – {last:%-d %b %Y}")


def _version_bounds(session, document: Document, first: str, last: str) -> Bounds:
    named = {v.name: v.revision_number for v in documents.named_versions(session, document)}
    if first not in named or (last and last not in named):
        raise InvalidInput("Choose named versions of this document (see its Named versions page).")
    to_number = named[last] if last else document.head_number
    if named[first] >= to_number:
        raise InvalidInput("Choose a first version older than the second.")
    stamps = dict(session.execute(select(Revision.number, Revision.created_at).where(
        Revision.document_id == document.id, Revision.number.in_((named[first], to_number)))).all())
    label = f"{first} → {last or 'current text'}"
    return Bounds(as_utc(stamps[named[first]]), as_utc(stamps[to_number]), label, (named[first], to_number))


def build(session, document: Document, user, span: Bounds) -> Briefing:
    reader = kinds.Reader(session, user)
    rows = list(session.scalars(_rows(document, span).limit(MAX_ROWS)))
    items = [i for i in kinds.present(session, rows, reader) if i is not None]
    result = Briefing(label=span.label, span=briefing.Range(0, 0))
    result.revisions = [i for i in items if i.kind == REVISION]
    result.opened = [i for i in items if i.kind == COMMENT]
    result.resolved = [i for i in items if i.kind in (RESOLVED, REOPENED)]
    result.other = [i for i in items if i.kind not in (REVISION, COMMENT, RESOLVED, REOPENED, "reply")]
    numbers = [i.revision_number for i in result.revisions]
    if span.versions is not None:
        result.span = briefing.Range(*span.versions)
    elif numbers:
        result.span = briefing.range_between(min(numbers), max(numbers))
    if not result.span.empty:
        _sections(session, document, result)
    return result


def _rows(document: Document, span: Bounds):
    query = (select(Activity).where(Activity.document_id == document.id)
             .options(selectinload(Activity.space), selectinload(Activity.document)).order_by(Activity.id))
    if span.versions is not None:
        low, high = span.versions
        by_time = Activity.kind != REVISION
        in_numbers = (Activity.revision_number > low) & (Activity.revision_number <= high)
        in_time = (Activity.created_at > span.start) & (Activity.created_at <= span.end)
        return query.where((by_time & in_time) | (~by_time & in_numbers))
    return query.where(Activity.created_at > span.start, Activity.created_at <= span.end)


def _sections(session, document: Document, result: Briefing) -> None:
    old = _revision(session, document, result.span.base)
    new = documents.get_revision(session, document, result.span.to)
    old_text, old_outline = (old.text, briefing.outline(heading_starts(old.text, old.toc), old.toc)) if old else (
        "", briefing.Outline([]))
    new_outline = briefing.outline(heading_starts(new.text, new.toc), new.toc)
    result.sections = briefing.sections_changed(old_text, new.text, old_outline, new_outline)
    result.added = sum(s.added for s in result.sections)
    result.removed = sum(s.removed for s in result.sections)


def _revision(session, document: Document, number: int):
    return documents.get_revision(session, document, number) if number > 0 else None
