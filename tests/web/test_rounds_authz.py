"""Who may do what with consultation rounds: every round route (pages and API) × six kinds of
visitor × a public and a private space.

Expectations come from the rules (wiki/auth/permissions.py, issue 6), not from the code:
- reading a round, its list and its comments follows can_read (everyone else: the same 404 as a
  space that does not exist);
- taking part (commenting, answering) needs a signed-in reader in the round's audience: the public
  space's round is for members and invited people (an outsider is refused with 403), the private
  one for members;
- running a round (start, edit, moves, responding, offline responses, invite links, an unpublished
  report) is for facilitators and site admins: other readers get 403 (404 for an unpublished
  report: it does not exist for them yet);
- anonymous visitors are sent to log in by pages that need an account, and get 401 from the API.
Allowed writes are chosen so they leave the world usable for the next case (a move that does not
apply answers 409 — past the permission check; a close happens on a round kept for that).
"""

import html
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from tests.factories import add_member, make_document, make_space, make_user
from tests.web.rounds_helpers import TEXT, Clock, comment
from tests.worlds import BACKENDS, can_read, logged_in, module_app
from wiki.consultations import lifecycle, service
from wiki.extensions import db

NO_SUCH_SPACE = "No such space, or you do not have access to it."
SLUGS = {"public": "open-rounds", "private": "closed-rounds"}
ACTORS = ("anonymous", "outsider", "contributor", "editor", "facilitator", "admin")
MEMBER_ROLES = ("contributor", "editor", "facilitator")
RUNNERS = ("facilitator", "admin")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # placeholders: {space} {doc} {docid} {round} {closing} {published} {comment} {invite} {q}
    need: str  # read | login_read | take_part | facilitate | report
    ok: tuple = (200,)  # statuses an allowed caller may get (a 409 is "allowed, but not now")
    data: dict = field(default_factory=dict)
    api: bool = False


PAGE = "/s/{space}/{doc}/rounds"
ROUTES = [
    Route("GET", PAGE, "read"),
    Route("GET", PAGE + "/new", "facilitate"),
    Route("POST", PAGE + "/new", "facilitate", (409,),
          {"title": "Another", "opens_at": "{soon}", "closes_at": "{later}", "audience": "anyone"}),
    Route("GET", PAGE + "/{round}", "read"),
    Route("GET", PAGE + "/{round}/edit", "facilitate"),
    Route("POST", PAGE + "/{round}/edit", "facilitate", (302,), {"title": "Round B", "opens_at": "{soon}",
                                                                 "closes_at": "{later}"}),
    Route("GET", PAGE + "/{round}/close", "facilitate"),
    Route("POST", PAGE + "/{round}/open", "facilitate", (409,)),
    Route("POST", "/s/{space}/{closingdoc}/rounds/{closing}/close", "facilitate", (302, 409)),
    Route("POST", PAGE + "/{round}/responded", "facilitate", (409,)),
    Route("POST", PAGE + "/{round}/publish", "facilitate", (409,)),
    Route("POST", PAGE + "/{round}/unpublish", "facilitate", (409,)),
    Route("GET", PAGE + "/{round}/comment", "login_read"),
    Route("POST", PAGE + "/{round}/comments", "take_part", (302,), {"exact": "two hundred homes", "body": "Yes",
                                                                    "visibility": "named"}),
    Route("POST", PAGE + "/{round}/answers", "take_part", (302,), {"q{q}": "An answer"}),
    Route("GET", PAGE + "/{round}/join?token=not-a-token", "login_read"),
    Route("POST", PAGE + "/{round}/join?token=not-a-token", "login_read", (404,)),
    Route("GET", PAGE + "/{round}/respond", "facilitate"),
    Route("GET", PAGE + "/{round}/c/{comment}/disposition", "facilitate"),
    Route("POST", PAGE + "/{round}/c/{comment}/disposition", "facilitate", (302,),
          {"disposition": "noted", "response": "Thank you."}),
    Route("GET", PAGE + "/{round}/offline", "facilitate"),
    Route("POST", PAGE + "/{round}/offline", "facilitate", (302,), {"channel": "post", "section": "transport",
                                                                    "body": "By letter"}),
    Route("GET", PAGE + "/{round}/invites", "facilitate"),
    Route("POST", PAGE + "/{round}/invites", "facilitate", (201, 409), {"label": "Group"}),
    Route("POST", PAGE + "/{round}/invites/{invite}/revoke", "facilitate", (302, 404)),
    Route("GET", PAGE + "/{round}/report", "report"),
    Route("GET", PAGE + "/{round}/report.json", "report"),
    Route("GET", PAGE + "/{round}/report.csv", "report"),
    Route("GET", PAGE + "/{published}/report", "read"),
    Route("POST", "/api/v1/documents/{docid}/rounds", "facilitate", (409,),
          {"title": "x", "opens_at": "{soon_iso}", "closes_at": "{later_iso}"}, api=True),
    Route("GET", "/api/v1/documents/{docid}/rounds", "read", api=True),
    Route("GET", "/api/v1/rounds/{round}", "read", api=True),
    Route("POST", "/api/v1/rounds/{round}/comments", "take_part", (201,), {"body": "API comment"}, api=True),
    Route("GET", "/api/v1/rounds/{round}/comments", "read", api=True),
    Route("POST", "/api/v1/rounds/{round}/answers", "take_part", (200,), {"answers": {"{q}": "API answer"}}, api=True),
    Route("POST", "/api/v1/rounds/{round}/open", "facilitate", (409,), api=True),
    Route("POST", "/api/v1/rounds/{closing}/close", "facilitate", (200, 409), api=True),
    Route("POST", "/api/v1/rounds/{round}/responded", "facilitate", (409,), api=True),
    Route("POST", "/api/v1/rounds/{round}/publish", "facilitate", (409,), api=True),
    Route("POST", "/api/v1/rounds/{round}/unpublish", "facilitate", (409,), api=True),
    Route("POST", "/api/v1/comments/{comment}/disposition", "facilitate", (200,),
          {"disposition": "noted", "response": "Thanks"}, api=True),
    Route("GET", "/api/v1/rounds/{round}/report", "report", api=True),
    Route("GET", "/api/v1/rounds/{round}/report.csv", "report", api=True),
    Route("GET", "/api/v1/rounds/{published}/report", "read", api=True),
]
CASES = [(route, actor, kind) for route in ROUTES for actor in ACTORS for kind in SLUGS]


