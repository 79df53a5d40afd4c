"""Comment flows through the pages and the API: pre-moderation, hiding with a reason (logged), the
15-minute edit window with history, withdrawal, agreeing once, resolving, filters, the no-JavaScript
"comment on this paragraph" path, limits (length, rate), hostile bodies, and the comment_added signal.
Every test runs on SQLite and PostgreSQL.
"""

import html
import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from tests.factories import add_member, login, make_document, make_space, make_user, token_for
from tests.unit.test_xss_corpus import CORPUS_DIR
from wiki import signals, timeutil
from wiki.auth import service as accounts
from wiki.comments import service
from wiki.comments.models import Comment, CommentEdit, ModerationAction, Thread
from wiki.extensions import db

TEXT = ("# Plan\n\nHousing comes **first** for [everyone](https://example.org) here.\n\n"
        "## Transport\n\nRail and buses link the towns.\n\n- Cycle lanes on every road\n- Night buses\n")
CORPUS = CORPUS_DIR  # found from a worktree too (tests/unit/test_xss_corpus.py)


@pytest.fixture
def people(app):
    space = make_space("open")
    people = {"space": space, "outsider": make_user("Olive Outsider")}
    for role in ("contributor", "editor", "facilitator"):
        people[role] = make_user(f"Some {role.title()}")
        add_member(space, people[role], role)
    people["other"] = make_user("Another Contributor")
    add_member(space, people["other"], "contributor")
    people["doc"] = make_document(space, people["editor"], "Plan", TEXT)
    return people


def page(client, doc) -> str:
    return html.unescape(client.get(f"/s/open/{doc.slug}").get_data(as_text=True))


def post_comment(client, doc, body="My comment", exact="Rail and buses", **extra):
    data = {"revision": str(doc.head_number), "exact": exact, "body": body, "visibility": "named", **extra}
    return client.post(f"/s/open/{doc.slug}/comments", data=data)


def as_user(client, user):
    client.post("/logout")
    assert login(client, user).status_code == 302
    return client


def only(model):
    return db.session.scalars(select(model)).one()


def test_premoderation_holds_comments_until_a_facilitator_approves(client, people):
    people["space"].premoderation = True
    db.session.commit()
    doc = people["doc"]
    added = []
    with signals.comment_added.connected_to(lambda sender, **kw: added.append(kw)):
        response = post_comment(as_user(client, people["contributor"]), doc, body="Wait for me")
        assert response.status_code == 302
        assert "awaiting approval" in page(client, doc).lower()
        assert "Wait for me" in page(client, doc)

        assert "Wait for me" not in page(as_user(client, people["other"]), doc)
        assert client.get(f"/api/v1/documents/{doc.id}/comments").get_json() == []

        facilitator_page = page(as_user(client, people["facilitator"]), doc)
        assert "Wait for me" in facilitator_page and "Approve" in facilitator_page
        comment = only(Comment)
        assert comment.state == "pending"
        assert client.post(f"/s/open/{doc.slug}/c/{comment.id}/approve").status_code == 302
    assert "Wait for me" in page(as_user(client, people["other"]), doc)
    assert only(ModerationAction).action == "approve"
    assert [a["comment_id"] for a in added] == [comment.id, comment.id]  # posted, then approved


def test_facilitators_own_comments_skip_premoderation(client, people):
    people["space"].premoderation = True
    db.session.commit()
    post_comment(as_user(client, people["facilitator"]), people["doc"])
    assert only(Comment).state == "published"


def test_hiding_needs_a_reason_which_is_logged_and_shown_to_facilitators_only(client, people):
    doc = people["doc"]
    post_comment(as_user(client, people["contributor"]), doc, body="Rude words here")
    comment = only(Comment)
    as_user(client, people["facilitator"])
    refused = client.post(f"/s/open/{doc.slug}/c/{comment.id}/hide", data={"reason": "  "})
    assert refused.status_code == 422 and "Give a reason" in html.unescape(refused.get_data(as_text=True))
    assert client.post(f"/s/open/{doc.slug}/c/{comment.id}/hide", data={"reason": "Off topic"}).status_code == 302

    text = page(client, doc)
    assert "Hidden by a facilitator: Off topic" in text and "Rude words here" in text and "Show again" in text
    action = only(ModerationAction)
    assert (action.action, action.reason, action.actor_id) == ("hide", "Off topic", people["facilitator"].id)

    other = page(as_user(client, people["other"]), doc)
    assert "Hidden by a facilitator" in other and "Off topic" not in other and "Rude words here" not in other
    (thread,) = client.get(f"/api/v1/documents/{doc.id}/comments").get_json()
    assert thread["state"] == "hidden" and thread["body_html"] == "" and "Off topic" not in str(thread)

    as_user(client, people["facilitator"]).post(f"/s/open/{doc.slug}/c/{comment.id}/unhide")
    assert "Rude words here" in page(as_user(client, people["other"]), doc)
    assert db.session.scalar(select(func.count()).select_from(ModerationAction)) == 2


