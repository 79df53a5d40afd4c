"""A small world for the erasure and data-download tests: one person ("Erin") who has done a bit of
everything, in a public and a private space, next to a facilitator and an outsider who have too.

Everything is made through the services, as the pages would, and returned as plain ids and values so
tests can use it after the session is closed.
"""

from types import SimpleNamespace

from tests.factories import add_member, make_document, make_space, make_user, token_for
from wiki.auth import service as accounts
from wiki.comments import service as comments
from wiki.documents import service as documents
from wiki.extensions import db

ERIN = "Erin Erasable-Name"
FAY = "Fay Facilitator"
OLLIE = "Ollie Outsider-Name"
TEXT = "# Plan\n\nHousing comes first for everyone here.\n\nTransport links the towns.\n"
BODIES = {
    "named": "Erin named comment body",
    "anonymous": "Erin anonymous comment body",
    "reply": "Erin reply body",
    "fay": "Fay comment body",
    "fay_private": "Fay facilitators-only note",
    "ollie": "Ollie comment body in the open space",
}
KINDS = ("public", "private")


def comment_on(document, user, body: str, visibility: str = "named", exact: str = "Housing comes first",
               perspective: str | None = None):
    start, end, quote = comments.locate(db.session, document, document.head_number, exact=exact)
    thread = comments.create_thread(db.session, document, user, revision=document.head_number, start=start, end=end,
                                    quote=quote, body=body, visibility=visibility, perspective=perspective)
    return thread.comments[0]


def build(revealing: tuple[str, ...] = ()) -> SimpleNamespace:
    """Erin: perspectives with consent, a token, editor in both spaces; a revision, named and anonymous
    comments, a reply, an agree and a flag in each. Fay facilitates both; Ollie is only in the public one.
    Spaces whose kind is in `revealing` let facilitators see who wrote anonymous comments."""
    erin, fay, ollie = make_user(ERIN), make_user(FAY), make_user(OLLIE)
    accounts.update_profile(db.session, erin, ERIN, ["lived_experience", "carer"], True)
    erin_token, fay_token = token_for(erin), token_for(fay)
    world = SimpleNamespace(erin_id=erin.id, erin_email=erin.email, fay_id=fay.id, fay_email=fay.email,
                            ollie_id=ollie.id, ollie_email=ollie.email, erin_token=erin_token, fay_token=fay_token,
                            docs={}, comments={})
    for kind in KINDS:
        space = make_space(f"{kind}-space", private=kind == "private", title=f"{kind.title()} space")
        space.facilitators_see_anonymous = kind in revealing
        add_member(space, erin, "editor")
        add_member(space, fay, "facilitator")
        if kind == "public":
            add_member(space, ollie, "contributor")
        document = make_document(space, fay, f"{kind.title()} plan", TEXT)
        documents.save(db.session, document, erin, TEXT + "\nErin's paragraph.\n", 1, "Erin adds a paragraph")
        documents.tag(db.session, document, erin, 2, f"Erin's {kind} version")
        named = comment_on(document, erin, BODIES["named"], perspective="carer")
        anonymous = comment_on(document, erin, BODIES["anonymous"], "anonymous", exact="Transport links",
                               perspective="lived_experience")
        fay_comment = comment_on(document, fay, BODIES["fay"], exact="the towns")
        comments.reply(db.session, fay_comment.thread, erin, BODIES["reply"])
        comments.agree(db.session, fay_comment, erin)
        comments.flag(db.session, fay_comment, erin, "Erin's flag reason")
        comment_on(document, fay, BODIES["fay_private"], "facilitators", exact="everyone here")
        if kind == "public":
            ollie_comment = comment_on(document, ollie, BODIES["ollie"], exact="Housing")
            comments.hide(db.session, ollie_comment, fay, "Off topic")
        world.docs[kind] = (space.slug, document.slug, document.id)
        world.comments[kind] = {"named": named.id, "anonymous": anonymous.id, "fay": fay_comment.id}
    db.session.commit()
    db.session.remove()
    return world
