"""What the comments feature holds about a person: their comments (with earlier versions), the
comments they agreed with or flagged, and the moderation they did as a facilitator.

Only the person's own rows are exported: the text of comments they agreed with or flagged is
someone else's and is referred to by id. Erasure keeps the comments (content) but clears the
perspective each one carried: it was special-category data given under a consent that ends with
the account, and a perspective filter must not keep sorting the erased person's comments by it.
"""

from collections import defaultdict

from sqlalchemy import select, update

from wiki.auth.privacy import iso
from wiki.comments.models import Comment, CommentAgree, CommentEdit, CommentFlag, ModerationAction, Thread
from wiki.documents.models import Document
from wiki.spaces.models import Space

_WHERE = (Comment, Thread, Document, Space)


def _located(query):
    """The comment's thread, document and space joined in, so each row says where it was written."""
    return (query.join(Thread, Thread.id == Comment.thread_id).join(Document, Document.id == Thread.document_id)
            .join(Space, Space.id == Document.space_id))


def _document(document: Document, space: Space) -> dict:
    return {"id": document.id, "title": document.title, "space": space.slug}


def export_comments(session, user) -> list[dict]:
    rows = session.execute(_located(select(*_WHERE)).where(Comment.author_id == user.id).order_by(Comment.id)).all()
    earlier = defaultdict(list)
    edits = (select(CommentEdit).join(Comment, Comment.id == CommentEdit.comment_id)
             .where(Comment.author_id == user.id).order_by(CommentEdit.id))
    for edit in session.scalars(edits):
        earlier[edit.comment_id].append({"body": edit.body, "replaced_at": iso(edit.created_at)})
    return [{
        "id": comment.id, "document": _document(document, space), "thread_id": thread.id,
        "thread_quote": thread.quote_exact, "body": comment.body, "visibility": comment.visibility,
        "perspective": comment.perspective, "state": comment.state, "hidden_reason": comment.hidden_reason or None,
        "created_at": iso(comment.created_at), "edited_at": iso(comment.edited_at),
        "earlier_versions": earlier[comment.id],
    } for comment, thread, document, space in rows]


def _reactions(session, model, user) -> list:
    query = _located(select(model, Document, Space).join(Comment, Comment.id == model.comment_id))
    return session.execute(query.where(model.user_id == user.id).order_by(model.id)).all()


def export_agrees(session, user) -> list[dict]:
    return [{"comment_id": agree.comment_id, "document": _document(document, space), "at": iso(agree.created_at)}
            for agree, document, space in _reactions(session, CommentAgree, user)]


def export_flags(session, user) -> list[dict]:
    return [{"comment_id": flag.comment_id, "document": _document(document, space), "reason": flag.reason,
             "at": iso(flag.created_at)} for flag, document, space in _reactions(session, CommentFlag, user)]


def export_moderation(session, user) -> list[dict]:
    query = _located(select(ModerationAction, Document, Space).join(Comment, Comment.id == ModerationAction.comment_id))
    rows = session.execute(query.where(ModerationAction.actor_id == user.id).order_by(ModerationAction.id))
    return [{"comment_id": action.comment_id, "document": _document(document, space), "action": action.action,
             "reason": action.reason, "at": iso(action.created_at)} for action, document, space in rows]


def erase_comment_perspectives(session, user) -> None:
    session.execute(update(Comment).where(Comment.author_id == user.id).values(perspective=None))
