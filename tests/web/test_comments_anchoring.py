"""Comments survive editing (DESIGN §3), seen through the pages and the API: after a save each thread
is re-anchored (moved, rewritten a little, or orphaned into the "Detached comments" panel, never
dropped); old revisions show threads as anchored then; the JSON API places threads on the current
text and checks posted quotes against the revision they name.
"""

import html
import re

import pytest
from sqlalchemy import select

from tests.factories import add_member, login, make_document, make_space, make_user, token_for
from wiki import signals
from wiki.comments import subscribers
from wiki.comments.models import Thread, ThreadAnchor
from wiki.extensions import db

TEXT = ("# Plan\n\nHousing comes first for everyone in the county.\n\n"
        "## Transport\n\nRail and buses link the market towns together.\n\n"
        "## Jobs\n\nLocal work for local people, with training for all ages.\n")


@pytest.fixture
def world(app, client):
    space = make_space("open")
    editor, contributor = make_user("Eddie Editor"), make_user("Cora Contributor")
    add_member(space, editor, "editor")
    add_member(space, contributor, "contributor")
    document = make_document(space, editor, "Plan", TEXT)
    return {"doc": document, "editor": editor, "contributor": contributor,
            "api": {"Authorization": f"Bearer {token_for(contributor)}"}}


def comment_api(client, world, exact: str, revision: int = 1, text: str = TEXT, **extra):
    start = text.index(exact)
    body = {"revision": revision, "quote": {"exact": exact}, "position": {"start": start, "end": start + len(exact)},
            "body": extra.pop("body", f"About {exact}"), **extra}
    return client.post(f"/api/v1/documents/{world['doc'].id}/comments", json=body, headers=world["api"])


