"""PURE rules for comments: who sees a comment, under which name, and who may do what with it.

Kept free of Flask and the database (like wiki/auth/permissions.py) so the whole visibility matrix —
named / anonymous / facilitators-only × published / pending / hidden / withdrawn × every kind of
viewer — is tested in milliseconds, and the HTML pages, the API, the CSV export and the live
broadcast all ask the same questions.

Privacy (DESIGN §4): an anonymous comment never names its author to anyone but the author, except to
facilitators of a space whose setting says so (the comment form shows that notice before anyone
writes). A facilitators-only comment does not exist for anyone else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

NAMED, ANONYMOUS, FACILITATORS = "named", "anonymous", "facilitators"
PUBLISHED, PENDING, HIDDEN, WITHDRAWN = "published", "pending", "hidden", "withdrawn"
OPEN, RESOLVED = "open", "resolved"

COMMUNITY_MEMBER = "Community member"
DELETED_PARTICIPANT = "deleted participant"
WITHDRAWN_TEXT = "comment withdrawn"
HIDDEN_TEXT = "Hidden by a facilitator"
EDIT_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Viewer:
    """Who is looking, as far as one space's comments are concerned."""

    user_id: int | None = None  # None: not signed in
    facilitator: bool = False  # facilitators of the space and site admins
    editor: bool = False  # editors, facilitators, admins (may resolve any thread)
    can_comment: bool = False


@dataclass(frozen=True)
class CommentFacts:
    """What the rules need to know about one comment (no ORM object: this module is pure)."""

    author_id: int | None
    author_name: str | None  # None once the account is erased
    visibility: str
    state: str
    perspective: str | None = None
    author_perspectives: tuple[str, ...] = ()  # the author's consented perspectives (empty: none)
    created_at: datetime | None = None
    revealable: bool = False  # anonymous, posted while the space's reveal setting was on


@dataclass(frozen=True)
class SpaceSettings:
    premoderation: bool = False
    facilitators_see_anonymous: bool = False


def is_author(comment: CommentFacts, viewer: Viewer) -> bool:
    return viewer.user_id is not None and comment.author_id == viewer.user_id


def can_see(comment: CommentFacts, viewer: Viewer) -> bool:
    """Does this comment (or its placeholder) exist for this viewer at all?

    Facilitators-only comments exist for facilitators and their author; comments awaiting approval
    for facilitators and their author. Hidden and withdrawn comments stay as placeholders, so a
    thread keeps its shape."""
    if is_author(comment, viewer) or viewer.facilitator:
        return True
    if comment.visibility == FACILITATORS:
        return False
    return comment.state != PENDING


def reveals_author(comment: CommentFacts, viewer: Viewer, settings: SpaceSettings) -> bool:
    """May this viewer learn who wrote the comment (name and account id)?"""
    if comment.visibility == NAMED:
        return True
    if comment.visibility == FACILITATORS:
        return viewer.facilitator or is_author(comment, viewer)
    # Anonymous: only if the setting was on when it was written (the form said so) and still is.
    return viewer.facilitator and settings.facilitators_see_anonymous and comment.revealable


def author_label(comment: CommentFacts, viewer: Viewer, settings: SpaceSettings) -> str:
    """The name shown with the comment to this viewer: the author's, or "Community member" for an
    anonymous comment (to its author too: the page marks their own comments separately)."""
    if not reveals_author(comment, viewer, settings):
        return COMMUNITY_MEMBER
    return comment.author_name or DELETED_PARTICIPANT


def perspective_shown(comment: CommentFacts) -> str | None:
    """The perspective key to show: only one the author chose for this comment and still consents
    to show (withdrawing consent hides it on every old comment too)."""
    if comment.perspective and comment.perspective in comment.author_perspectives:
        return comment.perspective
    return None


def body_shown(comment: CommentFacts, viewer: Viewer) -> bool:
    """Whether the text itself is shown (else a placeholder): withdrawn text is gone for everyone;
    hidden text is kept for facilitators (to review and unhide) and for its author."""
    if comment.state == WITHDRAWN:
        return False
    if comment.state == HIDDEN:
        return viewer.facilitator or is_author(comment, viewer)
    return True


def placeholder(comment: CommentFacts, viewer: Viewer, reason: str = "") -> str:
    """The text shown instead of (or above) the comment for this viewer, or ''."""
    if comment.state == WITHDRAWN:
        return WITHDRAWN_TEXT
    if comment.state == HIDDEN:
        told = viewer.facilitator or is_author(comment, viewer)  # the author learns why too
        return f"{HIDDEN_TEXT}: {reason}" if told and reason else HIDDEN_TEXT
    if comment.state == PENDING:
        return "Awaiting approval"
    return ""


def within_edit_window(created_at: datetime | None, now: datetime) -> bool:
    return created_at is not None and now - created_at <= EDIT_WINDOW


def can_edit(comment: CommentFacts, viewer: Viewer, now: datetime) -> bool:
    """Authors edit their own comment for 15 minutes (not once withdrawn or hidden)."""
    return (is_author(comment, viewer) and comment.state in (PUBLISHED, PENDING)
            and within_edit_window(comment.created_at, now))


def can_withdraw(comment: CommentFacts, viewer: Viewer) -> bool:
    return is_author(comment, viewer) and comment.state != WITHDRAWN


def can_hide(comment: CommentFacts, viewer: Viewer) -> bool:
    return viewer.facilitator and comment.state in (PUBLISHED, PENDING)


def can_unhide(comment: CommentFacts, viewer: Viewer) -> bool:
    return viewer.facilitator and comment.state == HIDDEN


def can_approve(comment: CommentFacts, viewer: Viewer) -> bool:
    return viewer.facilitator and comment.state == PENDING


def can_agree(comment: CommentFacts, viewer: Viewer) -> bool:
    """Signed-in commenters may +1 a published comment that is not their own."""
    return viewer.can_comment and comment.state == PUBLISHED and not is_author(comment, viewer)


def can_flag(comment: CommentFacts, viewer: Viewer) -> bool:
    return viewer.user_id is not None and comment.state == PUBLISHED and not is_author(comment, viewer)


def can_resolve(thread_author_id: int | None, viewer: Viewer) -> bool:
    """Editors, facilitators and the author of the thread's first comment resolve and reopen."""
    return viewer.editor or viewer.facilitator or (viewer.user_id is not None and thread_author_id == viewer.user_id)


def initial_state(settings: SpaceSettings, author_is_facilitator: bool) -> str:
    """New comments wait for approval in a pre-moderated space (facilitators' own do not)."""
    return PENDING if settings.premoderation and not author_is_facilitator else PUBLISHED


def reply_visibility(first_visibility: str, requested: str) -> str:
    """A reply in a facilitators-only thread stays facilitators-only: the thread's passage and
    first comment are hidden from everyone else, so a public reply would leak it."""
    return FACILITATORS if first_visibility == FACILITATORS else requested


def allowed_perspective(requested: str | None, consented: tuple[str, ...] | list[str]) -> str | None:
    """The perspective a new comment may carry: one of the author's consented ones, or none."""
    requested = (requested or "").strip() or None
    if requested is None:
        return None
    return requested if requested in consented else ""  # "" = refused (the caller says why)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A CSV cell that a spreadsheet will not run as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text
