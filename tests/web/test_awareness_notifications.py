"""Each event kind reaches exactly the right people (roles × visibility × reasons), folding floods;
notifications are re-checked for their recipient whenever they are shown."""

import pytest
from sqlalchemy import delete, select

from tests.factories import login, make_user, token_for
from tests.web._awareness import TEXT, notes_of, post, reply, save, told, world
from wiki.awareness import inbox
from wiki.awareness.models import DocumentWatch, Notification, SpaceWatch
from wiki.comments import service as comments
from wiki.extensions import db
from wiki.privacy import service as privacy
from wiki.spaces.models import Membership


def watch_all(w, *keys):
    for key in keys:
        inbox.set_document_watch(db.session, w.people[key], w.doc, True)


# --- revisions -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("private", [True, False])
def test_an_edit_reaches_the_watchers_who_may_read_it(app, private):
    w = world(private=private)
    watch_all(w, "facilitator", "contributor", "admin")
    if not private:
        inbox.set_document_watch(db.session, w.people["outsider"], w.doc, True)
    else:  # a watch left over from before they lost access
        db.session.add(DocumentWatch(user_id=w.people["outsider"].id, document_id=w.doc_id, active=True))
        db.session.commit()
    save(w.doc_id, w.people["facilitator"], TEXT + "\nMore.\n", "Added a line")
    expected = {"editor": "watching", "contributor": "watching", "admin": "watching"}  # the author watches
    if not private:
        expected["outsider"] = "watching"
    assert told(w) == expected  # not the facilitator who saved, not the outsider of a private space


def test_a_space_watch_covers_its_documents_unless_one_was_unwatched(app):
    w = world()
    inbox.set_space_watch(db.session, w.people["contributor"], w.space, True)
    inbox.set_space_watch(db.session, w.people["writer"], w.space, True)
    inbox.set_document_watch(db.session, w.people["writer"], w.doc, False)
    save(w.doc_id, w.people["facilitator"], TEXT + "\nMore.\n")
    assert told(w) == {"editor": "watching", "contributor": "watching_space"}


def test_an_author_who_stopped_watching_is_not_watching_again_after_editing(app):
    w = world()
    inbox.set_document_watch(db.session, w.people["editor"], w.doc, False)
    save(w.doc_id, w.people["editor"], TEXT + "\nMine.\n")
    save(w.doc_id, w.people["facilitator"], TEXT + "\nTheirs.\n")
    assert "editor" not in told(w)
    assert told(w) == {}


def test_a_flood_of_edits_is_one_notification_per_quiet_period(app):
    w = world()
    for n in range(5):
        save(w.doc_id, w.people["facilitator"], TEXT + "\nLine\n" * (n + 1))
    notes = notes_of(w.people["editor"])
    assert len(notes) == 1 and notes[0].count == 5
    app.config["NOTIFY_QUIET_SECONDS"] = 0  # the quiet period has passed
    save(w.doc_id, w.people["facilitator"], TEXT + "\nAfter a pause.\n")
    assert [n.count for n in notes_of(w.people["editor"])] == [5, 1]


def test_reading_a_notification_ends_its_folding(app):
    w = world()
    save(w.doc_id, w.people["facilitator"], TEXT + "\nOne.\n")
    inbox.mark_read(db.session, w.people["editor"])
    save(w.doc_id, w.people["facilitator"], TEXT + "\nTwo.\n")
    assert [n.count for n in notes_of(w.people["editor"])] == [1, 1]


# --- comments ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("visibility", "expected"), [
    ("named", {"facilitator", "editor", "contributor"}),
    ("anonymous", {"facilitator", "editor", "contributor"}),
    ("facilitators", {"facilitator"}),
])
def test_a_new_comment_reaches_watchers_who_may_see_it(app, visibility, expected):
    w = world()
    watch_all(w, "facilitator", "contributor")
    post(w.doc_id, w.people["writer"], "Keep the budget.", visibility)
    assert set(told(w)) == expected


def test_a_pending_comment_reaches_facilitators_then_everyone_once_approved(app):
    w = world(premoderation=True)
    watch_all(w, "facilitator", "contributor")
    thread = post(w.doc_id, w.people["writer"], "Waiting for approval.")
    assert set(told(w)) == {"facilitator"}
    comments.approve(db.session, thread.comments[0], w.people["facilitator"])
    assert set(told(w)) == {"facilitator", "editor", "contributor"}
    assert len(notes_of(w.people["facilitator"])) == 1  # not told twice


