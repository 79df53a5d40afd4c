"""Document use cases: create, save (with three-way merge of stale edits), revert, tag, status.

Every save creates an immutable revision whose HTML is rendered here, once. A save carries the
revision it was based on; if others saved since, their work and the user's are merged, and a real
conflict is refused (Conflict) with both versions, never silently overwritten.
"""

import functools
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import and_, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload, undefer

from wiki import signals
from wiki.auth import permissions
from wiki.documents import generations, revisions
from wiki.documents.models import STATUSES, Document, NamedVersion, Revision
from wiki.documents.text import normalise_text, single_line, slugify, unique_slug
from wiki.errors import Conflict, InvalidInput, NotFound, PermissionDenied, TooLarge
from wiki.extensions import begin_write
from wiki.rendering import Rendered, render_document
from wiki.spaces import service as spaces
from wiki.spaces.models import Space
from wiki.timeutil import utcnow

NO_SUCH_DOCUMENT = "No such document, or you do not have access to it."
_MAX_ID = 2**31 - 1  # ids and revision numbers are INTEGER columns: a larger number is no row, and
# binding one fails (PostgreSQL int4 "integer out of range", SQLite OverflowError past 2**63) → 500


@dataclass
class SaveOutcome:
    document: Document
    revision: Revision  # the new head, or the unchanged head when nothing changed
    created: bool
    merged: bool = False
    merged_with: list[str] = field(default_factory=list)


# --- finding documents ------------------------------------------------------------------------


def find(session, space_slug: str, slug: str, user, need: str = "read"):
    """(space, document, actor) for a readable document; `need` = read | edit | facilitate.
    One query: the space, its reader's role and the document (outer-joined: a missing document
    in a readable space says so, in an unreadable one it looks like a missing space)."""
    parameters = {"space_slug": space_slug, "slug": slug, "user_id": spaces.user_id_of(user)}
    row = session.execute(_find_statement(), parameters).first()
    space, role, document = row if row is not None else (None, None, None)
    actor = spaces.readable_actor(space, user, role)
    if document is None:
        raise NotFound(NO_SUCH_DOCUMENT)
    _require(actor, space, need)
    return space, document, actor


@functools.cache
def _find_statement():
    """Built once: every page of a document asks it first."""
    return (select(Space, spaces.membership_role(bindparam("user_id")), Document)
            .outerjoin(Document, and_(Document.space_id == Space.id, Document.slug == bindparam("slug")))
            .where(Space.slug == bindparam("space_slug")))


def find_by_id(session, document_id: int, user, need: str = "read"):
    document = session.get(Document, document_id) if abs(document_id) <= _MAX_ID else None
    if document is None:
        raise NotFound(NO_SUCH_DOCUMENT)
    return find(session, document.space.slug, document.slug, user, need)


def _require(actor, space: Space, need: str) -> None:
    rules = {"read": permissions.can_read, "edit": permissions.can_edit, "facilitate": permissions.can_facilitate}
    if not rules[need](actor, space.is_private):
        messages = {"edit": "Only editors and facilitators can change documents.",
                    "facilitate": "Only facilitators can do this."}
        raise PermissionDenied(messages.get(need, NO_SUCH_DOCUMENT))


def require_space_editor(session, space_slug: str, user):
    space, actor = spaces.get_readable_space(session, space_slug, user)
    _require(actor, space, "edit")
    return space, actor


def documents_in(session, space: Space) -> list[Document]:
    return list(session.scalars(select(Document).where(Document.space_id == space.id).order_by(Document.title)))


FULL = ("text", "html", "toc")
PAGE = ("html", "toc")  # what a page view needs: never the Markdown source
TEXT = ("text",)  # what a save compares and merges: never the 200 KB of HTML


