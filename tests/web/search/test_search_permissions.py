"""Search only ever returns what the searcher may read: every kind of searcher × public/private space ×
comment visibility (named / anonymous / facilitators only) × comment state (published / pending /
hidden / withdrawn), through the JSON API and the page, on each backend. Anonymous authors are never
found by, or shown under, their name. Consultation rounds and facilitators' responses too: every
searcher × public/private space × report published or not.

Expectations are written out here from issue 5 and issue 7, independently of wiki/comments/rules.py.
"""

import html
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD, add_member, make_document, make_space, make_user, token_for
from tests.web.search.conftest import BACKENDS, flush, search_app_for
from wiki.comments import service as comments
from wiki.comments.models import Comment
from wiki.consultations import responding
from wiki.consultations import service as rounds
from wiki.extensions import db

AUTHOR = "Aisha Authorname"
SPACES = {"open": False, "closed": True}  # slug → private
VISIBILITIES = ("named", "anonymous", "facilitators")
STATES = ("published", "pending", "hidden", "withdrawn")
VIEWERS = ("anonymous", "outsider", "contributor", "editor", "facilitator", "admin", "author")
MEMBERS = ("contributor", "editor", "facilitator", "author")
TEXT = "# Plan\n\nHousing comes first for everyone here.\n"


def word(space: str, visibility: str, state: str) -> str:
    """A word found in one comment only."""
    return f"qx{space}{visibility[:4]}{state[:4]}"


@dataclass
class World:
    app: object
    tokens: dict
    emails: dict
    clients: dict = field(default_factory=dict)


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"search-permissions-{request.param}")
    with search_app_for(request, request.param, folder, COMMENT_RATE_PER_MINUTE=1000) as app:
        people = {"outsider": make_user("Olive Outsider"), "admin": make_user("Ada Admin", admin=True),
                  "author": make_user(AUTHOR)}
        for role in ("contributor", "editor", "facilitator"):
            people[role] = make_user(f"Some {role.title()}")
        for slug, private in SPACES.items():
            space = make_space(slug, private=private)
            for role in ("contributor", "editor", "facilitator"):
                add_member(space, people[role], role)
            add_member(space, people["author"], "contributor")
            document = make_document(space, people["admin"], f"Plan {slug}", TEXT)
            for state in STATES:
                space.premoderation = state == "pending"
                db.session.commit()
                for visibility in VISIBILITIES:
                    _comment(document, people, word(slug, visibility, state), visibility, state)
            for published in (True, False):
                _answered_round(space, people, slug, published)
        flush(app)
        tokens = {viewer: token_for(person) for viewer, person in people.items()}
        emails = {viewer: person.email for viewer, person in people.items()}
        db.session.remove()
        yield World(app, tokens, emails)


def _comment(document, people, body: str, visibility: str, state: str) -> None:
    start, end, quote = comments.locate(db.session, document, 1, exact="Housing comes first")
    thread = comments.create_thread(db.session, document, people["author"], revision=1, start=start, end=end,
                                    quote=quote, body=f"We want {body} now", visibility=visibility)
    comment = db.session.scalar(select(Comment).where(Comment.thread_id == thread.id))
    if state == "hidden":
        comments.hide(db.session, comment, people["facilitator"], "Off topic")
    elif state == "withdrawn":
        comments.withdraw(db.session, comment, people["author"])
    assert comment.state == state


REPORTS = {True: "published", False: "unpublished"}


def round_word(space: str, published: bool, what: str) -> str:
    """A word found in one round's title ("round") or one response ("answer") only."""
    return f"qr{space}{REPORTS[published][:5]}{what}"


def _answered_round(space, people, slug: str, published: bool) -> None:
    """A round on a document of its own, one named comment in it answered; its report published or not."""
    facilitator = people["facilitator"]
    document = make_document(space, facilitator, f"Round plan {slug} {REPORTS[published]}", TEXT)
    at = datetime.now(UTC)
    round_ = rounds.start_round(db.session, document, facilitator, rounds.RoundSpec(
        title=f"Listening {round_word(slug, published, 'round')}", opens_at=at, closes_at=at + timedelta(days=14)))
    start, end, quote = comments.locate(db.session, document, round_.revision_number, exact="Housing comes first")
    thread = comments.create_thread(db.session, document, people["author"], revision=round_.revision_number,
                                    start=start, end=end, quote=quote, body="Round comment", visibility="named",
                                    round_id=round_.id)
    rounds.force(db.session, round_, facilitator, "close")
    answered = db.session.scalar(select(Comment).where(Comment.thread_id == thread.id))
    responding.set_disposition(db.session, answered, facilitator, disposition="accepted",
                               response=f"We did {round_word(slug, published, 'answer')}")
    if published:
        rounds.force(db.session, round_, facilitator, "publish")