def test_a_reply_reaches_the_thread_s_earlier_commenters_even_without_watching(app):
    w = world()
    inbox.set_document_watch(db.session, w.people["editor"], w.doc, False)
    thread = post(w.doc_id, w.people["writer"], "First.")
    reply(thread.id, w.people["contributor"], "Second.")
    assert told(w) == {"writer": "reply"}
    reply(thread.id, w.people["facilitator"], "Third.")
    assert told(w) == {"writer": "reply", "contributor": "reply"}


def test_resolving_a_thread_tells_its_participants(app):
    w = world()
    inbox.set_document_watch(db.session, w.people["editor"], w.doc, False)
    thread = post(w.doc_id, w.people["writer"], "Please fix.")
    comments.resolve(db.session, comments.get_thread(db.session, thread.id, w.people["editor"]), w.people["editor"])
    assert told(w) == {"writer": "thread"}


def test_whoever_resolves_or_reopens_a_thread_is_not_told_of_it(app):
    """The person who reopens (or resolves) is the actor: the other participants are told, not them."""
    w = world()
    inbox.set_document_watch(db.session, w.people["editor"], w.doc, False)
    thread = post(w.doc_id, w.people["writer"], "Please fix.")
    reply(thread.id, w.people["editor"], "Fixed, I think.")
    comments.resolve(db.session, comments.get_thread(db.session, thread.id, w.people["editor"]), w.people["editor"])
    before = {key: len(notes_of(w.people[key])) for key in ("writer", "editor")}
    comments.reopen(db.session, comments.get_thread(db.session, thread.id, w.people["writer"]), w.people["writer"])
    assert len(notes_of(w.people["writer"])) == before["writer"]  # not told of their own reopening
    assert len(notes_of(w.people["editor"])) == before["editor"] + 1
    assert notes_of(w.people["editor"])[-1].reason == "thread"


def test_mentions_reach_the_named_person_only_if_they_may_see_the_comment(app):
    w = world()
    inbox.set_document_watch(db.session, w.people["editor"], w.doc, False)
    post(w.doc_id, w.people["writer"], "What do @Cora Contrib and @fay facil think?")
    assert told(w) == {"contributor": "mention", "facilitator": "mention"}
    post(w.doc_id, w.people["writer"], "Between us, @Eddie Editor and @Cora Contrib.", "facilitators")
    assert notes_of(w.people["editor"]) == [] and len(notes_of(w.people["contributor"])) == 1


def test_an_ambiguous_mention_tells_nobody(app):
    w = world()
    twin = make_user("Cora Contrib")
    from tests.factories import add_member

    add_member(w.space, twin, "contributor")
    post(w.doc_id, w.people["writer"], "@Cora Contrib, which of you?")
    assert notes_of(w.people["contributor"]) == [] and notes_of(twin) == []


# --- shown to the recipient, re-checked --------------------------------------------------------------


def test_the_notifications_page_never_names_an_anonymous_author(app, client):
    w = world()
    watch_all(w, "contributor")
    post(w.doc_id, w.people["writer"], "Speaking from experience.", "anonymous")
    login(client, w.people["contributor"])
    page = client.get("/notifications").get_data(as_text=True)
    assert "Community member commented on Housing plan" in page
    assert "Wren" not in page
    api = client.get("/api/v1/notifications").get_json()
    assert api["unread"] == 1 and api["notifications"][0]["event"]["who"] == "Community member"
    assert "Wren" not in str(api)


def test_a_member_removed_from_the_space_loses_its_notifications(app, client):
    w = world()
    watch_all(w, "contributor")
    save(w.doc_id, w.people["facilitator"], TEXT + "\nSecret plans.\n")
    note_id = notes_of(w.people["contributor"])[0].id
    login(client, w.people["contributor"])
    assert "Housing plan" in client.get("/notifications").get_data(as_text=True)
    db.session.execute(delete(Membership).where(Membership.user_id == w.people["contributor"].id))
    db.session.commit()
    page = client.get("/notifications").get_data(as_text=True)
    assert "Housing plan" not in page
    assert client.get(f"/notifications/{note_id}").status_code == 404
    assert client.get("/api/v1/notifications").get_json() == {"notifications": [], "unread": 0, "page": 1,
                                                              "pages": 1}
    save(w.doc_id, w.people["facilitator"], TEXT + "\nMore secret plans.\n")
    assert len(notes_of(w.people["contributor"])) == 1  # nothing new is delivered either