@dataclass
class World:
    app: object
    emails: dict
    ids: dict  # kind -> placeholders
    clients: dict = field(default_factory=dict)


def _build(kind: str, people: dict, clock: Clock) -> dict:
    space = make_space(SLUGS[kind], private=kind == "private")
    for role in MEMBER_ROLES:
        add_member(space, people[(role, kind)], role)
    starter = people[("starter", kind)]
    add_member(space, starter, "contributor")
    facilitator = people[("facilitator", kind)]
    ids = {"space": space.slug}
    document = make_document(space, facilitator, "Plan", TEXT)
    closing_doc = make_document(space, facilitator, "Second plan", TEXT)
    spec = service.RoundSpec
    published = service.start_round(db.session, document, facilitator,
                                     spec("Round A", clock.now - timedelta(days=3), clock.now + timedelta(days=1)))
    published = service.force(db.session, published, facilitator, "close")
    published = service.force(db.session, published, facilitator, "publish")
    audience = "invited" if kind == "public" else "members"
    round_ = service.start_round(db.session, document, facilitator, spec(
        "Round B", clock.now - timedelta(hours=1), clock.now + timedelta(days=18), audience=audience,
        questions=(("What matters?", ""),)))
    closing = service.start_round(db.session, closing_doc, facilitator,
                                  spec("Round C", clock.now, clock.now + timedelta(days=3)))
    first = comment(round_, starter)
    invite = 999_999
    if kind == "public":
        service.create_invite(db.session, round_, facilitator, "setup")
        invite = service.invites(db.session, round_)[0].id
    soon, later = clock.now + timedelta(days=20), clock.now + timedelta(days=21)
    ids.update(soon=lifecycle.to_local(soon, space.timezone).strftime("%Y-%m-%dT%H:%M"), soon_iso=soon.isoformat(),
               later=lifecycle.to_local(later, space.timezone).strftime("%Y-%m-%dT%H:%M"), later_iso=later.isoformat())
    ids.update(doc=document.slug, closingdoc=closing_doc.slug, docid=document.id, round=round_.id, closing=closing.id,
               published=published.id,
               comment=first.comments[0].id, invite=invite, q=round_.questions[0].id)
    return ids


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    clock = Clock(lifecycle.system_clock().replace(microsecond=0))
    with module_app(request, tmp_path_factory, "rounds-authz",
                    COMMENT_RATE_PER_MINUTE=100_000, ROUNDS_CLOCK=clock) as app:
        emails, ids = {}, {}
        with app.app_context():
            people = {("outsider", k): make_user("Olive Outsider") for k in ("public",)}
            people[("outsider", "private")] = people[("outsider", "public")]
            admin = make_user("Ada Admin", admin=True)
            for kind in SLUGS:
                people[("admin", kind)] = admin
                people[("starter", kind)] = make_user(f"{kind} starter")
                for role in MEMBER_ROLES:
                    people[(role, kind)] = make_user(f"{kind.title()} {role.title()}")
                emails[("anonymous", kind)] = None
                ids[kind] = _build(kind, people, clock)
            for (actor, kind), person in people.items():
                emails[(actor, kind)] = person.email
            db.session.remove()
        yield World(app, emails, ids)