def test_edit_within_fifteen_minutes_keeps_the_history(client, people, monkeypatch):
    doc = people["doc"]
    post_comment(as_user(client, people["contributor"]), doc, body="Frist draft")
    comment = only(Comment)
    edit_url = f"/s/open/{doc.slug}/c/{comment.id}/edit"
    assert client.get(edit_url).status_code == 200
    assert client.post(edit_url, data={"body": "First draft"}).status_code == 302
    db.session.expire_all()
    assert comment.body == "First draft" and comment.edited_at is not None
    assert [e.body for e in db.session.scalars(select(CommentEdit))] == ["Frist draft"]
    assert "(edited)" in page(client, doc)

    assert as_user(client, people["other"]).post(edit_url, data={"body": "Hijack"}).status_code == 403

    later = timeutil.utcnow() + timedelta(minutes=16)
    monkeypatch.setattr(timeutil, "utcnow", lambda: later)
    as_user(client, people["contributor"])
    assert client.get(edit_url).status_code == 403
    refused = client.post(edit_url, data={"body": "Too late"})
    assert refused.status_code == 403 and "15 minutes" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert comment.body == "First draft"


def test_withdrawing_removes_the_text_and_its_history(client, people):
    doc = people["doc"]
    post_comment(as_user(client, people["contributor"]), doc, body="Regret this")
    comment = only(Comment)
    client.post(f"/s/open/{doc.slug}/c/{comment.id}/edit", data={"body": "Regret this a lot"})
    assert as_user(client, people["other"]).post(f"/s/open/{doc.slug}/c/{comment.id}/withdraw").status_code == 403
    assert as_user(client, people["contributor"]).post(f"/s/open/{doc.slug}/c/{comment.id}/withdraw").status_code == 302
    db.session.expire_all()
    assert (comment.body, comment.body_html, comment.state) == ("", "", "withdrawn")
    assert db.session.scalar(select(func.count()).select_from(CommentEdit)) == 0
    text = page(as_user(client, people["other"]), doc)
    assert "comment withdrawn" in text and "Regret" not in text


def test_agreeing_counts_once_and_not_for_your_own_comment(client, people):
    doc = people["doc"]
    post_comment(as_user(client, people["contributor"]), doc)
    comment = only(Comment)
    assert client.post(f"/s/open/{doc.slug}/c/{comment.id}/agree").status_code == 403  # own comment
    as_user(client, people["other"])
    for _ in range(2):
        assert client.post(f"/s/open/{doc.slug}/c/{comment.id}/agree").status_code == 302
    assert "1 person agrees" in page(client, doc)
    headers = {"Authorization": f"Bearer {token_for(people['editor'])}"}
    for _ in range(2):
        response = client.post(f"/api/v1/comments/{comment.id}/agree", headers=headers)
        assert response.get_json() == {"id": comment.id, "agree_count": 2, "agreed_by_me": True}
    response = client.delete(f"/api/v1/comments/{comment.id}/agree", headers=headers)
    assert response.get_json()["agree_count"] == 1


def test_resolve_and_reopen_by_the_thread_author_editors_and_facilitators(client, people):
    doc = people["doc"]
    post_comment(as_user(client, people["contributor"]), doc)
    thread = only(Thread)
    url = f"/s/open/{doc.slug}/threads/{thread.id}"
    assert client.post(url + "/resolve").status_code == 302  # the author
    assert as_user(client, people["other"]).post(url + "/reopen").status_code == 403
    assert as_user(client, people["editor"]).post(url + "/reopen").status_code == 302
    assert as_user(client, people["facilitator"]).post(url + "/resolve").status_code == 302
    db.session.expire_all()
    assert thread.status == "resolved" and thread.resolved_by_id == people["facilitator"].id
    assert "Reopen" in page(client, doc)