def test_opening_a_notification_marks_it_read_and_leads_to_the_change(app, client):
    w = world()
    save(w.doc_id, w.people["facilitator"], TEXT + "\nOne.\n")
    save(w.doc_id, w.people["facilitator"], TEXT + "\nTwo.\n")
    note = notes_of(w.people["editor"])[0]
    login(client, w.people["editor"])
    assert "2 edits to Housing plan" in client.get("/notifications").get_data(as_text=True)
    response = client.get(f"/notifications/{note.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/s/{w.space.slug}/{w.doc.slug}/compare?from=1&to=3")
    assert notes_of(w.people["editor"])[0].read_at is not None
    other = make_user()
    login(client, other)
    assert client.get(f"/notifications/{note.id}").status_code == 404  # someone else's
    assert client.get("/notifications/99999999999").status_code == 404


def test_mark_all_read_through_the_page_and_the_api(app, client):
    w = world()
    watch_all(w, "contributor")
    thread = post(w.doc_id, w.people["writer"], "One.")
    reply(thread.id, w.people["writer"], "Two.")
    save(w.doc_id, w.people["facilitator"], TEXT + "\nThree.\n")
    login(client, w.people["contributor"])
    assert client.get("/api/v1/notifications?unread=true").get_json()["unread"] == 2
    first = notes_of(w.people["contributor"])[0].id
    response = client.post("/api/v1/notifications/read", json={"ids": [first]})
    assert response.get_json() == {"marked": 1, "unread": 1}
    assert client.post("/api/v1/notifications/read", json={"ids": ["x"]}).status_code == 422
    assert client.post("/notifications/read").status_code == 302
    assert client.get("/api/v1/notifications").get_json()["unread"] == 0


def test_watching_needs_a_participant(app, client):
    w = world()
    login(client, w.people["outsider"])
    assert client.post(f"/s/{w.space.slug}/{w.doc.slug}/watch").status_code == 404  # private: not even there
    login(client, w.people["contributor"])
    assert client.post(f"/s/{w.space.slug}/{w.doc.slug}/watch", data={"watch": "1"}).status_code == 302
    assert client.post(f"/s/{w.space.slug}/changes/watch", data={"watch": "1"}).status_code == 302
    assert db.session.scalar(select(SpaceWatch.id).where(SpaceWatch.user_id == w.people["contributor"].id))
    page = client.get(f"/s/{w.space.slug}/{w.doc.slug}").get_data(as_text=True)
    assert "Stop watching" in page
    headers = {"Authorization": f"Bearer {token_for(w.people['contributor'])}"}
    response = client.put(f"/api/v1/documents/{w.doc_id}/watch", json={"watch": False}, headers=headers)
    assert response.get_json() == {"watching": False}
    assert client.put(f"/api/v1/documents/{w.doc_id}/watch", json={"watch": "no"}, headers=headers).status_code == 422


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example/",
                                    "/\t/evil.example/", "javascript:alert(1)"])
def test_a_watch_form_goes_back_only_to_a_page_of_this_site(app, client, target):
    w = world()
    login(client, w.people["contributor"])
    url = f"/s/{w.space.slug}/{w.doc.slug}"
    back = client.post(f"{url}/watch", data={"watch": "1", "next": f"{url}/history"})
    assert back.status_code == 302 and back.headers["Location"] == f"{url}/history"
    for form in (f"{url}/watch", f"/s/{w.space.slug}/changes/watch"):
        response = client.post(form, data={"watch": "0", "next": target})
        assert response.status_code == 302 and response.headers["Location"].startswith(f"/s/{w.space.slug}"), form


def test_an_erased_account_keeps_no_notifications_or_watches(app):
    w = world()
    watch_all(w, "contributor")
    save(w.doc_id, w.people["facilitator"], TEXT + "\nOne.\n")
    uid = w.people["contributor"].id
    inbox.new_feed_token(db.session, w.people["contributor"])
    exported = privacy.export_data(db.session, w.people["contributor"])["notifications"]
    assert exported["watching"]["documents"] == [f"{w.space.slug}/{w.doc.slug}"]
    assert exported["notifications"][0]["document"] == f"{w.space.slug}/{w.doc.slug}"
    assert "Fay" not in str(exported)
    assert exported["private_feed_link"] and "wkf_" not in str(exported)
    privacy.erase_account(db.session, w.people["contributor"])
    assert db.session.scalars(select(Notification).where(Notification.user_id == uid)).all() == []
    assert db.session.scalars(select(DocumentWatch).where(DocumentWatch.user_id == uid)).all() == []
