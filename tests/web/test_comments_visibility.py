"""Who sees a comment, and under which name: named / anonymous / facilitators-only × every kind of
viewer (including the author) × the space's "facilitators see anonymous authors" setting, on every
surface — the document page, the JSON API, the CSV export and the per-recipient view the live
broadcast uses. Anonymity must never leak: no name, no author id, no edit button for anyone else.
Nobody reads another space's private comments through any route.

Expectations come from issue 5 and DESIGN §4, written out here independently of wiki/comments/rules.py.
"""

import csv
import html
import io
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, add_member, make_document, make_space, make_user, token_for
from tests.worlds import BACKENDS, module_app
from wiki.auth import service as accounts
from wiki.auth.models import User
from wiki.comments import service
from wiki.comments.models import Comment
from wiki.documents.models import Document
from wiki.errors import InvalidInput
from wiki.extensions import db
from wiki.spaces.service import actor_for

AUTHOR = "Aisha Author-Name"
BODY = {"named": "Named body text", "anonymous": "Anonymous body text", "facilitators": "Facilitators body text"}
VIEWERS = ("anonymous", "outsider", "contributor", "editor", "facilitator", "admin", "author")
SPACES = {"plain": False, "revealing": True}  # slug -> facilitators_see_anonymous
TEXT = "# Plan\n\nHousing comes first for everyone here.\n"


@dataclass
class World:
    app: object
    emails: dict  # viewer -> email
    tokens: dict  # viewer -> token
    author_id: int
    docs: dict  # (space, visibility) -> (document id, slug)
    comments: dict  # (space, visibility) -> comment id
    private: dict  # the private space's document and comment
    clients: dict = field(default_factory=dict)


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "comments-visibility") as app:
        with app.app_context():
            people = {"outsider": make_user("Olive Outsider"), "admin": make_user("Ada Admin", admin=True),
                      "author": make_user(AUTHOR)}
            accounts.update_profile(db.session, people["author"], AUTHOR, ["carer"], True)
            for role in ("contributor", "editor", "facilitator"):
                people[role] = make_user(f"Some {role.title()}")
            docs, comments = {}, {}
            for slug, reveal in SPACES.items():
                space = make_space(slug)
                space.facilitators_see_anonymous = reveal
                for role in ("contributor", "editor", "facilitator"):
                    add_member(space, people[role], role)
                for visibility, body in BODY.items():
                    document = make_document(space, people["admin"], f"Plan {visibility}", TEXT)
                    docs[(slug, visibility)] = (document.id, document.slug)
                    comments[(slug, visibility)] = _comment(document, people["author"], body, visibility)
            closed = make_space("closed", private=True)
            add_member(closed, people["author"], "contributor")
            secret_doc = make_document(closed, people["admin"], "Secret plan", TEXT)
            private = {"doc": (secret_doc.id, secret_doc.slug),
                       "comment": _comment(secret_doc, people["author"], "Private space body", "named")}
            emails = {viewer: person.email for viewer, person in people.items()}
            tokens = {viewer: token_for(person) for viewer, person in people.items()}
            author_id = people["author"].id
            db.session.remove()
        yield World(app, emails, tokens, author_id, docs, comments, private)


def _comment(document, author, body: str, visibility: str) -> int:
    start, end, quote = service.locate(db.session, document, 1, exact="Housing comes first")
    thread = service.create_thread(db.session, document, author, revision=1, start=start, end=end, quote=quote,
                                   body=body, visibility=visibility, perspective="carer")
    return thread.comments[0].id


def client_for(world: World, viewer: str):
    if viewer not in world.clients:
        client = world.app.test_client()
        if viewer != "anonymous":
            assert client.post("/login", data={"email": world.emails[viewer], "password": PASSWORD}).status_code == 302
        world.clients[viewer] = client
    return world.clients[viewer]


def api(world: World, viewer: str, method: str, path: str, **kwargs):
    headers = {"Authorization": f"Bearer {world.tokens[viewer]}"} if viewer != "anonymous" else {}
    return world.app.test_client().open("/api/v1" + path, method=method, headers=headers, **kwargs)


