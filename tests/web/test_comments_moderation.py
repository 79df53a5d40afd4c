"""The moderation log (/s/<space>/moderation), the flag / hide forms on pages of their own, and a
document page whose threads share their forms instead of carrying one each. SQLite and PostgreSQL.
"""

import html
import re

import pytest

from tests.factories import add_member, login, make_document, make_space, make_user
from wiki.comments import service
from wiki.comments.models import Comment
from wiki.extensions import db

TEXT = "# Plan\n\nHousing comes first for everyone here.\n\nRail and buses link the towns.\n"
ONLY_FACILITATORS = "Only facilitators can manage this space."


@pytest.fixture
def people(app):
    space = make_space("open", title="Open plan")
    people = {"space": space}
    for role in ("contributor", "editor", "facilitator"):
        people[role] = make_user(f"Some {role.title()}")
        add_member(space, people[role], role)
    people["doc"] = make_document(space, people["editor"], "Housing plan", TEXT)
    return people


def as_user(client, user):
    client.post("/logout")
    if user is not None:
        assert login(client, user).status_code == 302
    return client


def comment_on(people, exact: str, body: str, visibility: str = "named") -> Comment:
    doc = people["doc"]
    start, end, quote = service.locate(db.session, doc, doc.head_number, exact=exact)
    thread = service.create_thread(db.session, doc, people["contributor"], revision=doc.head_number, start=start,
                                   end=end, quote=quote, body=body, visibility=visibility)
    return thread.comments[0]


def entries(body: str) -> list[str]:
    return re.findall(r'<li class="moderation-entry.*?</li>', body, re.S)


def test_the_log_lists_each_action_newest_first_with_who_when_why_and_links(client, people):
    first = comment_on(people, "Housing comes first", "Rents are too high.")
    second = comment_on(people, "Rail and buses", "Buses <b>never</b> come.")
    ids = {"first": (first.id, first.thread_id), "second": (second.id, second.thread_id)}
    as_user(client, people["facilitator"])
    slug = people["doc"].slug
    assert client.post(f"/s/open/{slug}/c/{ids['first'][0]}/hide", data={"reason": "Off topic"}).status_code == 302
    assert client.post(f"/s/open/{slug}/c/{ids['first'][0]}/unhide").status_code == 302
    reason = '<script>alert("x")</script> personal details'
    assert client.post(f"/s/open/{slug}/c/{ids['second'][0]}/hide", data={"reason": reason}).status_code == 302

    response = client.get("/s/open/moderation")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<script>alert" not in body and "<b>never</b>" not in body  # escaped, never markup
    shown = [" ".join(html.unescape(re.sub(r"<[^>]+>", "", entry)).split()) for entry in entries(body)]
    assert len(shown) == 3
    assert "Hid a comment" in shown[0] and reason in shown[0] and "Buses <b>never</b> come." in shown[0]
    assert "Showed a hidden comment again" in shown[1]
    assert "Hid a comment" in shown[2] and "Reason: Off topic" in shown[2]
    for text in shown:
        assert "by Some Facilitator" in text and "Housing plan" in text and "UTC" in text
    newest = entries(body)[0]
    comment_id, thread_id = ids["second"]
    assert f'href="/s/open/{slug}#comment-{comment_id}"' in newest
    assert f'href="/s/open/{slug}#thread-{thread_id}"' in newest
    assert f'href="/s/open/{slug}"' in newest


def test_the_log_keeps_anonymous_authors_anonymous_and_other_spaces_out(client, people):
    secret = comment_on(people, "Housing comes first", "Said without my name.", visibility="anonymous")
    elsewhere = make_space("other", title="Other plan")
    add_member(elsewhere, people["facilitator"], "facilitator")
    other_doc = make_document(elsewhere, people["facilitator"], "Other doc", TEXT)
    start, end, quote = service.locate(db.session, other_doc, 1, exact="Rail and buses")
    other = service.create_thread(db.session, other_doc, people["facilitator"], revision=1, start=start, end=end,
                                  quote=quote, body="In another space.", visibility="named").comments[0]
    service.hide(db.session, secret, people["facilitator"], "Rude")
    service.hide(db.session, other, people["facilitator"], "Elsewhere")

    body = html.unescape(as_user(client, people["facilitator"]).get("/s/open/moderation").get_data(as_text=True))
    assert len(entries(body)) == 1
    assert "Community member" in body and "Some Contributor" not in body
    assert "Elsewhere" not in body and "In another space." not in body


def test_an_erased_moderators_actions_stay_without_a_name(client, people):
    from wiki.privacy import service as privacy

    comment = comment_on(people, "Rail and buses", "Too slow.")
    leaving = make_user("Fay Leaving")
    add_member(people["space"], leaving, "facilitator")
    service.hide(db.session, comment, leaving, "Personal details")
    privacy.erase_account(db.session, leaving)

    body = html.unescape(as_user(client, people["facilitator"]).get("/s/open/moderation").get_data(as_text=True))
    assert "Reason: Personal details" in body
    assert "Fay Leaving" not in body and "deleted participant" in body


