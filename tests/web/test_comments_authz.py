"""Who may do what with comments: every comment route (HTML and API) × six kinds of visitor × public
and private spaces.

Expectations come from the rules, not from the code (wiki/auth/permissions.py, issue 5):
- reading comments follows can_read (anyone on a public space; members and admins on a private one;
  everyone else gets the same 404 as for a space that does not exist);
- commenting, replying, agreeing and flagging need a signed-in reader (any signed-in user on a
  public space: contributors comment but cannot edit; members on a private one);
- resolving and reopening: editors, facilitators, admins and the thread's author;
- hiding, unhiding, the CSV export and the space's moderation log: facilitators and admins;
- editing and withdrawing: only the comment's author (who is none of the six visitors here).
A refused request changes nothing; an allowed write does exactly its one change.

One app and one set of people per backend serve the module. Reads and refused writes use a shared
thread per space; each allowed write that changes a thread or comment gets a fresh one.
"""

import html
import itertools
from dataclasses import dataclass, field

import pytest
from sqlalchemy import func, select

from tests.factories import add_member, make_document, make_space, make_user, token_for
from tests.worlds import BACKENDS, can_read, logged_in, module_app
from wiki.auth.models import User
from wiki.comments import service
from wiki.comments.models import Comment, CommentAgree, CommentFlag, ModerationAction, Thread
from wiki.documents.models import Document
from wiki.extensions import db

NO_SUCH_SPACE = "No such space, or you do not have access to it."
SLUGS = {"public": "open-comments", "private": "closed-comments"}
ACTORS = ("anonymous", "outsider", "contributor", "editor", "facilitator", "admin")
MEMBER_ROLES = ("contributor", "editor", "facilitator")
TEXT = "# Plan\n\nHousing comes first for everyone here.\n\nTransport links the towns together.\n"
FIRST_BODY = "The shared first comment."
_made = itertools.count(1)


@dataclass
class World:
    app: object
    emails: dict  # (actor, kind) -> email (None: anonymous)
    tokens: dict  # (actor, kind) -> API token
    docs: dict  # kind -> (document id, slug)
    shared: dict  # kind -> (thread id, first comment id)
    clients: dict = field(default_factory=dict)


def _starter():
    return db.session.scalar(select(User).where(User.display_name == "Theo Starter"))


def new_thread(document_id: int, *, state: str = "") -> tuple[int, int]:
    """A thread by the starter on the first paragraph; `state` resolved / hidden if asked."""
    document = db.session.get(Document, document_id)
    start, end, quote = service.locate(db.session, document, document.head_number, exact="Housing comes first")
    thread = service.create_thread(db.session, document, _starter(), revision=document.head_number, start=start,
                                   end=end, quote=quote, body=FIRST_BODY, visibility="named")
    comment_id = thread.comments[0].id
    if state == "resolved":
        service.resolve(db.session, thread, _starter())
    if state == "hidden":
        comment = db.session.get(Comment, comment_id)
        comment.state, comment.hidden_reason = "hidden", "set up"
        db.session.commit()
    return thread.id, comment_id


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "comments-authz", COMMENT_RATE_PER_MINUTE=10_000) as app:
        emails, tokens, docs, shared = {}, {}, {}, {}
        with app.app_context():
            outsider, admin = make_user("Olive Outsider"), make_user("Ada Admin", admin=True)
            starter = make_user("Theo Starter")
            for kind, slug in SLUGS.items():
                space = make_space(slug, private=kind == "private")
                add_member(space, starter, "contributor")
                people = {"outsider": outsider, "admin": admin}
                for role in MEMBER_ROLES:
                    people[role] = make_user(f"{kind.title()} {role.title()}")
                    add_member(space, people[role], role)
                emails[("anonymous", kind)] = None
                for actor, person in people.items():
                    emails[(actor, kind)] = person.email
                    tokens[(actor, kind)] = token_for(person)
                document = make_document(space, admin, "Plan", TEXT)
                docs[kind] = (document.id, document.slug)
                shared[kind] = new_thread(document.id)
            db.session.remove()
        yield World(app, emails, tokens, docs, shared)


def client_for(world: World, actor: str, kind: str):
    return logged_in(world.app, world.clients, world.emails, (actor, kind))


