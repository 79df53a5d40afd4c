"""Reading comments: a document's threads as one viewer may see them, anchored to one revision.

The head revision uses the threads' current places (catching up first if a save's re-anchoring is
still due); an older revision uses the ``ThreadAnchor`` rows written for it, so threads made later
do not appear there. A few queries per page, whatever the number of threads.
"""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from wiki import timeutil
from wiki.comments import blocks, placement, rules, selection
from wiki.comments import live as live_draft
from wiki.comments.anchoring import CONTEXT
from wiki.comments.models import ORPHANED, Comment, CommentAgree, CommentFlag, Thread, ThreadAnchor
from wiki.comments.presenters import CommentView, ThreadView, present_comment, settings_of, viewer_for
from wiki.documents import service as documents
from wiki.documents.models import Document, Revision


@dataclass(frozen=True)
class Filters:
    section: str = ""
    status: str = ""  # open | resolved | ''
    perspective: str = ""
    orphaned: bool | None = None  # True: only detached threads; False: only anchored ones

    @classmethod
    def from_mapping(cls, values) -> "Filters":
        """From query arguments (unknown values ignored, never an error)."""
        values = values or {}
        status = values.get("status", "")
        orphaned = str(values.get("orphaned", "")).lower()
        only_orphans = orphaned in ("1", "true", "yes", "on")
        return cls(
            section=str(values.get("section", ""))[:200],
            status=status if status in (rules.OPEN, rules.RESOLVED) else "",
            perspective=str(values.get("perspective", ""))[:40],
            orphaned=True if only_orphans else False if orphaned in ("0", "false", "no") else None,
        )

    @property
    def active(self) -> bool:
        return bool(self.section or self.status or self.perspective or self.orphaned is not None)


def _revision(session, document: Document, revision) -> Revision:
    if isinstance(revision, Revision):
        return revision
    number = document.head_number if revision is None else revision
    return documents.get_revision(session, document, number, load=("text",))  # html, toc: loaded if used


def _placed(session, document: Document, revision: Revision, only=None) -> list[tuple[Thread, int, int, str]]:
    """(thread, start, end, state) of the threads shown on this revision, document order; ``only``:
    just these thread ids."""
    narrow = [Thread.id.in_(list(only))] if only is not None else []
    if revision.number == document.head_number:
        if placement.behind(session, document):
            placement.catch_up(session, document.id)  # commits: `revision` reloads when next read
        threads = session.scalars(select(Thread).where(Thread.document_id == document.id, *narrow)
                                  .options(selectinload(Thread.comments).selectinload(Comment.author)))
        rows = [(t, t.start, t.end, t.anchor_state) for t in threads]
    else:
        query = (select(Thread, ThreadAnchor).join(ThreadAnchor, ThreadAnchor.thread_id == Thread.id)
                 .where(Thread.document_id == document.id, ThreadAnchor.revision_number == revision.number, *narrow)
                 .options(selectinload(Thread.comments).selectinload(Comment.author)))
        rows = [(t, a.start, a.end, a.state) for t, a in session.execute(query)]
    rows.sort(key=lambda row: (row[3] == ORPHANED, row[1], row[0].id))
    return rows


def _flags(session, comment_ids: list[int]) -> dict[int, int]:
    if not comment_ids:
        return {}
    return dict(session.execute(
        select(CommentFlag.comment_id, func.count()).where(CommentFlag.comment_id.in_(comment_ids))
        .group_by(CommentFlag.comment_id)
    ).all())


def _agrees(session, comment_ids: list[int], user_id: int | None) -> tuple[dict[int, int], set[int]]:
    if not comment_ids:
        return {}, set()
    counts = dict(session.execute(
        select(CommentAgree.comment_id, func.count()).where(CommentAgree.comment_id.in_(comment_ids))
        .group_by(CommentAgree.comment_id)
    ).all())
    mine = set()
    if user_id is not None:
        mine = set(session.scalars(select(CommentAgree.comment_id).where(
            CommentAgree.comment_id.in_(comment_ids), CommentAgree.user_id == user_id)))
    return counts, mine


