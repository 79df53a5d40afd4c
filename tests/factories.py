"""Small factories for web tests: users, spaces and memberships with sensible defaults."""

import itertools

from wiki.auth.service import create_user, issue_token
from wiki.extensions import db
from wiki.spaces.service import create_space, set_membership

PASSWORD = "correct horse battery"
_counter = itertools.count(1)


def make_user(name: str | None = None, *, admin: bool = False, email: str | None = None):
    n = next(_counter)
    user = create_user(db.session, email or f"user{n}@example.org", name or f"User {n}", PASSWORD, admin=admin)
    db.session.commit()
    return user


def make_space(slug: str | None = None, *, private: bool = False, title: str | None = None):
    n = next(_counter)
    space = create_space(db.session, slug or f"space-{n}", title or f"Space {n}", private=private)
    db.session.commit()
    return space


def add_member(space, user, role: str):
    membership = set_membership(db.session, space, user.email, role)
    db.session.commit()
    return membership


def token_for(user) -> str:
    token = issue_token(db.session, user, "test")
    db.session.commit()
    return token


def login(client, user, password: str = PASSWORD):
    return client.post("/login", data={"email": user.email, "password": password})


def make_document(space, user, title: str = "Housing plan", text: str = "# Plan\n\nFirst paragraph.\n"):
    """A document with its first revision, created through the service (rendered once, like a real save)."""
    from wiki.documents.service import create_document

    return create_document(db.session, space, user, title, text)