def save_form(client, world, text: str):
    """An editor saves through the edit form (the revision_committed subscriber re-anchors)."""
    client.post("/logout")
    login(client, world["editor"])
    doc = world["doc"]
    db.session.refresh(doc)
    response = client.post(f"/s/open/{doc.slug}/edit", data={"title": "Plan", "text": text, "summary": "edit",
                                                             "base_revision": str(doc.head_number), "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    db.session.expire_all()


def thread_of(exact: str) -> Thread:
    return db.session.scalar(select(Thread).where(Thread.quote_exact == exact))


def anchors(thread: Thread) -> dict[int, tuple[int, int, str]]:
    rows = db.session.scalars(select(ThreadAnchor).where(ThreadAnchor.thread_id == thread.id))
    return {a.revision_number: (a.start, a.end, a.state) for a in rows}


def test_api_comment_is_anchored_and_listed_on_the_current_text(client, world):
    response = comment_api(client, world, "Rail and buses", body="Anonymous view", visibility="anonymous")
    assert response.status_code == 201
    data = response.get_json()
    start = TEXT.index("Rail and buses")
    assert data["anchor"] == {"start": start, "end": start + 14, "exact": "Rail and buses", "state": "anchored"}
    assert (data["author"], data["author_id"], data["replies"], data["section"]) == (
        "Community member", None, [], "transport")
    reply = client.post(f"/api/v1/comments/{data['id']}/replies", json={"body": "And trams?"},
                        headers={"Authorization": f"Bearer {token_for(world['editor'])}"})
    assert reply.status_code == 201 and reply.get_json()["author"] == "Eddie Editor"
    (listed,) = client.get(f"/api/v1/documents/{world['doc'].id}/comments").get_json()
    assert listed["author"] == "Community member" and listed["author_id"] is None
    assert [r["body_html"] for r in listed["replies"]] == ["<p>And trams?</p>"]


@pytest.mark.parametrize(("exact", "position", "why"), [
    ("Rail and busses", None, "does not match"),
    ("Rail and buses", (0, 14), "does not match"),
    ("Rail and buses", (-1, 13), "out of range"),
])
def test_a_quote_that_does_not_match_the_revision_is_refused(client, world, exact, position, why):
    start, end = position or (TEXT.index("Rail"), TEXT.index("Rail") + len(exact))
    response = client.post(f"/api/v1/documents/{world['doc'].id}/comments", headers=world["api"], json={
        "revision": 1, "quote": {"exact": exact}, "position": {"start": start, "end": end}, "body": "x"})
    assert response.status_code == 422 and why in response.get_json()["error"]
    assert db.session.scalar(select(Thread.id)) is None


def test_api_input_errors(client, world):
    url = f"/api/v1/documents/{world['doc'].id}/comments"
    base = {"revision": 1, "quote": {"exact": "Rail"}, "position": {"start": TEXT.index("Rail"),
                                                                     "end": TEXT.index("Rail") + 4}, "body": "x"}
    cases = [({**base, "visibility": "public"}, 422, "Choose who sees"),
             ({**base, "perspective": "carer"}, 422, "perspective"),
             ({**base, "quote": {"exact": "Rail", "colour": "red"}}, 422, "Unknown field"),
             ({**base, "position": {"start": True, "end": 4}}, 422, "must be an integer"),
             ({**base, "revision": 9}, 404, "does not exist"),
             ({**base, "body": "   "}, 422, "Write your comment")]
    for body, status, message in cases:
        response = client.post(url, json=body, headers=world["api"])
        assert response.status_code == status and message in response.get_json()["error"], (body, response.json)
    assert client.post(url, json=base).status_code == 401


def test_an_edit_elsewhere_and_inside_the_passage_keeps_the_thread_anchored(client, world):
    comment_api(client, world, "Rail and buses link the market towns")
    thread = thread_of("Rail and buses link the market towns")
    new_text = TEXT.replace("# Plan\n\n", "# Plan\n\nA new opening paragraph.\n\n").replace("market towns",
                                                                                            "small market towns")
    save_form(client, world, new_text)
    assert thread.anchor_state == "anchored" and thread.anchored_revision == 2
    assert new_text[thread.start:thread.end] == "Rail and buses link the small market towns"
    assert anchors(thread) == {1: (TEXT.index("Rail"), TEXT.index("Rail") + 36, "anchored"),
                               2: (thread.start, thread.end, "anchored")}
    view = html.unescape(client.get(f"/s/open/{world['doc'].slug}").get_data(as_text=True))
    marked = (r'<p data-block="b-[0-9a-f]{8}" id="b-[0-9a-f]{8}" class="has-comments" data-thread-ids="{id}">'
              r'<a class="comment-marker" href="#thread-{id}" data-comment-ui>')
    assert re.search(marked.replace("{id}", str(thread.id)), view)
    assert "Detached comments" not in view


def test_a_moved_passage_follows_and_changes_section(client, world):
    comment_api(client, world, "Local work for local people, with training for all ages.")
    thread = thread_of("Local work for local people, with training for all ages.")
    assert thread.section == "jobs"
    moved = TEXT.replace("\n\n## Jobs\n\nLocal work for local people, with training for all ages.\n", "\n").replace(
        "Rail and buses", "Local work for local people, with training for all ages.\n\nRail and buses")
    save_form(client, world, moved)
    assert (thread.anchor_state, thread.section) == ("anchored", "transport")
    assert moved[thread.start:thread.end] == "Local work for local people, with training for all ages."


def test_a_deleted_passage_is_orphaned_shown_detached_and_still_anchored_on_the_old_revision(client, world):
    comment_api(client, world, "Housing comes first for everyone", body="Keep this promise")
    thread = thread_of("Housing comes first for everyone")
    save_form(client, world, TEXT.replace("Housing comes first for everyone in the county.\n\n", ""))
    assert thread.anchor_state == "orphaned" and anchors(thread)[2][2] == "orphaned"

    slug = world["doc"].slug
    view = html.unescape(client.get(f"/s/open/{slug}").get_data(as_text=True))
    detached = view.split("Detached comments")[1]
    assert "Keep this promise" in detached and "Housing comes first for everyone" in detached
    assert f'href="/s/open/{slug}/r/1"' in detached
    assert "data-thread-ids" not in view
    (listed,) = client.get(f"/api/v1/documents/{world['doc'].id}/comments").get_json()
    assert listed["anchor"]["state"] == "orphaned" and listed["anchor"]["exact"] == "Housing comes first for everyone"
    orphans = client.get(f"/s/open/{slug}?orphaned=1").get_data(as_text=True)
    assert "Keep this promise" in orphans

    old = html.unescape(client.get(f"/s/open/{slug}/r/1").get_data(as_text=True))
    assert f'data-thread-ids="{thread.id}"' in old and "Detached comments" not in old
    assert "Keep this promise" in old and "Comments on revision 1" in old


def test_threads_made_later_are_not_shown_on_older_revisions(client, world):
    save_form(client, world, TEXT + "\nA closing line.\n")
    text2 = TEXT + "\nA closing line.\n"
    assert comment_api(client, world, "A closing line.", revision=2, text=text2, body="Late thought").status_code == 201
    slug = world["doc"].slug
    assert "Late thought" in client.get(f"/s/open/{slug}").get_data(as_text=True)
    assert "Late thought" not in client.get(f"/s/open/{slug}/r/1").get_data(as_text=True)


def test_a_comment_on_an_older_revision_is_placed_on_the_head_too(client, world):
    save_form(client, world, TEXT.replace("# Plan\n\n", "# Plan\n\nIntro.\n\n"))
    response = comment_api(client, world, "Rail and buses", revision=1)
    assert response.status_code == 201
    thread = thread_of("Rail and buses")
    head_text = TEXT.replace("# Plan\n\n", "# Plan\n\nIntro.\n\n")
    assert anchors(thread) == {1: (TEXT.index("Rail"), TEXT.index("Rail") + 14, "anchored"),
                               2: (head_text.index("Rail"), head_text.index("Rail") + 14, "anchored")}
    assert response.get_json()["anchor"]["start"] == head_text.index("Rail")


def test_threads_left_behind_catch_up_on_the_next_page_view(client, world):
    comment_api(client, world, "Rail and buses")
    thread = thread_of("Rail and buses")
    signals.revision_committed.disconnect(subscribers._reanchor)
    try:
        save_form(client, world, "Intro.\n\n" + TEXT)
    finally:
        signals.revision_committed.connect(subscribers._reanchor)
    assert thread.anchored_revision == 1
    assert "Rail and buses" in client.get(f"/s/open/{world['doc'].slug}").get_data(as_text=True)
    db.session.expire_all()
    assert thread.anchored_revision == 2 and thread.start == TEXT.index("Rail") + len("Intro.\n\n")
    assert set(anchors(thread)) == {1, 2}


def test_openapi_lists_the_comment_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert set(paths["/documents/{document_id}/comments"]) == {"get", "post"}
    for action in ("replies", "resolve", "reopen", "agree"):
        assert "post" in paths[f"/comments/{{comment_id}}/{action}"]
