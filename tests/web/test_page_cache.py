"""The reading page cache (wiki/documents/cached_page.py): readers who are not signed in get the stored
page, never a stale one after a write, never anyone else's forms, and a fresh CSP nonce every time."""

import re
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest

from tests.factories import add_member, login, make_document, make_space, make_user
from wiki import create_app
from wiki.auth.service import update_profile
from wiki.comments import service as comments
from wiki.consultations import service as rounds
from wiki.documents import routes as document_routes
from wiki.documents import service as documents
from wiki.extensions import db
from wiki.spaces.service import update_space
from wiki.timeutil import utcnow

TEXT = "# Plan\n\nHousing comes first in this plan.\n\nTransport links the towns together.\n"
NONCE_RE = re.compile(r'nonce="([^"]+)"')


@pytest.fixture
def world(app):
    space = make_space("strategy", title="Strategy")
    people = {role: make_user(f"{role.title()} Person") for role in ("editor", "facilitator", "contributor")}
    for role, person in people.items():
        add_member(space, person, role)
    document = make_document(space, people["editor"], "Housing plan", TEXT)
    url = f"/s/strategy/{document.slug}"
    return SimpleNamespace(app=app, space=space, document=document, url=url, **people)


def read(app, url: str) -> str:
    response = app.test_client().get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def served_from_cache(app, url: str) -> str:
    """The page, asserting no template was rendered for it."""
    with mock.patch.object(document_routes, "render_template", side_effect=AssertionError("rendered")):
        return read(app, url)


def test_a_second_anonymous_view_is_served_without_rendering(world):
    first = world.app.test_client().get(world.url)
    again = served_from_cache(world.app, world.url)
    assert NONCE_RE.sub("", first.get_data(as_text=True)) == NONCE_RE.sub("", again)
    assert "Housing comes first" in again
    cached = world.app.test_client().get(world.url)
    assert cached.headers["Content-Type"] == first.headers["Content-Type"] == "text/html; charset=utf-8"


def test_every_response_has_its_own_nonce_matching_its_header(world):
    client, nonces = world.app.test_client(), set()
    for _ in range(3):
        response = client.get(world.url)
        page_nonces = set(NONCE_RE.findall(response.get_data(as_text=True)))
        assert len(page_nonces) == 1
        nonce = page_nonces.pop()
        assert f"'nonce-{nonce}'" in response.headers["Content-Security-Policy"]
        nonces.add(nonce)
    assert len(nonces) == 3


def _comment(world):
    document = documents.find_by_id(db.session, world.document.id, world.contributor)[1]
    start, end, quote = comments.locate(db.session, document, document.head_number, exact="Housing comes first")
    return comments.create_thread(db.session, document, world.contributor, revision=document.head_number,
                                  start=start, end=end, quote=quote, body="What about rural areas?", visibility="named")


def _first_comment(world, user=None):
    thread = world.thread if hasattr(world, "thread") else _comment(world)
    return comments.get_comment(db.session, thread.comments[0].id, user or world.facilitator)[0]


def _commented(world, agreed=False):
    """Before the first view: a comment (and the editor's agreement with it)."""
    world.thread = _comment(world)
    if agreed:
        comments.agree(db.session, _first_comment(world, world.editor), world.editor)


def _save(world, text=TEXT + "\nSchools matter too.\n", title=None):
    document = documents.find_by_id(db.session, world.document.id, world.editor)[1]
    documents.save(db.session, document, world.editor, text, document.head_number, title=title)


def _round(world):
    document = documents.find_by_id(db.session, world.document.id, world.facilitator)[1]
    spec = rounds.RoundSpec("First consultation", utcnow() - timedelta(hours=1), utcnow() + timedelta(days=7))
    rounds.start_round(db.session, document, world.facilitator, spec)


WRITES = {  # what changes on the page → (the write, text the page then shows or no longer shows[, setup])
    "a save": (_save, "Schools matter too.", True),
    "a new title": (lambda w: _save(w, TEXT, title="Housing strategy"), "Housing strategy", True),
    "a save that moves comments": (lambda w: _save(w, "Intro first.\n\n" + TEXT), "Intro first.", True, _commented),
    "a status change": (lambda w: documents.set_status(db.session, w.document, "consultation"),
                        "In consultation", True),
    "a comment": (_comment, "What about rural areas?", True),
    "hiding a comment": (lambda w: comments.hide(db.session, _first_comment(w), w.facilitator, "Off topic"),
                         "What about rural areas?", False, _commented),
    "withdrawing an agreement": (lambda w: comments.unagree(db.session, _first_comment(w, w.editor), w.editor),
                                 "1 person agrees", False, lambda w: _commented(w, agreed=True)),
    "an agreement": (lambda w: comments.agree(db.session, _first_comment(w), w.editor), "1 person agrees", True),
    "a round": (_round, "First consultation", True),
    "an author's new name": (lambda w: update_profile(db.session, w.editor, "Edna Renamed", [], False),
                             "Edna Renamed", True),
    "the space's new title": (lambda w: update_space(db.session, w.space, "Strategy group", False, ""),
                              "Strategy group", True),
}


@pytest.mark.parametrize("kind", list(WRITES))
def test_each_kind_of_write_replaces_the_cached_page(world, kind):
    write, text, shown, *setup = WRITES[kind]
    for step in setup:
        step(world)
    assert (text in read(world.app, world.url)) is not shown
    write(world)
    db.session.commit()
    assert (text in read(world.app, world.url)) is shown