def test_the_log_is_paginated(app, client, people):
    app.config["PER_PAGE"] = 2
    comments = [comment_on(people, exact, f"Comment {n}") for n, exact in
                enumerate(["Housing comes", "first for everyone", "Rail and buses"])]
    for comment in comments:
        service.hide(db.session, comment, people["facilitator"], f"Reason {comment.body}")
    as_user(client, people["facilitator"])

    first = html.unescape(client.get("/s/open/moderation").get_data(as_text=True))
    assert "Page 1 of 2" in first and "Reason Comment 2" in first and "Reason Comment 1" in first
    assert "Reason Comment 0" not in first
    second = html.unescape(client.get("/s/open/moderation?page=2").get_data(as_text=True))
    assert "Reason Comment 0" in second and "Reason Comment 2" not in second
    odd = client.get("/s/open/moderation?page=abc")
    assert odd.status_code == 200 and "Reason Comment 2" in odd.get_data(as_text=True)
    beyond = client.get("/s/open/moderation?page=99")
    assert beyond.status_code == 200 and "There is no page 99: the log has 2 pages." in beyond.get_data(as_text=True)


@pytest.mark.parametrize("role", ["contributor", "editor"])
def test_other_members_are_refused_and_see_no_link(client, people, role):
    as_user(client, people[role])
    response = client.get("/s/open/moderation")
    assert response.status_code == 403 and ONLY_FACILITATORS in html.unescape(response.get_data(as_text=True))
    assert "Moderation log" not in client.get("/s/open/").get_data(as_text=True)
    assert "Moderation log" not in client.get(f"/s/open/{people['doc'].slug}").get_data(as_text=True)


def test_facilitators_find_the_log_from_the_space_and_the_document(client, people):
    as_user(client, people["facilitator"])
    link = 'href="/s/open/moderation"'
    assert link in client.get("/s/open/").get_data(as_text=True)
    assert link in client.get(f"/s/open/{people['doc'].slug}").get_data(as_text=True)
    empty = client.get("/s/open/moderation").get_data(as_text=True)
    assert "No moderation yet" in empty


def test_a_document_may_not_take_the_logs_address(client, people):
    doc = make_document(people["space"], people["editor"], "Moderation", TEXT)
    assert doc.slug == "moderation-2"


# --- forms on demand -------------------------------------------------------------------------------


def test_hide_and_flag_have_pages_of_their_own_that_post_as_before(client, people):
    comment = comment_on(people, "Housing comes first", "Rents are too high.")
    slug = people["doc"].slug
    as_user(client, people["facilitator"])
    page = html.unescape(client.get(f"/s/open/{slug}/c/{comment.id}/hide").get_data(as_text=True))
    assert "Hide a comment" in page and "Rents are too high." in page
    assert "Reason (shown to facilitators, logged)" in page
    assert f'action="/s/open/{slug}/c/{comment.id}/hide"' in page
    assert client.post(f"/s/open/{slug}/c/{comment.id}/hide", data={"reason": "Off topic"}).status_code == 302
    assert db.session.get(Comment, comment.id).state == "hidden"
    # hidden already: a second hide form is refused with a reason, not shown
    again = client.get(f"/s/open/{slug}/c/{comment.id}/hide")
    assert again.status_code == 422 and "cannot be hidden now" in again.get_data(as_text=True)

    other = comment_on(people, "Rail and buses", "Trains too.")
    as_user(client, people["editor"])
    flag = html.unescape(client.get(f"/s/open/{slug}/c/{other.id}/flag").get_data(as_text=True))
    assert "What is wrong? (optional)" in flag and f'action="/s/open/{slug}/c/{other.id}/flag"' in flag
    assert client.get(f"/s/open/{slug}/c/{other.id}/hide").status_code == 403
    as_user(client, people["contributor"])  # the author does not flag their own comment
    assert client.get(f"/s/open/{slug}/c/{other.id}/flag").status_code == 403


def test_threads_carry_links_and_shared_buttons_not_a_form_each(client, people):
    for exact in ("Housing comes", "first for everyone", "Rail and buses"):
        comment_on(people, exact, f"About {exact}.")
    as_user(client, people["facilitator"])
    slug = people["doc"].slug
    body = client.get(f"/s/open/{slug}").get_data(as_text=True)
    threads = re.findall(r'<li class="comment-thread.*?data-inline-form="reply">', body, re.S)
    assert len(threads) == 3
    for thread in threads:
        assert "<form" not in thread and "csrf_token" not in thread
        assert 'form="comment-actions"' in thread  # agree, resolve: through the page's one form
        assert re.search(rf'href="/s/open/{slug}/c/\d+/hide" data-inline-form="hide"', thread)
        assert re.search(rf'href="/s/open/{slug}/c/\d+/flag" data-inline-form="flag"', thread)
    assert body.count('id="comment-actions"') == 1
    assert body.count('<template data-inline-form="reply">') == 1
    assert body.count('name="reason"') == 2  # the flag and hide templates, once each
    # the shared form posts an action without JavaScript: the button's formaction is the address
    agree = re.search(rf'formaction="(/s/open/{slug}/c/(\d+)/agree)"', body)
    token = re.search(r'id="comment-actions".*?name="csrf_token" value="([^"]+)"', body, re.S).group(1)
    assert client.post(agree.group(1), data={"csrf_token": token}).status_code == 302
    assert "1 person agrees" in client.get(f"/s/open/{slug}").get_data(as_text=True)


def test_a_contributor_sees_no_hide_form_template(client, people):
    comment_on(people, "Rail and buses", "Mine.")
    other = make_user("Second Contributor")
    add_member(people["space"], other, "contributor")
    body = as_user(client, other).get(f"/s/open/{people['doc'].slug}").get_data(as_text=True)
    assert '<template data-inline-form="flag">' in body and 'data-inline-form="hide"' not in body