def test_filters_by_section_status_perspective_and_orphaned(client, people):
    doc, contributor = people["doc"], people["contributor"]
    accounts.update_profile(db.session, contributor, contributor.display_name, ["carer"], True)
    as_user(client, contributor)
    post_comment(client, doc, body="About housing", exact="Housing comes")
    post_comment(client, doc, body="About rail", exact="Rail and buses", perspective="carer")
    rail = db.session.scalar(select(Thread).where(Thread.quote_exact == "Rail and buses"))
    assert rail.section == "transport"
    client.post(f"/s/open/{doc.slug}/threads/{rail.id}/resolve")

    def shown(query: str) -> set[str]:
        text = client.get(f"/s/open/{doc.slug}?{query}").get_data(as_text=True)
        return {body for body in ("About housing", "About rail") if body in text}

    assert shown("") == {"About housing", "About rail"}
    assert shown("section=transport") == {"About rail"}
    assert shown("status=open") == {"About housing"}
    assert shown("perspective=carer") == {"About rail"}
    assert shown("orphaned=1") == set()
    api = client.get(f"/api/v1/documents/{doc.id}/comments?section=plan").get_json()
    assert [t["body_html"] for t in api] == ["<p>About housing</p>"]


def test_comment_on_a_paragraph_without_javascript(client, people):
    doc = people["doc"]
    as_user(client, people["outsider"])  # a public space: any signed-in reader may comment
    choose = client.get(f"/s/open/{doc.slug}/comment").get_data(as_text=True)
    links = re.findall(r'href="(/s/open/plan/comment\?block=[^"]+)"', choose)
    assert len(links) >= 5  # headings, paragraphs, list items
    form_page = html.unescape(client.get(links[1]).get_data(as_text=True))
    assert "Housing comes first for everyone here." in form_page and "data-comment-form" in form_page
    block = re.search(r'name="block" type="hidden" value="([^"]+)"', form_page) or re.search(
        r'value="(b-[0-9a-f]{8})"', form_page)
    response = client.post(f"/s/open/{doc.slug}/comments",
                           data={"revision": "1", "block": block.group(1), "body": "Whole paragraph",
                                 "visibility": "anonymous"})
    assert response.status_code == 302 and "#thread-" in response.headers["Location"]
    thread = only(Thread)
    assert thread.quote_exact == "Housing comes **first** for [everyone](https://example.org) here."
    assert client.get(f"/s/open/{doc.slug}/comment?block=b-00000000").status_code == 404


def test_selected_rendered_text_is_found_in_the_markdown(client, people):
    doc = people["doc"]
    as_user(client, people["contributor"])
    assert post_comment(client, doc, exact="first for everyone").status_code == 302
    thread = only(Thread)
    assert TEXT[thread.start:thread.end] == "first** for [everyone"
    missing = post_comment(client, doc, exact="words that are not there")
    assert missing.status_code == 422 and "could not be found" in missing.get_data(as_text=True)


def test_the_page_script_gets_json_back(client, people):
    doc = people["doc"]
    as_user(client, people["contributor"])
    response = client.post(f"/s/open/{doc.slug}/comments", headers={"Accept": "application/json"},
                           data={"revision": "1", "exact": "Night buses", "body": "Yes", "visibility": "named"})
    assert response.status_code == 201
    data = response.get_json()
    assert f'id="thread-{data["thread_id"]}"' in data["html"] and "data-thread" in data["html"]
    refused = client.post(f"/s/open/{doc.slug}/comments", headers={"Accept": "application/json"},
                          data={"revision": "1", "exact": "Night buses", "body": "x" * 6000})
    assert refused.status_code == 422 and "limit is 5,000" in refused.get_json()["error"]


def test_length_cap_and_rate_limit_have_clear_messages(app, client, people):
    doc = people["doc"]
    as_user(client, people["contributor"])
    too_long = post_comment(client, doc, body="x" * 5001)
    assert too_long.status_code == 422
    assert "5,001 characters long; the limit is 5,000" in html.unescape(too_long.get_data(as_text=True))
    headers = {"Authorization": f"Bearer {token_for(people['contributor'])}"}
    start = TEXT.index("Rail")
    body = {"revision": 1, "quote": {"exact": "Rail"}, "position": {"start": start, "end": start + 4}, "body": "ok"}
    app.config["COMMENT_RATE_PER_MINUTE"] = 3
    statuses = [client.post(f"/api/v1/documents/{doc.id}/comments", json=body, headers=headers) for _ in range(4)]
    assert [r.status_code for r in statuses] == [201, 201, 201, 429]
    assert "3 comments a minute" in statuses[-1].get_json()["error"] and int(statuses[-1].headers["Retry-After"]) > 0
    page_refusal = post_comment(client, doc)
    assert page_refusal.status_code == 429 and "Try again in" in page_refusal.get_data(as_text=True)


