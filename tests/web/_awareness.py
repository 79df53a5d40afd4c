"""Helpers shared by the awareness web tests: a space with one person per role, saving, commenting,
and reading what each person was notified of."""

from types import SimpleNamespace

from sqlalchemy import select

from tests.factories import add_member, make_space, make_user
from wiki.awareness.models import Notification
from wiki.comments import service as comments
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db

TEXT = "# Plan\n\nFirst paragraph about housing.\n\n# Transport\n\nSecond paragraph about transport.\n"
ROLES = ("facilitator", "editor", "contributor")


def world(private=True, **settings):
    """A space with a facilitator, an editor, a contributor, another contributor (the commenter),
    a signed-in outsider and an admin, and one document written by the editor."""
    space = make_space(private=private)
    for name, value in settings.items():
        setattr(space, name, value)
    people = {"facilitator": make_user("Fay Facil"), "editor": make_user("Eddie Editor"),
              "contributor": make_user("Cora Contrib"), "writer": make_user("Wren Writer"),
              "outsider": make_user("Olive Outsider"), "admin": make_user("Ada Admin", admin=True)}
    for key in ("facilitator", "editor", "contributor"):
        add_member(space, people[key], key)
    add_member(space, people["writer"], "contributor")
    doc = documents.create_document(db.session, space, people["editor"], "Housing plan", TEXT)
    db.session.commit()
    return SimpleNamespace(space=space, people=people, doc=doc, doc_id=doc.id)


def save(doc_id, user, text, summary=""):
    document = db.session.get(Document, doc_id)
    return documents.save(db.session, document, user, text, document.head_number, summary)


def post(doc_id, user, body, visibility="named", exact="housing"):
    document = db.session.get(Document, doc_id)
    start, end, quote = comments.locate(db.session, document, document.head_number, exact=exact)
    thread = comments.create_thread(db.session, document, user, revision=document.head_number, start=start, end=end,
                                    quote=quote, body=body, visibility=visibility)
    return thread


def reply(thread_id, user, body, visibility="named"):
    thread = comments.get_thread(db.session, thread_id, user)
    return comments.reply(db.session, thread, user, body, visibility)


def notes_of(user) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def told(w) -> dict[str, str]:
    """{person key: reason of their latest notification} for everyone in the world who has one."""
    found = {}
    for key, user in w.people.items():
        notes = notes_of(user)
        if notes:
            found[key] = notes[-1].reason
    return found
