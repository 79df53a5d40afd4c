"""Recent changes pages and Atom feeds: valid Atom, filters, and no private leakage (private spaces,
facilitators-only and pending comments, anonymous authors), with revocable private feed tokens."""

import re
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import delete

from tests.factories import login, make_document
from tests.web._awareness import TEXT, post, save, world
from wiki.awareness import feed, inbox
from wiki.comments import service as comments
from wiki.extensions import db
from wiki.spaces.models import Membership

NS = {"a": "http://www.w3.org/2005/Atom"}


def parse_atom(response) -> ET.Element:
    """Parse and check what RFC 4287 requires of a feed and of each entry."""
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = ET.fromstring(response.data)
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for name in ("a:id", "a:title", "a:updated", "a:author/a:name"):
        assert root.find(name, NS) is not None and root.find(name, NS).text, name
    assert root.find("a:link[@rel='self']", NS) is not None
    for entry in root.findall("a:entry", NS):
        for name in ("a:id", "a:title", "a:updated"):
            assert entry.find(name, NS) is not None and entry.find(name, NS).text, name
        assert entry.find("a:link", NS).get("href").startswith("http")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", entry.find("a:updated", NS).text)
    ids = [e.find("a:id", NS).text for e in root.findall("a:entry", NS)]
    assert len(ids) == len(set(ids))
    return root


def text_of(root: ET.Element) -> str:
    return " ".join(t for t in root.itertext())


@pytest.fixture
def scene(app):
    """A public space (edits; named, anonymous, facilitators-only and pending comments) and a
    private one (an edit and a comment)."""
    public = world(private=False)
    save(public.doc_id, public.people["editor"], TEXT + "\nPublic addition.\n", "Public summary")
    post(public.doc_id, public.people["writer"], "Named public comment.")
    post(public.doc_id, public.people["contributor"], "Anonymous lived experience.", "anonymous")
    post(public.doc_id, public.people["writer"], "For facilitators only.", "facilitators")
    public.space.premoderation = True
    db.session.commit()
    post(public.doc_id, public.people["writer"], "Awaiting approval text.")
    private = world(private=True)
    private.space.title = "Secret Space"
    db.session.commit()
    save(private.doc_id, private.people["editor"], TEXT + "\nPrivate addition.\n", "Private summary")
    post(private.doc_id, private.people["writer"], "Private comment.")
    return public, private


def test_the_public_feed_is_valid_atom_with_public_content_only(client, scene):
    public, private = scene
    root = parse_atom(client.get("/changes.atom"))
    text = text_of(root)
    assert "Public summary" in text and "Named public comment." in text
    assert "Community member commented on Housing plan" in text and "Anonymous lived experience." in text
    assert "Cora Contrib commented" not in text
    for secret in ("For facilitators only", "Awaiting approval", "Private", "Secret Space"):
        assert secret not in text, secret
    assert client.get(f"/s/{private.space.slug}/changes.atom").status_code == 404
    parse_atom(client.get(f"/s/{public.space.slug}/changes.atom"))


def test_a_signed_in_browser_still_gets_only_public_content_from_a_feed_without_token(client, scene):
    _public, private = scene
    login(client, private.people["facilitator"])
    assert "Private summary" not in text_of(parse_atom(client.get("/changes.atom")))


def test_a_private_feed_token_shows_what_its_owner_may_read_and_can_be_revoked(client, scene):
    public, private = scene
    facilitator = private.people["facilitator"]
    login(client, facilitator)
    page = client.post("/notifications/feed-token").get_data(as_text=True)
    token = re.search(r"token=(wkf_[\w-]+)", page).group(1)
    client.post("/logout")
    feed_text = text_of(parse_atom(client.get(f"/changes.atom?token={token}")))
    assert "Private summary" in feed_text and "Private comment." in feed_text
    assert "Public summary" in feed_text
    assert "For facilitators only" not in feed_text  # a facilitator of the private space only
    parse_atom(client.get(f"/s/{private.space.slug}/changes.atom?token={token}"))
    # access is checked when the feed is read: a removed member's token shows public content only
    db.session.execute(delete(Membership).where(Membership.user_id == facilitator.id))
    db.session.commit()
    assert "Private summary" not in text_of(parse_atom(client.get(f"/changes.atom?token={token}")))
    login(client, facilitator)
    client.post("/notifications/feed-token", data={"action": "revoke"})
    gone = client.get(f"/changes.atom?token={token}")
    assert gone.status_code == 404 and b"not valid" in gone.data
    assert client.get("/changes.atom?token=wkf_guess").status_code == 404