# --- the rules, written out -----------------------------------------------------------------------

FACILITATING = ("facilitator", "admin")


def sees(visibility: str, viewer: str) -> bool:
    return visibility != "facilitators" or viewer in (*FACILITATING, "author")


def knows_author(visibility: str, viewer: str, reveal: bool) -> bool:
    if visibility == "named":
        return True
    if visibility == "facilitators":
        return viewer in (*FACILITATING, "author")
    return reveal and viewer in FACILITATING


CASES = [
    pytest.param(space, visibility, viewer, id=f"{space}-{visibility}-{viewer}")
    for space in SPACES for visibility in BODY for viewer in VIEWERS
]


@pytest.mark.parametrize(("space", "visibility", "viewer"), CASES)
def test_page_api_and_live_views_follow_the_visibility_rules(world, space, visibility, viewer):
    document_id, slug = world.docs[(space, visibility)]
    visible, named = sees(visibility, viewer), knows_author(visibility, viewer, SPACES[space])

    page = html.unescape(client_for(world, viewer).get(f"/s/{space}/{slug}").get_data(as_text=True))
    assert (BODY[visibility] in page) == visible
    if viewer != "author":  # the author's own name is in the page header
        assert (AUTHOR in page) == (visible and named), page
    if visible:
        assert "Carer" in page  # consented perspective, shown whatever the visibility
        if visibility == "anonymous" and not named:
            assert "Community member" in page
            assert ("You wrote this" in page) == (viewer == "author")
        assert ("/edit" in page.split('id="comments"')[1]) == (viewer == "author")  # no edit hint for others

    response = api(world, viewer, "GET", f"/documents/{document_id}/comments")
    threads = response.get_json()
    assert response.status_code == 200 and len(threads) == int(visible)
    if visible:
        (thread,) = threads
        assert thread["author_id"] == (world.author_id if named else None)
        assert thread["perspective"] == "Carer"
        assert (AUTHOR in response.get_data(as_text=True)) == named

    with world.app.app_context():  # what the live broadcast asks for each recipient
        comment = db.session.get(Comment, world.comments[(space, visibility)])
        user = None if viewer == "anonymous" else db.session.scalar(
            select(User).where(User.email == world.emails[viewer]))
        actor = actor_for(db.session, user, comment.thread.document.space)
        view = service.comment_view(db.session, comment, user, actor)
        assert (view is not None) == visible
        if view is not None:
            assert (view.author_id_visible is not None) == named
            assert view.can_edit == view.can_withdraw == (viewer == "author")
            assert view.can_hide == (viewer in FACILITATING)
        db.session.remove()


@pytest.mark.parametrize("space", SPACES)
@pytest.mark.parametrize("viewer", ["facilitator", "admin", "editor", "contributor"])
def test_csv_export_shows_authors_as_facilitators_may_see_them(world, space, viewer):
    for visibility in BODY:
        _, slug = world.docs[(space, visibility)]
        response = client_for(world, viewer).get(f"/s/{space}/{slug}/comments.csv")
        if viewer not in FACILITATING:
            assert response.status_code == 403
            continue
        assert response.status_code == 200 and response.mimetype == "text/csv"
        assert "attachment" in response.headers["Content-Disposition"]
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
        assert len(rows) == 1
        row = rows[0]
        expected_author = AUTHOR if knows_author(visibility, viewer, SPACES[space]) else "Community member"
        assert row["author"] == expected_author
        assert row["body"] == BODY[visibility] and row["visibility"] == visibility
        assert row["perspective"] == "Carer" and row["quote"] == "Housing comes first"
        assert row["section"] == "plan" and row["status"] == "open" and row["state"] == "published"
        if expected_author != AUTHOR:
            assert AUTHOR not in response.get_data(as_text=True)


