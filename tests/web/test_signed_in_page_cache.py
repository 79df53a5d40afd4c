"""The signed-in reading page (wiki/documents/shell_page.py): members of one role share the rendered
page, each still sees their own name, bell, watch button, "since you last visited", perspectives
and form token; nothing of one reader or role reaches another; every write is seen at once."""

import re
from contextlib import contextmanager
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from flask import template_rendered
from sqlalchemy import select

from tests.factories import add_member, login, make_document, make_space, make_user
from tests.web.test_page_cache import TEXT, WRITES
from wiki.auth.service import update_profile
from wiki.awareness import inbox, visits
from wiki.awareness.models import DocumentVisit
from wiki.documents import service as documents
from wiki.extensions import db
from wiki.spaces.models import Membership
from wiki.timeutil import utcnow

TOKEN_RE = re.compile(r'name="csrf_token" value="([^"]+)"')
NONCE_RE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture
def world(app):
    space = make_space("strategy", title="Strategy")
    names = {"editor": "Eddie Editor", "other_editor": "Olga Editor", "facilitator": "Fay Facil",
             "contributor": "Cora Contrib", "other_contributor": "Colin Contrib"}
    people = {key: make_user(name) for key, name in names.items()}
    for key, person in people.items():
        add_member(space, person, key.removeprefix("other_"))
    document = make_document(space, people["editor"], "Housing plan", TEXT)
    return SimpleNamespace(app=app, space=space, document=document, url=f"/s/strategy/{document.slug}",
                           clients={}, **people)


def client_of(world, key: str):
    """One signed-in browser per person (its cookies kept), its login message already shown."""
    if key not in world.clients:
        client = world.app.test_client()
        login(client, getattr(world, key))
        client.get("/")
        world.clients[key] = client
    return world.clients[key]


@contextmanager
def templates_rendered(app):
    names = []

    def record(_sender, template, **_extra):
        names.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield names
    finally:
        template_rendered.disconnect(record, app)


def view(world, key: str, *, shared: bool | None = None) -> str:
    """`key`'s page; `shared`: assert the page was (True) or was not (False) made from a stored one."""
    with templates_rendered(world.app) as names:
        response = client_of(world, key).get(world.url)
    assert response.status_code == 200
    if shared is not None:
        assert ("documents/view.html" not in names) is shared, names
    page = response.get_data(as_text=True)
    assert "<!--personal-" not in page  # every personal part filled in
    return page


def test_members_of_one_role_share_the_page_with_their_own_name_and_token(world):
    first = view(world, "editor", shared=False)
    again = view(world, "editor", shared=True)
    other = view(world, "other_editor", shared=True)
    assert "Housing comes first" in other and 'class="who">Olga Editor<' in other
    assert 'class="who">Eddie Editor<' not in other and 'class="who">Eddie Editor<' in again
    tokens = {page: set(TOKEN_RE.findall(page)) for page in (first, again, other)}
    assert all(len(found) == 1 for found in tokens.values())  # every form on a page: the reader's own token
    assert tokens[other].isdisjoint(tokens[first] | tokens[again])
    assert NONCE_RE.sub("", TOKEN_RE.sub("", first)) == NONCE_RE.sub("", TOKEN_RE.sub("", again))


def test_a_shared_page_carries_this_sessions_token_and_a_fresh_nonce(world):
    (renderers_token,) = set(TOKEN_RE.findall(view(world, "editor")))
    client = client_of(world, "other_editor")
    response = client.get(world.url)
    page = response.get_data(as_text=True)
    (nonce,) = set(NONCE_RE.findall(page))
    assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
    (token,) = set(TOKEN_RE.findall(page))
    world.app.config["WTF_CSRF_ENABLED"] = True
    for wrong in ("forged", renderers_token):
        assert client.post(f"{world.url}/watch", data={"watch": "1", "csrf_token": wrong}).status_code == 400
    assert client.post(f"{world.url}/watch", data={"watch": "1", "csrf_token": token}).status_code == 302


def test_roles_never_see_each_others_shared_page(world):
    facilitator = view(world, "facilitator", shared=False)
    contributor = view(world, "contributor", shared=False)
    editor = view(world, "editor", shared=False)
    for marker in ('class="status-form"', "Delete this document", "Start a consultation round"):
        assert marker in facilitator and marker not in contributor + editor
    assert ">Edit</a>" in editor and ">Edit</a>" not in contributor
    admin = make_user("Ada Admin", admin=True)
    world.clients["admin"] = world.app.test_client()
    login(world.clients["admin"], admin)
    world.clients["admin"].get("/")
    assert ">Admin</a>" in view(world, "admin", shared=False)
    assert ">Admin</a>" not in view(world, "other_editor", shared=True)