def test_tokens_are_stored_hashed(app, scene):
    _public, private = scene
    user = private.people["editor"]
    token = inbox.new_feed_token(db.session, user)
    row = inbox.settings_of(db.session, user)
    assert token not in (row.feed_token_hash or "") and len(row.feed_token_hash) == 64
    assert inbox.user_for_feed_token(db.session, token).id == user.id


def test_the_changes_pages_filter_by_kind_and_document(client, scene):
    public, _private = scene
    other = make_document(public.space, public.people["editor"], "Transport plan", "# Buses\n\nMore buses.\n")
    slug = public.space.slug
    page = client.get(f"/s/{slug}/changes").get_data(as_text=True)
    assert "Transport plan" in page and "Public summary" in page and "Named public comment." in page
    only_edits = client.get(f"/s/{slug}/changes?kind=revision").get_data(as_text=True)
    assert "Public summary" in only_edits and "Named public comment." not in only_edits
    one_doc = client.get(f"/s/{slug}/changes?document={other.id}").get_data(as_text=True)
    assert "Transport plan" in one_doc and "Public summary" not in one_doc
    for odd in ("?kind=bogus", "?before=abc", "?document=99999999999", "?before=-4"):
        assert client.get(f"/s/{slug}/changes{odd}").status_code == 200
    api = client.get(f"/api/v1/spaces/{slug}/changes?kind=comment").get_json()
    assert {c["kind"] for c in api["changes"]} == {"comment"}
    assert "Wren" not in str([c for c in api["changes"] if c["who"] == "Community member"])


def test_a_filtered_page_links_to_the_feed_of_what_it_shows(client, scene):
    public, _private = scene
    slug = public.space.slug
    page = client.get(f"/s/{slug}/changes?kind=revision&document={public.doc_id}").get_data(as_text=True)
    feed_link = f"/s/{slug}/changes.atom?kind=revision&amp;document={public.doc_id}"
    assert f'href="{feed_link}">Atom feed of these changes' in page
    assert f'type="application/atom+xml" title="Recent changes · {public.space.title} (as filtered) (public)" ' \
           f'href="{feed_link}"' in page
    text = text_of(parse_atom(client.get(feed_link.replace("&amp;", "&"))))
    assert "Public summary" in text and "Named public comment." not in text
    assert "Named public comment." in text_of(parse_atom(client.get("/changes.atom?kind=comment")))
    assert "Public summary" not in text_of(parse_atom(client.get("/changes.atom?kind=comment")))
    unfiltered = client.get("/changes").get_data(as_text=True)
    assert 'href="/changes.atom">Atom feed (public content only)' in unfiltered


def test_a_revision_shows_its_size_change_and_summary(client, scene):
    public, _private = scene
    page = client.get(f"/s/{public.space.slug}/changes?kind=revision").get_data(as_text=True)
    grew = len("\nPublic addition.\n")
    item = re.search(r'<li class="activity activity-revision">.*?</li>', page, re.S).group(0)
    assert f'<span class="grew">+{grew}</span><span class="visually-hidden"> characters</span>' in item
    assert "“Public summary”" in item


def test_the_site_wide_page_lists_only_readable_spaces(client, scene):
    public, private = scene
    page = client.get("/changes").get_data(as_text=True)
    assert "Public summary" in page and "Private summary" not in page
    login(client, private.people["contributor"])
    page = client.get("/changes").get_data(as_text=True)
    assert "Private summary" in page and "For facilitators only" not in page


def test_older_changes_continue_where_the_page_stopped(app, scene):
    public, _private = scene
    first = feed.recent(db.session, None, space=public.space, limit=2)
    assert len(first.items) == 2 and first.older
    second = feed.recent(db.session, None, space=public.space, query=feed.Query(before=first.older), limit=2)
    assert {i.activity_id for i in first.items}.isdisjoint({i.activity_id for i in second.items})
    assert all(i.activity_id < first.older for i in second.items)


def test_a_hidden_comment_no_longer_shows_its_text_in_the_feed(client, scene):
    public, _private = scene
    thread = post(public.doc_id, public.people["writer"], "Rude words here.")
    comments.approve(db.session, thread.comments[0], public.people["facilitator"])
    assert "Rude words here." in text_of(parse_atom(client.get("/changes.atom")))
    comments.hide(db.session, thread.comments[0], public.people["facilitator"], "Offensive")
    text = text_of(parse_atom(client.get("/changes.atom")))
    assert "Rude words here." not in text and "Hidden by a facilitator" in text
