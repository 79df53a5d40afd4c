"""How each kind of activity is shown to one viewer — or not at all.

Every path that shows the activity log (recent changes, Atom feeds, the bell and notifications page,
emails, briefings) goes through ``present``: it re-checks the space's read permission for the viewer
*now* and, for comments, asks wiki/comments/rules.py whether the comment exists for them and under
which name. Nothing here trusts what was true when the row was written. A kind without a presenter
is shown to nobody, so a feature that adds an activity kind cannot leak by forgetting this module.

Adding a kind: ``register(kind, load, show)`` — ``load(session, rows)`` fetches what the rows
reference in a few queries, ``show(row, loaded, reader)`` returns an ``Item`` or None.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.auth import permissions
from wiki.auth.models import User
from wiki.awareness.models import COMMENT, KIND_LABELS, REOPENED, REPLY, RESOLVED, REVISION, Activity
from wiki.comments import rules
from wiki.comments.models import Comment, Thread
from wiki.comments.presenters import facts, settings_of, viewer_for
from wiki.documents.models import Revision
from wiki.documents.text import single_line
from wiki.spaces.service import actor_with_role, roles_of
from wiki.timeutil import as_utc

EXCERPT = 200


@dataclass(frozen=True)
class Item:
    """One activity as a viewer may see it (no ids of people, no text they may not read)."""

    activity_id: int
    kind: str
    created_at: datetime
    space_slug: str
    space_title: str
    document_slug: str | None
    document_title: str | None
    who: str  # a name, "Community member" or "" — decided by the rules for this viewer
    action: str  # "edited", "commented on", …
    summary: str = ""  # edit summary
    excerpt: str = ""  # a comment's opening words, or its placeholder
    revision_number: int | None = None
    size_delta: int | None = None
    thread_id: int | None = None
    comment_id: int | None = None
    ref_id: int | None = None
    state: str = ""

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def headline(self) -> str:
        target = self.document_title or self.space_title
        return " ".join(part for part in (self.who, self.action, target) if part)


class Reader:
    """One person's permission view across spaces, loaded once (memberships in one query)."""

    def __init__(self, session, user):
        signed_in = user is not None and getattr(user, "is_authenticated", False)
        self.user = user if signed_in and getattr(user, "is_active", True) else None
        self.roles = roles_of(session, self.user.id) if self.user is not None else {}

    def actor(self, space) -> permissions.Actor:
        if self.user is None:
            return permissions.ANONYMOUS
        return actor_with_role(self.user, self.roles.get(space.id))

    def can_read(self, space) -> bool:
        return permissions.can_read(self.actor(space), space.is_private)

    def viewer(self, space) -> rules.Viewer:
        return viewer_for(self.actor(space), self.user, space)


Loader = Callable[[object, list[Activity]], dict]
Shower = Callable[[Activity, dict, Reader], "Item | None"]
_KINDS: dict[str, tuple[Loader, Shower]] = {}


def register(kind: str, load: Loader, show: Shower) -> None:
    _KINDS[kind] = (load, show)


def present(session, rows: list[Activity], reader: Reader) -> list[Item | None]:
    """For each row, what this reader may see of it (None: nothing), in the same order."""
    by_kind: dict[str, list[Activity]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    loaded = {kind: _KINDS[kind][0](session, group) for kind, group in by_kind.items() if kind in _KINDS}
    shown: list[Item | None] = []
    for row in rows:
        if row.kind not in _KINDS or not reader.can_read(row.space):
            shown.append(None)
        else:
            shown.append(_KINDS[row.kind][1](row, loaded[row.kind], reader))
    return shown


def base(row: Activity, **fields) -> Item:
    document = row.document
    return Item(activity_id=row.id, kind=row.kind, created_at=as_utc(row.created_at), space_slug=row.space.slug,
                space_title=row.space.title, document_slug=document.slug if document else None,
                document_title=document.title if document else None, revision_number=row.revision_number,
                thread_id=row.thread_id, comment_id=row.comment_id, ref_id=row.ref_id, state=row.state, **fields)


# --- revisions ---------------------------------------------------------------------------------------


def _load_revisions(session, rows: list[Activity]) -> dict:
    documents = {row.document_id for row in rows}
    numbers = {row.revision_number for row in rows}
    query = (select(Revision).where(Revision.document_id.in_(documents), Revision.number.in_(numbers))
             .options(selectinload(Revision.authors)))
    return {(r.document_id, r.number): r for r in session.scalars(query)}


def _show_revision(row: Activity, loaded: dict, reader: Reader) -> Item | None:  # noqa: ARG001 - read checked
    revision = loaded.get((row.document_id, row.revision_number))
    if revision is None:
        return None
    who = ", ".join(a.display_name for a in revision.authors) or rules.DELETED_PARTICIPANT
    action = "restored an earlier text of" if revision.reverted_to else "edited"
    if row.revision_number == 1:
        action = "created"
    return base(row, who=who, action=action, summary=revision.summary, size_delta=revision.size_delta)


register(REVISION, _load_revisions, _show_revision)


# --- comments ------------------------------------------------------------------------------------------


def _load_comments(session, rows: list[Activity]) -> dict:
    ids = {row.comment_id for row in rows if row.comment_id}
    query = (select(Comment).where(Comment.id.in_(ids))
             .options(selectinload(Comment.author),
                      selectinload(Comment.thread).selectinload(Thread.comments).selectinload(Comment.author)))
    comments = {c.id: c for c in session.scalars(query)}
    actor_ids = {row.actor_id for row in rows if row.actor_id and row.kind in (RESOLVED, REOPENED)}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(actor_ids))).all())
    return {"comments": comments, "names": names}


def excerpt_of_text(text: str) -> str:
    """The opening words of a text, on one line."""
    text = single_line(text)
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def excerpt_of(comment: Comment, known: rules.CommentFacts, viewer: rules.Viewer) -> str:
    """The opening words a viewer may read, else the placeholder they would see on the page."""
    if not rules.body_shown(known, viewer):
        return rules.placeholder(known, viewer)
    return excerpt_of_text(comment.body)


def _show_comment(row: Activity, loaded: dict, reader: Reader) -> Item | None:
    comment = loaded["comments"].get(row.comment_id)
    if comment is None:
        return None
    space = row.space
    viewer, known = reader.viewer(space), facts(comment)
    if not rules.can_see(known, viewer):
        return None
    who = rules.author_label(known, viewer, settings_of(space))
    action = "commented on" if row.kind == COMMENT else "replied on"
    return base(row, who=who, action=action, excerpt=excerpt_of(comment, known, viewer))


def _show_thread_change(row: Activity, loaded: dict, reader: Reader) -> Item | None:
    first = loaded["comments"].get(row.comment_id)
    if first is None:
        return None
    space = row.space
    viewer, known = reader.viewer(space), facts(first)
    if not rules.can_see(known, viewer):
        return None
    # Naming whoever resolved could name an anonymous thread's author: they are labelled as on the page.
    by_author = row.actor_id is not None and row.actor_id == first.author_id
    who = rules.author_label(known, viewer, settings_of(space)) if by_author else loaded["names"].get(row.actor_id, "")
    action = "resolved a comment on" if row.kind == RESOLVED else "reopened a comment on"
    return base(row, who=who, action=action, excerpt=excerpt_of(first, known, viewer))


register(COMMENT, _load_comments, _show_comment)
register(REPLY, _load_comments, _show_comment)
register(RESOLVED, _load_comments, _show_thread_change)
register(REOPENED, _load_comments, _show_thread_change)