def test_a_write_made_by_another_process_is_seen(world, database_url, tmp_path):
    """Each process has its own cache; the generation read with the document tells them all."""
    read(world.app, world.url)
    document_id, editor_id, user_class = world.document.id, world.editor.id, type(world.editor)
    db.session.rollback()  # this test's own session must not hold SQLite's write lock meanwhile
    other = create_app("testing", {"SQLALCHEMY_DATABASE_URI": database_url,
                                   "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with other.app_context():
        editor = db.session.get(user_class, editor_id)
        documents.set_status(db.session, documents.find_by_id(db.session, document_id, editor)[1], "published")
        db.session.remove()
        db.engine.dispose()
    assert "Published" in read(world.app, world.url)


def test_signed_in_readers_never_get_the_anonymous_page_and_keep_their_own_forms(world):
    read(world.app, world.url)  # cached for anonymous readers
    pages = {}
    for role in ("facilitator", "contributor", "editor"):
        client = world.app.test_client()
        login(client, getattr(world, role))
        pages[role] = client.get(world.url).get_data(as_text=True)
        assert 'name="csrf_token"' in pages[role]
        assert f"{role.title()} Person" in pages[role]  # their own name in the header
    assert 'class="status-form"' in pages["facilitator"]
    assert 'class="status-form"' not in pages["contributor"] + pages["editor"]
    assert "Comment on a paragraph" in pages["contributor"]
    anonymous = served_from_cache(world.app, world.url)
    assert "csrf_token" not in anonymous and "status-form" not in anonymous and "Person</span>" not in anonymous
    assert "Log in to comment" in anonymous


def test_a_facilitators_view_is_never_stored_for_anonymous_readers(world):
    client = world.app.test_client()
    login(client, world.facilitator)
    client.get(world.url)
    anonymous = read(world.app, world.url)
    assert "status-form" not in anonymous and "csrf_token" not in anonymous


def test_a_space_made_private_stops_serving_its_cached_page_at_once(world):
    read(world.app, world.url)
    world.space.is_private = True
    db.session.commit()
    assert world.app.test_client().get(world.url).status_code == 404
    member = world.app.test_client()
    login(member, world.contributor)
    assert member.get(world.url).status_code == 200


def test_private_space_pages_are_never_served_to_anonymous_readers(app):
    space = make_space("inner", private=True)
    editor = make_user("Inner Editor")
    add_member(space, editor, "editor")
    document = make_document(space, editor, "Secret plan", TEXT)
    member = app.test_client()
    login(member, editor)
    assert member.get(f"/s/inner/{document.slug}").status_code == 200
    assert app.test_client().get(f"/s/inner/{document.slug}").status_code == 404


def test_a_flashed_message_is_shown_and_never_cached(world):
    client = world.app.test_client()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "A message for this reader only")]
    assert "A message for this reader only" in client.get(world.url).get_data(as_text=True)
    assert "A message for this reader only" not in read(world.app, world.url)


def test_filtered_views_are_rendered_not_cached(world):
    read(world.app, world.url)
    with mock.patch.object(document_routes, "render_template", wraps=document_routes.render_template) as render:
        read(world.app, world.url + "?status=open")
    assert render.called


def test_the_page_is_not_kept_past_the_next_move_of_a_rounds_clock(world):
    """A round that opens in a minute: the page is kept at most until then, when the clock changes it."""
    document = documents.find_by_id(db.session, world.document.id, world.facilitator)[1]
    spec = rounds.RoundSpec("Later round", utcnow() + timedelta(seconds=60), utcnow() + timedelta(days=7))
    rounds.start_round(db.session, document, world.facilitator, spec)
    read(world.app, world.url)
    cache = world.app.extensions["page_cache"]
    (entry,) = cache._entries.values()
    assert entry.expires - cache.clock() <= 61


def _generation(world) -> int:
    db.session.expire_all()
    return db.session.get(type(world.document), world.document.id).page_generation


def test_what_is_never_on_the_page_leaves_the_cached_page_alone(world):
    """A signed-in reader's visit (recorded on every view), a failed login and a new account."""
    before = _generation(world)
    client = world.app.test_client()
    login(client, world.contributor)
    client.get(world.url)
    client.post("/login", data={"email": world.editor.email, "password": "wrong password"})
    make_user("Newcomer")
    assert _generation(world) == before


def test_a_rolled_back_write_changes_nothing_and_hand_written_sql_changes_every_page(world):
    from sqlalchemy import text

    before = _generation(world)
    world.document.status = "archived"
    db.session.flush()
    db.session.rollback()
    assert _generation(world) == before
    db.session.execute(text("UPDATE spaces SET description = 'x'"))
    db.session.commit()
    assert _generation(world) == before + 1


def test_a_write_to_one_document_leaves_other_documents_cached_pages_alone(world):
    other = make_document(world.space, world.editor, "Transport plan", TEXT)
    before = db.session.get(type(other), other.id).page_generation
    _save(world)
    _comment(world)
    documents.set_status(db.session, world.document, "consultation")
    db.session.expire_all()
    assert db.session.get(type(other), other.id).page_generation == before
    assert _generation(world) >= 3


def test_the_cache_can_be_turned_off(world):
    world.app.config["PAGE_CACHE"] = False
    read(world.app, world.url)
    with mock.patch.object(document_routes, "render_template", wraps=document_routes.render_template) as render:
        read(world.app, world.url)
    assert render.called


def test_a_generation_that_cannot_be_bumped_empties_the_cache_instead_of_serving_stale_pages(world):
    """The write is committed but its page's generation could not be incremented (say the database
    went away for a moment): the cached pages may be stale, so they are all forgotten."""
    from wiki.documents import generations

    read(world.app, world.url)
    cache = world.app.extensions["page_cache"]
    assert len(cache) == 1
    broken = mock.Mock(begin=mock.Mock(side_effect=RuntimeError("connection lost")))
    generations.bump(broken, {("document", world.document.id)})
    assert len(cache) == 0
    assert "Housing comes first" in read(world.app, world.url)  # rendered afresh