def get_revision(session, document: Document, number, *, load: tuple = FULL) -> Revision:
    """A revision by number, with the large columns named in `load`; anything that is not an
    existing number is a 404."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise NotFound(f"Revision {number!r} does not exist.") from None
    if abs(number) > _MAX_ID:
        raise NotFound("No such revision.")
    query = select(Revision).where(Revision.document_id == document.id, Revision.number == number)
    query = query.options(*(undefer(getattr(Revision, name)) for name in load), selectinload(Revision.authors))
    revision = session.scalar(query)
    if revision is None:
        raise NotFound(f"Revision {number} of this document does not exist.")
    return revision


def head(session, document: Document, load: tuple = FULL) -> Revision:
    return get_revision(session, document, document.head_number, load=load)


# --- validation -------------------------------------------------------------------------------


def _clean_title(title: str) -> str:
    title = single_line(title)
    if not title:
        raise InvalidInput("Enter a title.")
    if len(title) > 200:
        raise InvalidInput("The title is too long: use at most 200 characters.")
    return title


def _clean_text(text: str) -> str:
    text = normalise_text(text)
    limit = current_app.config["DOCUMENT_MAX_BYTES"]
    size = len(text.encode("utf-8"))
    if size > limit:
        raise TooLarge(f"The document is too large ({size:,} bytes); the limit is {limit:,} bytes.")
    return text


def _clean_summary(summary: str) -> str:
    summary = single_line(summary)
    if len(summary) > 500:
        raise InvalidInput("The edit summary is too long: use at most 500 characters.")
    return summary


def preview_html(text: str) -> str:
    """What saving `text` would show, for previews: same hygiene and size limit, nothing stored.

    The limit matters here too: rendering takes ~0.5 s per 100 KB, and a form may carry 4 MB.
    """
    return render_document(_clean_text(text)).html


# --- writing ----------------------------------------------------------------------------------


def _new_revision(session, document: Document, user, title: str, text: str, summary: str, *,
                  authors: list | None = None, rendered: Rendered | None = None, **extra) -> Revision:
    """Render once (unless the caller already did), store the revision and move the head; the
    caller commits."""
    rendered = rendered if rendered is not None else render_document(text)
    previous_size = 0
    if document.head_number:
        previous_size = session.scalar(
            select(Revision.size).where(Revision.document_id == document.id, Revision.number == document.head_number)
        )
    revision = Revision(
        document=document, number=document.head_number + 1, title=title, text=text, summary=summary,
        html=rendered.html, toc=[[e.level, e.id, e.title] for e in rendered.toc],
        size=len(text), size_delta=len(text) - (previous_size or 0), parent_number=document.head_number or None,
        authors=authors if authors is not None else ([user] if user is not None else []), **extra,
    )
    session.add(revision)
    document.head_number = revision.number
    document.title = title
    document.updated_at = utcnow()
    session.flush()
    return revision


def _committed(session, outcome: SaveOutcome, previous_text: str, user, source: str) -> SaveOutcome:
    """Commit, then tell subscribers (the live draft, later the search index) what changed.

    `source` is "form", "api", "revert", "create" or "live"; the live draft applies every change
    that did not come from itself.
    """
    session.commit()
    if outcome.created:
        signals.revision_committed.send(
            current_app._get_current_object(), document_id=outcome.document.id, number=outcome.revision.number,
            previous_text=previous_text, text=outcome.revision.text, user_id=getattr(user, "id", None),
            source=source,
        )
    return outcome


def create_document(session, space: Space, user, title: str, text: str, summary: str = "") -> Document:
    """A new document with its first revision (the caller has checked the user may edit)."""
    title, text, summary = _clean_title(title), _clean_text(text), _clean_summary(summary)
    taken = set(session.scalars(select(Document.slug).where(Document.space_id == space.id)))
    document = Document(space=space, slug=unique_slug(slugify(title), taken), title=title, head_number=0)
    session.add(document)
    revision = _new_revision(session, document, user, title, text, summary or "Created the document")
    _committed(session, SaveOutcome(document, revision, created=True), "", user, "create")
    return document


def lock_document(session, document_id: int) -> Document | None:
    """Begin a write transaction holding this document: saves and live updates of one document are
    serialised (row lock on PostgreSQL; the write lock on SQLite), and see its latest state."""
    begin_write(session)
    document = session.scalar(
        select(Document).where(Document.id == document_id).with_for_update().execution_options(populate_existing=True)
    )
    generations.holding(session, document_id)  # its page generation can move inside this transaction
    return document


_LOCK_ROW = select(Document.id).where(Document.id == bindparam("id")).with_for_update()


def lock_document_row(session, document_id: int) -> bool:
    """lock_document without loading the document (False: it was deleted). For the live editor's
    group commits, which only need the lock: loading the ORM object cost a third of their CPU."""
    begin_write(session)
    return session.execute(_LOCK_ROW, {"id": document_id}).first() is not None


def _lock(session, document: Document) -> Document:
    return lock_document(session, document.id)


def _render_unlocked(session, text: str) -> Rendered:
    """Render before taking the write lock: rendering 100 KB takes ~100 ms, and nobody else should
    wait for it. (The current transaction is ended first, so no lock is held meanwhile.)"""
    session.commit()  # nothing is pending here; this only ends the transaction
    return render_document(text)


def save(session, document: Document, user, text: str, base_number, summary: str = "",
         title: str | None = None, source: str = "form") -> SaveOutcome:
    """Save an edit made on revision `base_number`, merging others' saves made since then."""
    text, summary = _clean_text(text), _clean_summary(summary)
    rendered = _render_unlocked(session, text)
    document = _lock(session, document)
    title = _clean_title(title) if title is not None else document.title
    base = get_revision(session, document, base_number, load=TEXT)
    current = base if base.number == document.head_number else head(session, document, load=TEXT)
    merged_with: list[str] = []
    if base.number != current.number:
        result = revisions.merge3(base.text, current.text, text)
        if not result.clean:
            session.rollback()
            raise _conflict(result, current, text)
        if result.text != text:
            text, rendered = result.text, None  # the merged text is rendered under the lock (rare)
        merged_with = _authors_since(session, document, base.number)
    if text == current.text and title == current.title:
        session.rollback()
        return SaveOutcome(document, current, created=False)
    previous_text = current.text
    revision = _new_revision(session, document, user, title, text, summary, rendered=rendered)
    outcome = SaveOutcome(document, revision, True, bool(merged_with), merged_with)
    return _committed(session, outcome, previous_text, user, source)