RULES = {
    "read": lambda actor: True,
    "comment": lambda actor: actor != "anonymous",
    "resolve": lambda actor: actor in ("editor", "facilitator", "admin"),
    "facilitate": lambda actor: actor in ("facilitator", "admin"),
    "author": lambda actor: False,
}
REFUSALS = {
    "resolve": "Only editors, facilitators and the person who started this thread",
    "facilitate": "Only facilitators",
    "author": "your own comment",
}


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # HTML: under /s/<space>/ (<doc>, <t>, <c>); API: under /api/v1 (<id>, <c>)
    rule: str
    ok_status: int
    ok_text: str = ""
    api: bool = False
    login: bool = True
    writes: str = ""  # threads | comments | agrees | flags | status | hidden | shown
    fresh: str = ""  # an allowed write needs its own thread: "" (plain), resolved, hidden
    form: dict = field(default_factory=dict)


ROUTES = [
    Route("GET", "<doc>", "read", 200, FIRST_BODY, login=False),
    Route("GET", "<doc>/r/1", "read", 200, FIRST_BODY, login=False),
    Route("GET", "<doc>/comment", "comment", 200, "Choose the paragraph"),
    Route("POST", "<doc>/comments", "comment", 302, writes="threads",
          form={"revision": "1", "exact": "Transport links", "body": "A new thought.", "visibility": "named"}),
    Route("POST", "<doc>/live/comments", "comment", 201, writes="threads",  # from the live editor (JSON answer)
          form={"start": str(TEXT.index("Transport links")), "end": str(TEXT.index("Transport links") + 15),
                "exact": "Transport links", "body": "A live thought.", "visibility": "named"}),
    Route("GET", "<doc>/threads/<t>/reply", "comment", 200, "Reply to a comment"),
    Route("POST", "<doc>/threads/<t>/reply", "comment", 302, writes="comments",
          form={"body": "A reply.", "visibility": "anonymous"}),
    Route("POST", "<doc>/threads/<t>/resolve", "resolve", 302, writes="status", fresh="plain"),
    Route("POST", "<doc>/threads/<t>/reopen", "resolve", 302, writes="status", fresh="resolved"),
    Route("POST", "<doc>/c/<c>/agree", "comment", 302, writes="agrees", fresh="plain"),
    Route("GET", "<doc>/c/<c>/flag", "comment", 200, "Flag a comment"),
    Route("POST", "<doc>/c/<c>/flag", "comment", 302, writes="flags", fresh="plain", form={"reason": "rude"}),
    Route("GET", "<doc>/c/<c>/hide", "facilitate", 200, "Hide a comment"),
    Route("POST", "<doc>/c/<c>/hide", "facilitate", 302, writes="hidden", fresh="plain", form={"reason": "Off topic"}),
    Route("POST", "<doc>/c/<c>/unhide", "facilitate", 302, writes="shown", fresh="hidden"),
    Route("GET", "<doc>/c/<c>/edit", "author", 200),
    Route("POST", "<doc>/c/<c>/edit", "author", 302, form={"body": "Changed by someone else."}),
    Route("POST", "<doc>/c/<c>/withdraw", "author", 302),
    Route("GET", "<doc>/comments.csv", "facilitate", 200, "thread,comment id"),
    Route("GET", "moderation", "facilitate", 200, "Moderation log"),
    Route("GET", "/documents/<id>/comments", "read", 200, FIRST_BODY, api=True, login=False),
    Route("POST", "/documents/<id>/comments", "comment", 201, api=True, writes="threads",
          form={"revision": 1, "quote": {"exact": "Transport"},
                "position": {"start": TEXT.index("Transport"), "end": TEXT.index("Transport") + 9},
                "body": "Via the API."}),
    Route("POST", "/comments/<c>/replies", "comment", 201, api=True, writes="comments", form={"body": "API reply"}),
    Route("POST", "/comments/<c>/resolve", "resolve", 200, api=True, writes="status", fresh="plain"),
    Route("POST", "/comments/<c>/reopen", "resolve", 200, api=True, writes="status", fresh="resolved"),
    Route("POST", "/comments/<c>/agree", "comment", 200, api=True, writes="agrees", fresh="plain"),
]


def expected(route: Route, actor: str, kind: str) -> tuple[int, str]:
    if route.login and actor == "anonymous":
        return (401, "Authentication required") if route.api else (302, "/login?next=")
    if not can_read(actor, kind):
        return 404, "" if route.api else NO_SUCH_SPACE
    if not RULES[route.rule](actor):
        return 403, REFUSALS[route.rule]
    return route.ok_status, route.ok_text