@pytest.mark.parametrize("viewer", ["anonymous", "outsider", "contributor", "editor", "facilitator"])
def test_another_spaces_private_comments_are_unreachable(world, viewer):
    """None of these people belongs to the private space (only the author and admins do)."""
    document_id, slug = world.private["doc"]
    comment_id = world.private["comment"]
    client = client_for(world, viewer)
    public_id, public_slug = world.docs[("plain", "named")]
    attempts = [
        client.get(f"/s/closed/{slug}"), client.get(f"/s/closed/{slug}/comments.csv"),
        client.get(f"/s/closed/{slug}/comment"), client.post(f"/s/closed/{slug}/c/{comment_id}/agree"),
        client.post(f"/s/closed/{slug}/threads/1/reply", data={"body": "x"}),
        # the private comment's id under a public document's address
        client.post(f"/s/plain/{public_slug}/c/{comment_id}/agree"),
        client.post(f"/s/plain/{public_slug}/c/{comment_id}/flag"),
        client.get(f"/s/plain/{public_slug}/c/{comment_id}/edit"),
        api(world, viewer, "GET", f"/documents/{document_id}/comments"),
        api(world, viewer, "POST", f"/comments/{comment_id}/replies", json={"body": "x"}),
        api(world, viewer, "POST", f"/comments/{comment_id}/agree"),
        api(world, viewer, "POST", f"/comments/{comment_id}/resolve"),
    ]
    for response in attempts:
        body = response.get_data(as_text=True)
        expected = {302, 401, 404} if viewer == "anonymous" else {404}
        assert response.status_code in expected, (response.request.path, body[:500])
        assert "Private space body" not in body and "Secret plan" not in body
    with world.app.app_context():
        assert db.session.get(Comment, comment_id).thread.comments[-1].id == comment_id  # nothing was added
        db.session.remove()


def test_the_author_and_members_of_the_private_space_do_see_it(world):
    _, slug = world.private["doc"]
    assert "Private space body" in client_for(world, "author").get(f"/s/closed/{slug}").get_data(as_text=True)
    assert "Private space body" in client_for(world, "admin").get(f"/s/closed/{slug}").get_data(as_text=True)


def test_withdrawing_consent_hides_the_perspective_on_old_comments(world):
    document_id, _ = world.docs[("plain", "named")]
    with world.app.app_context():
        author = db.session.scalar(select(User).where(User.email == world.emails["author"]))
        accounts.update_profile(db.session, author, AUTHOR, [], False)
        db.session.remove()
    try:
        (thread,) = api(world, "outsider", "GET", f"/documents/{document_id}/comments").get_json()
        assert thread["perspective"] is None
        with world.app.app_context():
            document = db.session.get(Document, document_id)
            author = db.session.get(User, world.author_id)
            start, end, quote = service.locate(db.session, document, 1, exact="everyone")
            with pytest.raises(InvalidInput, match="perspective"):
                service.create_thread(db.session, document, author, revision=1, start=start, end=end, quote=quote,
                                      body="Hello", visibility="named", perspective="carer")
            db.session.remove()
    finally:
        with world.app.app_context():
            author = db.session.get(User, world.author_id)
            accounts.update_profile(db.session, author, AUTHOR, ["carer"], True)
            db.session.remove()


def test_switching_the_reveal_setting_on_later_reveals_no_earlier_anonymous_author(world):
    """The form promised anonymity when the comment was written; a later setting cannot undo that."""
    space_slug = next(slug for slug, reveal in SPACES.items() if not reveal)
    document_id, doc_slug = world.docs[(space_slug, "anonymous")]
    with world.app.app_context():
        space = db.session.get(Document, document_id).space
        space.facilitators_see_anonymous = True
        db.session.commit()
        db.session.remove()
    try:
        page = client_for(world, "facilitator").get(f"/s/{space_slug}/{doc_slug}").get_data(as_text=True)
        assert BODY["anonymous"] in page
        assert AUTHOR not in page
        (thread,) = api(world, "facilitator", "GET", f"/documents/{document_id}/comments").get_json()
        assert AUTHOR not in str(thread)
    finally:
        with world.app.app_context():
            db.session.get(Document, document_id).space.facilitators_see_anonymous = False
            db.session.commit()
            db.session.remove()