def _conflict(result, current: Revision, mine: str) -> Conflict:
    conflicts = [
        {"start": c.start, "end": c.end, "base": c.base, "theirs": c.theirs, "mine": c.mine}
        for c in result.conflicts
    ]
    return Conflict(
        f"Someone saved revision {current.number} while you were editing, and some of your changes overlap "
        "with theirs. Nothing was saved; your text is kept so you can retry.",
        conflicts=conflicts, head_revision=current.number, merged_text=result.text, mine=mine,
    )


def _authors_since(session, document: Document, base_number: int) -> list[str]:
    query = (
        select(Revision).where(Revision.document_id == document.id, Revision.number > base_number)
        .order_by(Revision.number)
    )
    names: list[str] = []
    for revision in session.scalars(query):
        names += [a.display_name for a in revision.authors if a.display_name not in names]
    return names


def revert(session, document: Document, user, number) -> SaveOutcome:
    """Make an old revision's text the head again, as a new revision; nothing is deleted."""
    document = _lock(session, document)
    old = get_revision(session, document, number)
    current = head(session, document)
    if old.text == current.text and old.title == current.title:
        session.rollback()
        return SaveOutcome(document, current, created=False)
    previous_text = current.text
    revision = _new_revision(
        session, document, user, old.title, old.text, f"Reverted to revision {old.number}", reverted_to=old.number
    )
    return _committed(session, SaveOutcome(document, revision, created=True), previous_text, user, "revert")


def save_snapshot(session, document: Document, text: str, authors: list, summary: str, seq: int) -> SaveOutcome:
    """The live draft's text becomes a revision (no merge: the live text already holds everyone's work).

    `seq` is the last update it contains; the next snapshot credits only those who typed after it.
    """
    document = _lock(session, document)
    current = head(session, document)
    document.live_snapshot_seq = max(document.live_snapshot_seq, seq)
    text = _clean_text(text)  # compared as it would be stored: live text may hold "\r" or control characters
    if text == current.text:
        session.commit()
        return SaveOutcome(document, current, created=False)
    revision = _new_revision(session, document, None, document.title, text, _clean_summary(summary),
                             authors=authors)
    return _committed(session, SaveOutcome(document, revision, created=True), current.text, None, "live")


def set_status(session, document: Document, status: str) -> None:
    if status not in STATUSES:
        raise InvalidInput(f"Choose a status: {', '.join(STATUSES)}.")
    document.status = status
    session.commit()
    signals.document_changed.send(current_app._get_current_object(), document_id=document.id, change="status")


def tag(session, document: Document, user, number, name: str) -> NamedVersion:
    """Name a revision; a name is used once per document."""
    name = single_line(name)
    if not name or len(name) > 120:
        raise InvalidInput("Enter a version name of up to 120 characters.")
    revision = get_revision(session, document, number, load=())
    exists = session.scalar(
        select(NamedVersion.id).where(NamedVersion.document_id == document.id, NamedVersion.name == name)
    )
    if exists:
        raise InvalidInput(f"There is already a version called '{name}'.")
    version = NamedVersion(document_id=document.id, revision_number=revision.number, name=name, created_by=user)
    session.add(version)
    try:
        session.commit()
    except IntegrityError:  # the same name chosen at the same moment by someone else
        session.rollback()
        raise InvalidInput(f"There is already a version called '{name}'.") from None
    return version


def named_versions(session, document: Document) -> list[NamedVersion]:
    query = select(NamedVersion).where(NamedVersion.document_id == document.id)
    return list(session.scalars(query.order_by(NamedVersion.revision_number.desc(), NamedVersion.id.desc())))