def api(world: World, viewer: str, query: str, **params) -> dict:
    headers = {"Authorization": f"Bearer {world.tokens[viewer]}"} if viewer != "anonymous" else {}
    response = world.app.test_client().get("/api/v1/search", query_string={"q": query, **params}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def results_list(shown: str) -> str:
    start = shown.index('<ol class="search-results"')
    return shown[start:shown.index("</ol>", start)]


def page(world: World, viewer: str, query: str) -> str:
    if viewer not in world.clients:
        client = world.app.test_client()
        if viewer != "anonymous":
            assert client.post("/login", data={"email": world.emails[viewer], "password": PASSWORD}).status_code == 302
        world.clients[viewer] = client
    return html.unescape(world.clients[viewer].get("/search", query_string={"q": query}).get_data(as_text=True))


def reads(viewer: str, space: str) -> bool:
    return not SPACES[space] or viewer in (*MEMBERS, "admin")


def may_find(viewer: str, space: str, visibility: str, state: str) -> bool:
    if not reads(viewer, space) or state == "withdrawn":
        return False
    if viewer in ("facilitator", "admin", "author"):
        return True
    return visibility != "facilitators" and state == "published"


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("space", SPACES)
def test_a_comment_is_found_only_by_those_who_may_read_it(world, viewer, space):
    """All twelve visibility × state combinations of one space in one search (OR), each expected or not."""
    cases = {word(space, v, st): (v, st) for v in VISIBILITIES for st in STATES}
    body = api(world, viewer, " OR ".join(cases))
    found = {}
    for result in body["results"]:
        assert result["type"] == "comment" and result["space"] == space
        assert result["url"].endswith(f"#comment-{result['id']}")
        words = [w for w in cases if w in result["snippet_html"]]
        assert len(words) == 1, result
        found[cases[words[0]]] = result["id"]
    expected = {case for case in cases.values() if may_find(viewer, space, *case)}
    assert set(found) == expected
    assert body["total"] == len(expected)


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("space", SPACES)
def test_documents_of_a_space_are_found_by_its_readers_only(world, viewer, space):
    titles = {r["title"] for r in api(world, viewer, "housing")["results"]}
    assert (f"Plan {space}" in titles) == reads(viewer, space)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_no_comment_is_found_by_its_authors_name(world, viewer):
    for query in ("Aisha", "Authorname", f'"{AUTHOR}"'):
        assert [r for r in api(world, viewer, query)["results"] if r["type"] == "comment"] == []


@pytest.mark.parametrize("viewer", VIEWERS)
def test_an_anonymous_comment_never_shows_its_authors_name_in_results(world, viewer):
    query = word("open", "anonymous", "published")
    shown = results_list(page(world, viewer, query))
    assert f"{query}</mark>" in shown
    assert "Community member" in shown and AUTHOR not in shown


@pytest.mark.parametrize("viewer", ("anonymous", "outsider", "contributor", "facilitator"))
def test_a_named_comment_shows_its_author(world, viewer):
    assert AUTHOR in results_list(page(world, viewer, word("open", "named", "published")))


@pytest.mark.parametrize("viewer", VIEWERS)
def test_type_counts_only_count_what_the_searcher_may_find(world, viewer):
    everything = " OR ".join(word(s, v, st) for s in SPACES for v in VISIBILITIES for st in STATES[:2])
    expected = sum(may_find(viewer, s, v, st) for s in SPACES for v in VISIBILITIES for st in STATES[:2])
    text = page(world, viewer, everything).replace('<span class="count">', "").replace("</span>", "")
    assert f"All ({expected})" in text
    assert api(world, viewer, everything)["total"] == expected


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("space", SPACES)
def test_rounds_and_responses_are_found_only_by_those_who_may_read_them(world, viewer, space):
    """A round by its space's readers; a response by them once the report is published, before that
    by facilitators (and admins) only — never by the commenter, never from outside a private space."""
    for published in (True, False):
        found_round = api(world, viewer, round_word(space, published, "round"), type="round")["total"]
        assert found_round == int(reads(viewer, space)), (published, "round")
        may_see = reads(viewer, space) and (published or viewer in ("facilitator", "admin"))
        answers = api(world, viewer, round_word(space, published, "answer"))
        assert [r["type"] for r in answers["results"]] == ["response"] * int(may_see), (published, "response")
        if may_see:
            assert answers["results"][0]["url"].rsplit("#", 1)[1].startswith("response-")