def snapshot(world: World, kind: str, thread_id: int, comment_id: int) -> dict:
    with world.app.app_context():
        document_id = world.docs[kind][0]
        threads = select(Thread.id).where(Thread.document_id == document_id)
        count = lambda model, column: db.session.scalar(  # noqa: E731
            select(func.count()).select_from(model).where(column.in_(threads)))
        comments = select(Comment.id).join(Thread).where(Thread.document_id == document_id)
        state = {
            "threads": count(Thread, Thread.id),
            "comments": count(Comment, Comment.thread_id),
            "agrees": db.session.scalar(select(func.count()).select_from(CommentAgree)
                                        .where(CommentAgree.comment_id.in_(comments))),
            "flags": db.session.scalar(select(func.count()).select_from(CommentFlag)
                                       .where(CommentFlag.comment_id.in_(comments))),
            "actions": db.session.scalar(select(func.count()).select_from(ModerationAction)
                                         .where(ModerationAction.comment_id.in_(comments))),
            "status": db.session.get(Thread, thread_id).status,
            "state": db.session.get(Comment, comment_id).state,
        }
        db.session.remove()
    return state


def _after(before: dict, change: str) -> dict:
    state = dict(before)
    if change in ("threads", "comments"):
        state["comments"] += 1
        state["threads"] += change == "threads"
    elif change in ("agrees", "flags"):
        state[change] += 1
    elif change == "status":
        state["status"] = "open" if before["status"] == "resolved" else "resolved"
    elif change in ("hidden", "shown"):
        state["state"] = "hidden" if change == "hidden" else "published"
        state["actions"] += 1
    return state


CASES = [
    pytest.param(route, actor, kind, id=f"{'API ' if route.api else ''}{route.method} {route.path} | {actor} | {kind}")
    for route in ROUTES for actor in ACTORS for kind in ("public", "private")
]


@pytest.mark.parametrize(("route", "actor", "kind"), CASES)
def test_comment_route_authorisation(world, route, actor, kind):
    status, shown = expected(route, actor, kind)
    allowed = status == route.ok_status and shown == route.ok_text
    document_id, slug = world.docs[kind]
    thread_id, comment_id = world.shared[kind]
    if allowed and route.fresh:
        with world.app.app_context():
            thread_id, comment_id = new_thread(document_id, state=route.fresh if route.fresh != "plain" else "")
            db.session.remove()
    before = snapshot(world, kind, thread_id, comment_id)
    client = client_for(world, actor, kind)
    if route.api:
        path = "/api/v1" + route.path.replace("<id>", str(document_id)).replace("<c>", str(comment_id))
        token = world.tokens.get((actor, kind))
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = world.app.test_client().open(path, method=route.method, headers=headers,
                                                json=route.form if route.method == "POST" else None)
    else:
        path = f"/s/{SLUGS[kind]}/" + route.path.replace("<doc>", slug).replace("<t>", str(thread_id)).replace(
            "<c>", str(comment_id))
        response = client.open(path, method=route.method, data=route.form or None)

    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:1500]
    if status == 302 and shown.startswith("/login"):
        assert response.headers["Location"].startswith(shown)
    elif status == 302:
        assert response.headers["Location"].startswith(f"/s/{SLUGS[kind]}/{slug}#")
    elif shown:
        assert shown in html.unescape(body), body[:1500]
    if status == 404:
        assert FIRST_BODY not in body and "Theo Starter" not in body
    assert snapshot(world, kind, thread_id, comment_id) == _after(before, route.writes if allowed else "")


def test_the_matrix_covers_every_comment_page(world):
    """Each method of each comments.* route (the pages) is in ROUTES: a new one cannot be added
    without saying who may open it."""
    registered = {(method, rule.endpoint) for rule in world.app.url_map.iter_rules()
                  if rule.endpoint.startswith("comments.") for method in rule.methods - {"HEAD", "OPTIONS"}}
    adapter = world.app.url_map.bind("localhost")
    covered = set()
    for route in ROUTES:
        if route.api:
            continue
        path = f"/s/{SLUGS['public']}/" + route.path.replace("<doc>", "plan").replace("<t>", "1").replace("<c>", "1")
        covered.add((route.method, adapter.match(path, method=route.method)[0]))
    assert registered == {(method, endpoint) for method, endpoint in covered if endpoint.startswith("comments.")}
