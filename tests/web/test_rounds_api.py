"""The rounds API (issue 6) and the issue's list of bad input: closes-at before opens-at, a round on
an archived document, a second open round, a disposition on a comment of another round or by a
non-facilitator — each a clear 4xx with a message, never a 500."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import token_for
from tests.web import rounds_helpers
from tests.web.rounds_helpers import START, comment, start
from wiki.comments.models import Comment
from wiki.consultations import service
from wiki.consultations.models import Round
from wiki.documents import service as documents
from wiki.extensions import db

clock = rounds_helpers.rounds_clock  # a fixture
world = rounds_helpers.rounds_world  # a fixture

PASSAGE = "two hundred homes"


def auth(user) -> dict:
    return {"Authorization": f"Bearer {token_for(user)}"}


def iso(delta: timedelta) -> str:
    return (START + delta).isoformat()


def new_round(client, world, **body):
    payload = {"title": "Spring", "opens_at": iso(timedelta(0)), "closes_at": iso(timedelta(days=7)), **body}
    return client.post(f"/api/v1/documents/{world.document.id}/rounds", json=payload, headers=auth(world.facilitator))


def round_comment(client, round_id, user, body="Good idea", revision=None):
    text = db.session.get(Round, round_id).document
    rev = documents.get_revision(db.session, text, db.session.get(Round, round_id).revision_number)
    start_at = rev.text.index(PASSAGE)
    payload = {"quote": {"exact": PASSAGE}, "position": {"start": start_at, "end": start_at + len(PASSAGE)},
               "body": body}
    if revision is not None:
        payload["revision"] = revision
    return client.post(f"/api/v1/rounds/{round_id}/comments", json=payload, headers=auth(user))


def test_start_read_and_list_a_round(client, world, clock):
    response = new_round(client, world, questions=["Why?", {"text": "Buses?", "section": "transport"}],
                         audience="members")
    assert response.status_code == 201
    data = response.get_json()
    assert data["revision"] == 1 and data["state"] == "open" and data["number"] == 1
    assert [q["section"] for q in data["questions"]] == ["", "transport"]
    assert data["progress"] == {"answered": 0, "total": 0}
    got = client.get(f"/api/v1/rounds/{data['id']}").get_json()
    assert got["title"] == "Spring" and got["progress"] is None  # not for an anonymous caller
    assert got["closes_at"] == "2026-05-08T08:00:00+00:00"
    listed = client.get(f"/api/v1/documents/{world.document.id}/rounds").get_json()
    assert [r["id"] for r in listed] == [data["id"]]


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"closes_at": iso(timedelta(hours=-1))}, 422, "must close after it opens"),
    ({"opens_at": iso(timedelta(days=7)), "closes_at": iso(timedelta(days=7))}, 422, "must close after it opens"),
    ({"opens_at": iso(timedelta(days=-9)), "closes_at": iso(timedelta(minutes=-1))}, 422, "in the past"),
    ({"opens_at": "2026-05-01T09:00:00"}, 422, "timezone offset"),
    ({"closes_at": "next friday"}, 422, "not a date and time"),
    ({"closes_at": iso(timedelta(days=400))}, 422, "at most a year"),
    ({"audience": "everyone"}, 422, "Choose who can take part"),
    ({"title": " "}, 422, "title"),
    ({"title": "x" * 201}, 422, "title"),
    ({"questions": [{"text": "Q", "section": "no-such-heading"}]}, 422, "not in the draft"),
    ({"questions": [{"text": "Q", "extra": 1}]}, 422, "Each question"),
    ({"questions": [7]}, 422, "Each question"),
    ({"questions": ["Q"] * 21}, 422, "at most 20"),
    ({"premoderation": "yes"}, 422, "'premoderation' must be true or false"),
    ({"colour": "red"}, 422, "Unknown field"),
])
def test_bad_round_input_is_refused_with_a_message(client, world, clock, body, status, words):
    response = new_round(client, world, **body)
    assert response.status_code == status, response.get_json()
    assert words in response.get_json()["error"]
    assert db.session.scalar(select(Round.id)) is None


def test_malformed_bodies_and_unknown_documents(client, world, clock):
    headers = auth(world.facilitator)
    assert client.post(f"/api/v1/documents/{world.document.id}/rounds", data="{", headers=headers,
                       content_type="application/json").status_code == 400
    assert client.post(f"/api/v1/documents/{world.document.id}/rounds", json=[1], headers=headers).status_code == 400
    assert client.post("/api/v1/documents/999/rounds", json={}, headers=headers).status_code == 404
    assert client.post(f"/api/v1/documents/{2**31}/rounds", json={}, headers=headers).status_code == 404
    assert client.get(f"/api/v1/rounds/{2**31}").status_code == 404
    assert client.get("/api/v1/rounds/12345").get_json()["error"].startswith("No such consultation round")


def test_a_round_on_an_archived_document_is_refused(client, world, clock):
    documents.set_status(db.session, world.document, "archived")
    response = new_round(client, world)
    assert response.status_code == 409 and "archived" in response.get_json()["error"]


def test_a_second_round_while_one_is_open_or_scheduled_is_refused(client, world, clock):
    assert new_round(client, world).status_code == 201
    second = new_round(client, world, opens_at=iso(timedelta(days=8)), closes_at=iso(timedelta(days=9)))
    assert second.status_code == 409 and "Round 1 of this document is still open" in second.get_json()["error"]
    clock.advance(days=7)  # round 1 closed by the clock: a new one may start
    assert new_round(client, world, opens_at=iso(timedelta(days=8)), closes_at=iso(timedelta(days=9))) \
        .status_code == 201
    third = new_round(client, world, opens_at=iso(timedelta(days=10)), closes_at=iso(timedelta(days=11)))
    assert third.status_code == 409 and "Round 2 of this document is still scheduled" in third.get_json()["error"]


def test_only_facilitators_start_rounds(client, world, clock):
    for user in (world.alice, world.editor):
        response = client.post(f"/api/v1/documents/{world.document.id}/rounds", headers=auth(user),
                               json={"title": "x", "opens_at": iso(timedelta(0)), "closes_at": iso(timedelta(days=1))})
        assert response.status_code == 403
    assert client.post(f"/api/v1/documents/{world.document.id}/rounds", json={}).status_code == 401


def test_comments_are_taken_only_while_open_with_the_exact_409_words(client, world, clock):
    round_id = new_round(client, world, opens_at=iso(timedelta(hours=1))).get_json()["id"]
    early = round_comment(client, round_id, world.alice)
    assert early.status_code == 409 and early.get_json() == {"error": "round not open"}
    clock.advance(hours=1)
    posted = round_comment(client, round_id, world.alice, revision=1)
    assert posted.status_code == 201
    assert posted.get_json()["revision"] == 1 and posted.get_json()["anchor"]["exact"] == PASSAGE
    wrong = round_comment(client, round_id, world.alice, revision=2)
    assert wrong.status_code == 422 and "revision 1" in wrong.get_json()["error"]
    clock.advance(days=7)
    late = round_comment(client, round_id, world.bob)
    assert late.status_code == 409 and late.get_json() == {"error": "round closed"}
    first = posted.get_json()["id"]
    reply = client.post(f"/api/v1/comments/{first}/replies", json={"body": "late reply"}, headers=auth(world.bob))
    assert reply.status_code == 409 and reply.get_json()["code"] == "round closed"
    assert db.session.scalar(select(db.func.count(Comment.id))) == 1
    listed = client.get(f"/api/v1/rounds/{round_id}/comments").get_json()
    assert [t["id"] for t in listed] == [first]


def test_closing_by_api_refuses_what_comes_next(client, world, clock):
    round_id = new_round(client, world).get_json()["id"]
    assert client.post(f"/api/v1/rounds/{round_id}/close", headers=auth(world.alice)).status_code == 403
    closed = client.post(f"/api/v1/rounds/{round_id}/close", headers=auth(world.facilitator))
    assert closed.status_code == 200 and closed.get_json()["state"] == "closed"
    assert closed.get_json()["closes_at"] == START.isoformat()
    again = client.post(f"/api/v1/rounds/{round_id}/close", headers=auth(world.facilitator))
    assert again.status_code == 409 and "Only an open round can be closed" in again.get_json()["error"]
    assert round_comment(client, round_id, world.alice).get_json() == {"error": "round closed"}


def test_answers_by_api(client, world, clock):
    data = new_round(client, world, questions=["What matters?", "Anything else?"]).get_json()
    q1, q2 = (q["id"] for q in data["questions"])
    url = f"/api/v1/rounds/{data['id']}/answers"
    saved = client.post(url, json={"answers": {str(q1): "Homes", str(q2): "No"}}, headers=auth(world.alice))
    assert saved.status_code == 200 and saved.get_json() == {"round_id": data["id"], "answers": 2}
    taken_back = client.post(url, json={"answers": {str(q2): ""}}, headers=auth(world.alice))
    assert taken_back.get_json()["answers"] == 1
    for bad, words in [({"answers": {"x": "y"}}, "maps question ids"), ({"answers": {str(q1): 3}}, "maps question"),
                       ({"answers": {"999": "y"}}, "not one of this round's questions"),
                       ({"answers": {}}, "at least one question"), ({"answers": {str(q1): "x" * 5001}}, "limit"),
                       ({"answers": {str(q1): "x"}, "perspective": "carer"}, "perspective you have chosen")]:
        response = client.post(url, json=bad, headers=auth(world.bob))
        assert response.status_code == 422 and words in response.get_json()["error"], bad
    clock.advance(days=7)
    late = client.post(url, json={"answers": {str(q1): "Late"}}, headers=auth(world.bob))
    assert late.status_code == 409 and late.get_json() == {"error": "round closed"}


def test_dispositions_by_api_and_their_refusals(client, world, clock):
    first = start(world, clock, lasts=timedelta(days=1))
    mine = comment(first, world.alice).comments[0].id
    clock.advance(days=1)
    second = start(world, clock, title="Round two")
    other = comment(second, world.bob, body="In round two").comments[0].id
    plain = db.session.get(Comment, other).thread  # a comment outside any round, on the same document
    from wiki.comments import service as comments

    s, e, q = comments.locate(db.session, world.document, 1, exact="clinic opens")
    outside = comments.create_thread(db.session, world.document, world.bob, revision=1, start=s, end=e, quote=q,
                                     body="Not in a round", visibility="named").comments[0].id
    assert plain.round_id == second.id
    url = f"/api/v1/comments/{mine}/disposition"
    body = {"disposition": "accepted", "response": "Done", "themes": ["homes"]}
    assert client.post(url, json=body, headers=auth(world.alice)).status_code == 403
    assert client.post(url, json=body, headers=auth(world.editor)).status_code == 403
    for bad, words in [
        ({**body, "disposition": "maybe"}, "Choose a disposition"),
        ({**body, "response": "  "}, "Write the public response"),
        ({**body, "themes": [1]}, "list of strings"),
        ({**body, "themes": ["x" * 61]}, "60 characters"),
        ({**body, "revision": 1}, "after the consultation draft"),
        ({**body, "revision": 99}, "does not exist"),
        ({**body, "round": second.id}, "another consultation round"),
    ]:
        response = client.post(url, json=bad, headers=auth(world.facilitator))
        assert response.status_code == 422 and words in response.get_json()["error"], bad
    not_round = client.post(f"/api/v1/comments/{outside}/disposition", json=body, headers=auth(world.facilitator))
    assert not_round.status_code == 422 and "not made in a consultation round" in not_round.get_json()["error"]
    done = client.post(url, json=body, headers=auth(world.facilitator))
    assert done.status_code == 200 and done.get_json()["round_id"] == first.id
    assert client.post(f"/api/v1/comments/{2**31}/disposition", json=body,
                       headers=auth(world.facilitator)).status_code == 404


def test_a_disposition_on_another_rounds_comment_through_the_page_is_refused(client, world, clock):
    first = start(world, clock, lasts=timedelta(days=1))
    clock.advance(days=1)
    second = start(world, clock, title="Round two")
    theirs = comment(second, world.bob).comments[0].id
    from tests.factories import login

    login(client, world.facilitator)
    path = f"/s/{world.space.slug}/{world.document.slug}/rounds/{first.id}/c/{theirs}/disposition"
    response = client.post(path, data={"disposition": "noted", "response": "ok"})
    assert response.status_code == 422
    assert "belongs to another consultation round" in response.get_data(as_text=True)


def test_pending_comments_take_no_disposition_until_approved(client, world, clock):
    round_ = start(world, clock, premoderation=True)
    waiting = comment(round_, world.alice).comments[0]
    assert waiting.state == "pending"
    response = client.post(f"/api/v1/comments/{waiting.id}/disposition", headers=auth(world.facilitator),
                           json={"disposition": "noted", "response": "ok"})
    assert response.status_code == 422 and "Approve this comment" in response.get_json()["error"]
    assert service.progress(db.session, round_) == (0, 0)


def test_the_report_by_api(client, world, clock):
    round_ = start(world, clock)
    c = comment(round_, world.alice).comments[0]
    url = f"/api/v1/rounds/{round_.id}/report"
    assert client.get(url).status_code == 404
    assert client.get(url, headers=auth(world.alice)).status_code == 404
    assert client.get(url, headers=auth(world.facilitator)).get_json()["tallies"]["comments"] == 1
    clock.advance(days=14)
    service.set_disposition(db.session, c, world.facilitator, disposition="noted", response="Thanks")
    published = client.post(f"/api/v1/rounds/{round_.id}/publish", headers=auth(world.facilitator))
    assert published.status_code == 200 and published.get_json()["state"] == "published"
    report = client.get(url).get_json()
    assert report["state"] == "published" and report["tallies"]["answered"] == 1
    assert report["tallies"]["you_said_we_did"][0]["disposition_label"] == "Noted"
    csv_response = client.get(url + ".csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    assert "Thanks" in csv_response.get_data(as_text=True)