def client_for(world: World, actor: str, kind: str):
    return logged_in(world.app, world.clients, world.emails, (actor, kind))


def expected(route: Route, actor: str, kind: str) -> tuple:
    """The statuses this visitor may get for this route."""
    if actor == "anonymous" and route.need in ("login_read", "take_part", "facilitate"):
        if not can_read(actor, kind) and route.api and route.method == "GET":
            return (404,)
        return (401,) if route.api else (302,)
    if not can_read(actor, kind):
        return (404,)
    if route.need == "read" or route.need == "login_read":
        return route.ok
    if route.need == "report":
        return route.ok if actor in RUNNERS else (404,)
    if route.need == "take_part":
        member = actor in MEMBER_ROLES or actor == "admin"
        return route.ok if member else (403,)
    return route.ok if actor in RUNNERS else (403,)


def _fill(value, ids: dict):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, dict):
        return {_fill(k, ids): _fill(v, ids) for k, v in value.items()}
    return value


def _api_comment_body(world: World, kind: str) -> dict:
    text_start = TEXT.index("two hundred homes")
    return {"quote": {"exact": "two hundred homes"}, "position": {"start": text_start, "end": text_start + 17}}


@pytest.mark.parametrize(("route", "actor", "kind"), CASES,
                         ids=[f"{r.method} {r.path} {a} {k}" for r, a, k in CASES])
def test_round_route_permissions(world, route, actor, kind):
    ids = world.ids[kind]
    path = _fill(route.path, ids)
    data = _fill(route.data, ids)
    client = client_for(world, actor, kind)
    if route.api and route.path.endswith("/comments") and route.method == "POST":
        data = {**_api_comment_body(world, kind), **data}
    if route.api:
        response = client.open(path, method=route.method, json=data if route.method == "POST" else None)
    else:
        response = client.open(path, method=route.method, data=data or None)
    allowed = expected(route, actor, kind)
    assert response.status_code in allowed, (response.status_code, allowed, response.get_data(as_text=True)[:300])
    if response.status_code == 404 and not can_read(actor, kind):
        body = html.unescape(response.get_data(as_text=True))
        assert any(words in body for words in (NO_SUCH_SPACE, "No such document", "No such consultation round",
                                               "No such comment"))
        assert "Round B" not in body and "two hundred homes" not in body
    if response.status_code == 302 and actor == "anonymous":
        assert "/login" in response.headers["Location"]


def test_the_matrix_covers_every_round_route(world):
    assert len(CASES) == len(ROUTES) * len(ACTORS) * 2
    registered = set()
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint.startswith("rounds.") or (rule.rule.startswith("/api/v1/") and (
                "round" in rule.rule or rule.rule.endswith("/disposition"))):
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                registered.add((method, rule.endpoint))
    covered = set()
    for route in ROUTES:
        path = _fill(route.path, world.ids["public"]).split("?", 1)[0]
        adapter = world.app.url_map.bind("localhost")
        endpoint, _ = adapter.match(path, method=route.method)
        covered.add((route.method, endpoint))
    assert registered == covered