def test_replies_in_a_facilitators_only_thread_stay_facilitators_only(client, people):
    doc = people["doc"]
    post_comment(as_user(client, people["contributor"]), doc, body="For facilitators", visibility="facilitators")
    thread = only(Thread)
    as_user(client, people["facilitator"]).post(f"/s/open/{doc.slug}/threads/{thread.id}/reply",
                                                 data={"body": "Noted, thanks", "visibility": "named"})
    assert [c.visibility for c in db.session.scalars(select(Comment))] == ["facilitators", "facilitators"]
    assert "Noted, thanks" not in page(as_user(client, people["other"]), doc)


class _BodyAudit(HTMLParser):
    """Dangerous markup inside rendered comment bodies (div.comment-body) of a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth, self.problems, self.bodies = 0, [], 0

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if self.depth:
            self.depth += tag == "div"
            if tag in ("script", "iframe", "object", "embed", "svg", "math", "style", "form", "img", "base"):
                self.problems.append(tag)
            for name, value in attrs:
                if name.startswith("on") or name in ("style", "srcdoc") or (
                        name in ("href", "src") and re.match(r"\s*(javascript|data|vbscript):", value or "", re.I)):
                    self.problems.append(f"{tag} {name}={value!r}")
        elif tag == "div" and values.get("class") == "comment-body":
            self.depth, self.bodies = 1, self.bodies + 1

    def handle_endtag(self, tag):
        if self.depth and tag == "div":
            self.depth -= 1


@pytest.mark.skipif(not CORPUS.is_dir(), reason="XSS corpus not found")
def test_xss_corpus_lines_as_comment_bodies_render_inert(app, client, people):
    app.config["COMMENT_RATE_PER_MINUTE"] = 10_000
    lines = []
    for corpus in sorted(CORPUS.glob("*.txt")):
        payloads = [line for line in corpus.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        lines += payloads[:: max(1, len(payloads) // 12)][:12]  # a spread from every file
    doc, contributor = people["doc"], people["contributor"]
    start, end, quote = service.locate(db.session, doc, 1, exact="Night buses")
    thread = service.create_thread(db.session, doc, contributor, revision=1, start=start, end=end, quote=quote,
                                   body="Start", visibility="named")
    for line in lines:
        service.reply(db.session, thread, contributor, line[:5000])
    audit = _BodyAudit()
    audit.feed(as_user(client, people["other"]).get(f"/s/open/{doc.slug}").get_data(as_text=True))
    assert audit.problems == []
    assert audit.bodies >= len(lines) - 5  # (a payload that is only an HTML comment renders as nothing)
    (api,) = client.get(f"/api/v1/documents/{doc.id}/comments").get_json()
    for reply in api["replies"]:
        check = _BodyAudit()
        check.feed(f'<div class="comment-body">{reply["body_html"]}</div>')
        assert check.problems == [], reply["body_html"]


def test_flags_reach_facilitators_only(client, people):
    doc = people["doc"]
    post_comment(as_user(client, people["contributor"]), doc, body="Questionable")
    comment = only(Comment)
    assert client.post(f"/s/open/{doc.slug}/c/{comment.id}/flag").status_code == 403  # not your own
    for _ in range(2):  # once per person, however often asked
        as_user(client, people["other"]).post(f"/s/open/{doc.slug}/c/{comment.id}/flag", data={"reason": "Rude"})
    assert "Flagged for facilitators" not in page(client, doc)
    assert "Flagged for facilitators by 1 person" in page(as_user(client, people["facilitator"]), doc)


def test_every_change_to_a_comment_is_announced_after_it_is_saved(client, people):
    """Search and notifications learn of edits, withdrawals, moderation and resolution through
    comment_changed; each is sent once, with the comment it concerns."""
    doc = people["doc"]
    post_comment(as_user(client, people["contributor"]), doc, body="First words")
    comment = only(Comment)
    url, thread_url = f"/s/open/{doc.slug}/c/{comment.id}", f"/s/open/{doc.slug}/threads/{comment.thread_id}"
    changes = []

    def record(sender, **kw):
        changes.append((kw["change"], kw["comment_id"], kw["document_id"]))

    with signals.comment_changed.connected_to(record):
        client.post(url + "/edit", data={"body": "Better words"})
        client.post(thread_url + "/resolve")
        client.post(thread_url + "/reopen")
        as_user(client, people["facilitator"]).post(url + "/hide", data={"reason": "Check"})
        client.post(url + "/unhide")
        as_user(client, people["contributor"]).post(url + "/withdraw")
        client.post(url + "/withdraw")  # already withdrawn: refused, nothing announced
    assert changes == [(change, comment.id, doc.id)
                       for change in ("edited", "resolved", "reopened", "hidden", "unhidden", "withdrawn")]
