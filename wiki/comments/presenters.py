"""What one viewer is shown of threads and comments: plain dataclasses built with wiki.comments.rules.

The HTML panel, the JSON API and the live broadcast all render these, so a field that could reveal
an anonymous author (its id, an edit button) is decided once, here, per viewer.
"""

from dataclasses import dataclass
from datetime import datetime

from wiki.auth import permissions
from wiki.auth.perspectives import label as perspective_label
from wiki.comments import rules
from wiki.comments.models import Comment
from wiki.spaces.models import Space
from wiki.timeutil import as_utc


@dataclass(frozen=True)
class CommentView:
    id: int
    thread_id: int
    body_html: str  # sanitised; '' when the text is not shown (withdrawn, hidden from this viewer)
    author_label: str
    author_id_visible: int | None  # only when this viewer may know who wrote it
    perspective_label: str | None
    visibility: str
    state: str
    agree_count: int
    agreed_by_me: bool
    can_edit: bool
    can_withdraw: bool
    can_hide: bool
    created_at: datetime
    edited: bool
    notice: str = ""  # "comment withdrawn", "Hidden by a facilitator[: reason]", "Awaiting approval"
    perspective: str | None = None  # the key of perspective_label
    can_unhide: bool = False
    can_approve: bool = False
    can_agree: bool = False
    can_flag: bool = False
    is_mine: bool = False
    flag_count: int = 0  # facilitators only (0 for everyone else)


@dataclass(frozen=True)
class ThreadView:
    id: int
    status: str
    anchor_start: int
    anchor_end: int
    anchor_state: str
    exact: str  # the passage in the revision shown (anchored), or the original quote (orphaned)
    section: str  # heading id
    revision_number: int  # the revision the thread was made on
    comments: list[CommentView]
    created_at: datetime
    quote_exact: str = ""  # the passage as it was quoted when the thread was made
    block_id: str = ""  # the rendered block holding the passage (HTML page only)
    passage_anchor: str = ""  # the element id of that block, for links to the passage
    display_exact: str = ""  # the passage (or orphan's quote) without Markdown syntax, as rendered
    display_prefix: str = ""
    display_suffix: str = ""
    can_resolve: bool = False
    can_reply: bool = False


def viewer_for(actor: permissions.Actor, user, space: Space) -> rules.Viewer:
    private = space.is_private
    return rules.Viewer(
        user_id=user.id if getattr(user, "is_authenticated", False) else None,
        facilitator=permissions.can_facilitate(actor, private),
        editor=permissions.can_edit(actor, private),
        can_comment=permissions.can_comment(actor, private),
    )


def settings_of(space: Space) -> rules.SpaceSettings:
    return rules.SpaceSettings(bool(space.premoderation), bool(space.facilitators_see_anonymous))


def facts(comment: Comment) -> rules.CommentFacts:
    return facts_of(comment, comment.author)


def facts_of(comment, author) -> rules.CommentFacts:
    """The facts of a comment given as anything with its columns (an ORM object or a plain row, as
    the search index's bulk reads have) and its author's account (None once deleted)."""
    return rules.CommentFacts(
        author_id=comment.author_id,
        author_name=author.display_name if author is not None else None,
        visibility=comment.visibility,
        state=comment.state,
        perspective=comment.perspective,
        author_perspectives=tuple(author.visible_perspectives()) if author is not None else (),
        created_at=as_utc(comment.created_at),
        revealable=comment.revealable,
    )


def present_comment(comment: Comment, viewer: rules.Viewer, settings: rules.SpaceSettings, *, agree_count: int,
                    agreed_by_me: bool, now: datetime, flag_count: int = 0) -> CommentView | None:
    """This viewer's view of one comment, or None if it does not exist for them."""
    known = facts(comment)
    if not rules.can_see(known, viewer):
        return None
    reveal = rules.reveals_author(known, viewer, settings)
    perspective = rules.perspective_shown(known)
    return CommentView(
        id=comment.id, thread_id=comment.thread_id,
        body_html=comment.body_html if rules.body_shown(known, viewer) else "",
        author_label=rules.author_label(known, viewer, settings),
        author_id_visible=comment.author_id if reveal else None,
        perspective_label=perspective_label(perspective) if perspective else None,
        visibility=comment.visibility, state=comment.state,
        agree_count=agree_count, agreed_by_me=agreed_by_me,
        can_edit=rules.can_edit(known, viewer, now), can_withdraw=rules.can_withdraw(known, viewer),
        can_hide=rules.can_hide(known, viewer),
        created_at=as_utc(comment.created_at), edited=comment.edited_at is not None,
        notice=rules.placeholder(known, viewer, comment.hidden_reason),
        perspective=perspective, can_unhide=rules.can_unhide(known, viewer),
        can_approve=rules.can_approve(known, viewer), can_agree=rules.can_agree(known, viewer),
        can_flag=rules.can_flag(known, viewer), is_mine=rules.is_author(known, viewer),
        flag_count=flag_count if viewer.facilitator else 0,
    )
