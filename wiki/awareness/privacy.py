"""What awareness holds about a person (wiki/privacy/parts.py): what they watch, their settings,
their notifications, the documents they opened, and the email sent to them.

The export lists only what they may still read (as every other awareness page does), never who
caused a notification (that is someone else's data) and never the feed token or its hash; erasure
removes it all — nothing here is content others rely on.
"""

from sqlalchemy import delete, select

from wiki.auth.privacy import iso
from wiki.awareness import inbox, kinds
from wiki.awareness.models import (
    DocumentVisit,
    DocumentWatch,
    EmailOutbox,
    Notification,
    NotificationSettings,
    SpaceWatch,
)
from wiki.documents.models import Document


def export_awareness(session, user) -> dict:
    settings = session.get(NotificationSettings, user.id)
    documents, spaces = inbox.watched(session, user)
    notes = list(session.scalars(inbox.with_events(select(Notification).where(Notification.user_id == user.id)
                                               .order_by(Notification.id))))
    reader = kinds.Reader(session, user)
    visits = session.execute(select(Document, DocumentVisit)
                             .join(DocumentVisit, DocumentVisit.document_id == Document.id)
                             .where(DocumentVisit.user_id == user.id).order_by(Document.title))
    mails = session.scalars(select(EmailOutbox).where(EmailOutbox.user_id == user.id).order_by(EmailOutbox.id))
    return {
        "email": settings.email_mode if settings else "default",
        "private_feed_link": iso(settings.feed_token_created_at) if settings and settings.feed_token_hash else None,
        "watching": {"documents": [f"{d.space.slug}/{d.slug}" for d in documents], "spaces": [s.slug for s in spaces]},
        "notifications": [{"kind": v.item.kind, "document": _path(v.item), "why": v.reason_label,
                           "when": iso(v.updated_at), "read": not v.unread} for v in inbox.views(session, notes, user)],
        "last_visits": [{"document": f"{d.space.slug}/{d.slug}", "revision": v.revision_number, "at": iso(v.seen_at)}
                        for d, v in visits if reader.can_read(d.space)],
        "emails": [{"subject": m.subject, "state": m.state, "created": iso(m.created_at), "sent": iso(m.sent_at)}
                   for m in mails],
    }


def _path(item) -> str:
    """Where a notification was about — never who did it (the export holds nothing about others)."""
    return f"{item.space_slug}/{item.document_slug}" if item.document_slug else item.space_slug


def erase_awareness(session, user) -> None:
    for model in (Notification, EmailOutbox, DocumentWatch, SpaceWatch, DocumentVisit, NotificationSettings):
        session.execute(delete(model).where(model.user_id == user.id))