def test_each_reader_sees_their_own_watch_button_and_bell(world):
    view(world, "editor")
    client_of(world, "other_editor").post(f"{world.url}/watch", data={"watch": "1"})
    documents.save(db.session, world.document, world.facilitator, TEXT + "\nSchools too.\n",
                   world.document.head_number)
    db.session.commit()
    assert inbox.unread_count(db.session, world.other_editor) == 1
    watcher = view(world, "other_editor", shared=False)
    plain = view(world, "contributor", shared=False)
    other = view(world, "other_contributor", shared=True)
    assert "Stop watching" in watcher and "Watch this document" in plain + other
    assert "Stop watching" not in plain + other
    assert "(1 unread)" in watcher and "unread)" not in plain + other


def test_since_last_visit_is_each_readers_own(world):
    view(world, "contributor")  # seen revision 1
    documents.save(db.session, world.document, world.editor, TEXT + "\nSchools too.\n", 1)
    db.session.commit()
    first_time = view(world, "other_contributor", shared=False)
    returning = view(world, "contributor", shared=True)
    assert "1 change by 1 person since you last visited" in returning
    assert "since you last visited" not in first_time
    assert "since you last visited" not in view(world, "contributor", shared=True)  # now seen


def test_perspectives_are_offered_only_to_their_owner(world):
    update_profile(db.session, world.contributor, "Cora Contrib", ["carer"], True)
    db.session.commit()
    own = view(world, "contributor", shared=False)
    other = view(world, "other_contributor", shared=False)  # a different class: no perspectives
    assert 'id="new-perspective"' in own and 'id="new-perspective"' not in other
    assert 'id="new-perspective"' not in view(world, "other_contributor", shared=True)


@pytest.mark.parametrize("kind", list(WRITES))
def test_each_kind_of_write_replaces_the_shared_page(world, kind):
    write, text, shown, *setup = WRITES[kind]
    for step in setup:
        step(world)
    assert (text in view(world, "other_editor")) is not shown
    write(world)
    db.session.commit()
    assert (text in view(world, "other_editor")) is shown


def test_a_document_with_comment_threads_is_rendered_for_each_reader(world):
    WRITES["a comment"][0](world)
    db.session.commit()
    view(world, "editor", shared=False)
    page = view(world, "other_editor", shared=False)
    assert "What about rural areas?" in page


def test_a_member_who_loses_access_stops_at_once(world):
    world.space.is_private = True
    db.session.commit()
    view(world, "contributor")
    view(world, "other_contributor", shared=True)
    db.session.delete(db.session.scalar(select(Membership).where(Membership.user_id == world.other_contributor.id)))
    db.session.commit()
    assert client_of(world, "other_contributor").get(world.url).status_code == 404


def test_a_flashed_message_reaches_its_reader_only(world):
    view(world, "editor")
    client = client_of(world, "other_editor")
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for Olga only")]
    assert "A message for Olga only" in client.get(world.url).get_data(as_text=True)
    assert "A message for Olga only" not in view(world, "editor", shared=True)


def _seen_at(world, user):
    return db.session.scalar(select(DocumentVisit.seen_at).where(DocumentVisit.user_id == user.id))


def test_a_reload_within_a_minute_writes_no_visit_unless_something_new_was_seen(world):
    view(world, "contributor")
    first = _seen_at(world, world.contributor)
    view(world, "contributor")
    db.session.expire_all()
    assert _seen_at(world, world.contributor) == first  # nothing new: no write
    later = utcnow() + visits.RECORD_EVERY + timedelta(seconds=1)
    with mock.patch.object(visits, "utcnow", return_value=later):
        view(world, "contributor")
    db.session.expire_all()
    assert _seen_at(world, world.contributor) != first


def test_a_comment_seen_on_a_reload_is_not_new_again(world):
    view(world, "editor")
    WRITES["a comment"][0](world)  # by the contributor: new to the editor
    db.session.commit()
    assert "New since your last visit" in view(world, "editor", shared=False)
    assert "New since your last visit" not in view(world, "editor")  # seen a moment ago: recorded


def test_watching_the_space_shows_on_the_shared_page_unless_the_document_was_unwatched(world):
    view(world, "other_contributor")  # the contributors' shared part
    client = client_of(world, "contributor")
    client.post("/s/strategy/changes/watch", data={"watch": "1"}, follow_redirects=True)  # its message shown
    assert "Stop watching" in view(world, "contributor", shared=True)
    client.post(f"{world.url}/watch", data={"watch": "0"}, follow_redirects=True)
    assert "Watch this document" in view(world, "contributor", shared=True)
    assert "Stop watching" not in view(world, "other_contributor", shared=True)