def thread_views(session, document: Document, user, actor, *, revision=None, filters=None,
                 with_blocks: bool = False, thread_ids=None, live: bool = False) -> list[ThreadView]:
    """The threads of ``document`` this viewer may see (at least one visible comment), placed on
    ``revision`` (a Revision or a number; default the head), anchored ones in document order and
    then the orphaned. ``filters``: a Filters or a mapping of query arguments. ``with_blocks``
    fills ``block_id`` (the rendered block to highlight) — needs the revision's HTML.
    ``thread_ids``: only these threads (the live broadcast renders one thread per reader).
    ``live``: on the head, place the threads on the live draft's text when it is ahead (the API's
    "current text"; wiki/comments/live.py) — not for pages showing a revision's HTML."""
    space = document.space
    viewer, settings = viewer_for(actor, user, space), settings_of(space)
    filters = filters if isinstance(filters, Filters) else Filters.from_mapping(filters)
    on_head = revision is None or revision == document.head_number
    draft = live_draft.live_text(session, document) if live and on_head else None  # ends the transaction first
    rev = _revision(session, document, revision)
    rows = _placed(session, document, rev, thread_ids)
    if not rows:
        return []
    text, rows = live_draft.place(document.id, rev, draft, rows) if draft else (rev.text, rows)
    headings = blocks.heading_starts(text, rev.toc) if rev.number != document.head_number else None
    mapped = blocks.block_map(text, rev.html) if with_blocks else None
    comment_ids = [c.id for t, *_ in rows for c in t.comments]
    counts, mine = _agrees(session, comment_ids, viewer.user_id)
    flags = _flags(session, comment_ids) if viewer.facilitator else {}
    now = timeutil.utcnow()
    views = []
    for thread, start, end, state in rows:
        comments = [
            view for c in thread.comments
            if (view := present_comment(c, viewer, settings, agree_count=counts.get(c.id, 0),
                                        agreed_by_me=c.id in mine, now=now, flag_count=flags.get(c.id, 0)))
            is not None
        ]
        if not comments:
            continue
        section = thread.section if headings is None else blocks.section_at(headings, start)
        anchored = state != ORPHANED and 0 <= start < end <= len(text)
        block = mapped.block_at(start) if mapped is not None and anchored else None
        if anchored:
            shown = selection.visible_text(text, start, end)
            before = selection.visible_text(text, max(0, start - 2 * CONTEXT), start)[-CONTEXT:]
            after = selection.visible_text(text, end, end + 2 * CONTEXT)[:CONTEXT]
        else:
            shown, before, after = selection.visible_text(thread.quote_exact), "", ""
        view = ThreadView(
            id=thread.id, status=thread.status, anchor_start=start, anchor_end=end,
            anchor_state=state if anchored else ORPHANED, exact=text[start:end] if anchored else thread.quote_exact,
            section=section, revision_number=thread.revision_number, comments=comments,
            created_at=timeutil.as_utc(thread.created_at), quote_exact=thread.quote_exact,
            block_id=block.id if block else "", passage_anchor=(block.heading_id or block.id) if block else "",
            display_exact=shown, display_prefix=before, display_suffix=after,
            can_resolve=rules.can_resolve(thread.comments[0].author_id, viewer),
            can_reply=viewer.can_comment,
        )
        if _matches(view, filters):
            views.append(view)
    return views


def _matches(view: ThreadView, filters: Filters) -> bool:
    if filters.section and view.section != filters.section:
        return False
    if filters.status and view.status != filters.status:
        return False
    if filters.perspective and not any(c.perspective == filters.perspective for c in view.comments):
        return False
    return filters.orphaned is None or (view.anchor_state == ORPHANED) == filters.orphaned


def comment_view(session, comment: Comment, user, actor) -> CommentView | None:
    """One comment as this viewer sees it, or None if it does not exist for them (the live
    broadcast asks this per recipient)."""
    space = comment.thread.document.space
    viewer = viewer_for(actor, user, space)
    counts, mine = _agrees(session, [comment.id], viewer.user_id)
    flags = _flags(session, [comment.id]) if viewer.facilitator else {}
    return present_comment(comment, viewer, settings_of(space), agree_count=counts.get(comment.id, 0),
                           agreed_by_me=comment.id in mine, now=timeutil.utcnow(), flag_count=flags.get(comment.id, 0))
