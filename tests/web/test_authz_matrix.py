"""Who may open what: every route of the accounts/spaces/admin issue × six kinds of visitor × two spaces.

The expectations are derived from the rules, not copied from the code:
- anyone may read a public space; a private one only its members and site admins, and for everyone else
  it answers 404 with the same words as a space that does not exist;
- member management and the moderation log are for the space's facilitators and site admins (403 for
  other readers, 404 for those who cannot read the space, the login page for anonymous visitors);
- admin pages are for site admins (403 for other signed-in people, the login page for anonymous ones);
- /api/v1/me answers 401 JSON to anonymous callers; /api/v1/spaces is open but filtered.

One app and one set of people per database backend serve the whole module (built once: fast), and the
only changes a request makes are either idempotent or undone before the next test.
"""

import itertools
from dataclasses import dataclass

import pytest

from tests.factories import PASSWORD, add_member, make_space, make_user
from tests.worlds import ACTORS, BACKENDS, MEMBER_ROLES, Cast, can_read, module_app
from wiki.auth.models import User
from wiki.extensions import db
from wiki.spaces.models import Membership, Space
from wiki.spaces.service import set_membership

NO_SUCH_SPACE = "No such space, or you do not have access to it."
ONLY_FACILITATORS = "Only facilitators can manage this space."
ONLY_ADMINS = "Only site administrators can open this page."
TITLES = {"public": "Public strategy", "private": "Private concordat"}
SLUGS = {"public": "public-space", "private": "private-space"}
_made = itertools.count(1)


@dataclass
class World:
    app: object
    cast: Cast
    target_email: str  # a contributor in both spaces, whose role is changed and who is removed
    bystander_id: int  # an account whose admin flag is set (to "no") by the admin route


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "authz") as app:
        with app.app_context():
            spaces = {kind: make_space(SLUGS[kind], private=kind == "private", title=TITLES[kind]) for kind in SLUGS}
            cast = Cast.build(spaces)
            target, bystander = make_user("Tara Target"), make_user("Bea Bystander")
            for space in spaces.values():
                add_member(space, target, "contributor")
            built = World(app, cast, target.email, bystander.id)
            db.session.remove()
        yield built


@pytest.fixture
def env(world):
    """The module's world with the target restored as a contributor of both spaces.

    No app context stays pushed during the test: each request gets its own, as in production.
    """
    with world.app.app_context():
        for slug in SLUGS.values():
            space = db.session.scalar(db.select(Space).where(Space.slug == slug))
            set_membership(db.session, space, world.target_email, "contributor")
        db.session.commit()
        db.session.remove()
    return world


def membership_id(world, space_kind: str) -> int:
    with world.app.app_context():
        found = db.session.scalar(
            db.select(Membership.id).join(Membership.space).join(Membership.user)
            .where(Space.slug == SLUGS[space_kind], User.email == world.target_email)
        )
        db.session.remove()
    return found


def client_for(world, actor: str, space_kind: str):
    """A fresh client each time: these cases log people in and out."""
    client = world.app.test_client()
    email = world.cast.emails[(actor, space_kind)]
    if email:
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302, f"{actor} could not log in"
    return client


# --- the rules -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    method: str
    pattern: str  # readable form, used in the test id
    rule: str  # open | space | facilitate | admin | signed_in | api_signed_in
    ok_status: int = 200
    ok_text: str = ""  # shown on a 200 page; for 302 the start of the Location


ROUTES = [
    Route("GET", "/", "open", 200, "Strategy spaces"),
    Route("GET", "/s/<slug>/", "space", 200, "{title}"),
    Route("GET", "/s/<slug>/members", "facilitate", 200, "Add a member"),
    Route("POST", "/s/<slug>/members", "facilitate", 302, "/s/{slug}/members"),
    Route("POST", "/s/<slug>/members/<id>/role", "facilitate", 302, "/s/{slug}/members"),
    Route("GET", "/s/<slug>/members/<id>/remove", "facilitate", 200, "Remove Tara Target from {title}?"),
    Route("GET", "/s/<slug>/moderation", "facilitate", 200, "Moderation log"),
    Route("POST", "/s/<slug>/members/<id>/remove", "facilitate", 302, "/s/{slug}/members"),
    Route("GET", "/admin/spaces", "admin", 200, "Create a space"),
    Route("POST", "/admin/spaces", "admin", 302, "/s/made-"),
    Route("GET", "/admin/spaces/<slug>/edit", "admin", 200, "Edit space"),
    Route("POST", "/admin/spaces/<slug>/edit", "admin", 302, "/s/{slug}/"),
    Route("GET", "/admin/users", "admin", 200, "Accounts"),
    Route("POST", "/admin/users/<id>/admin", "admin", 302, "/admin/users"),
    Route("GET", "/profile", "signed_in", 200, "Your profile"),
    Route("GET", "/api/v1/me", "api_signed_in", 200),
    Route("GET", "/api/v1/spaces", "open", 200),
]


def expected(route: Route, actor: str, space_kind: str) -> tuple[int, str]:
    """(status, what the visitor should see: a message, or where they are sent)."""
    anonymous = actor == "anonymous"
    if route.rule == "space" and not can_read(actor, space_kind):
        return 404, NO_SUCH_SPACE
    if route.rule == "facilitate":
        if anonymous:
            return 302, "/login?next="
        if not can_read(actor, space_kind):
            return 404, NO_SUCH_SPACE
        if actor not in ("facilitator", "admin"):
            return 403, ONLY_FACILITATORS
    if route.rule == "admin":
        if anonymous:
            return 302, "/login?next="
        if actor != "admin":
            return 403, ONLY_ADMINS
    if route.rule == "signed_in" and anonymous:
        return 302, "/login?next="
    if route.rule == "api_signed_in" and anonymous:
        return 401, "Authentication required"
    return route.ok_status, route.ok_text.format(slug=SLUGS[space_kind], title=TITLES[space_kind])


def request_for(world, route: Route, space_kind: str) -> tuple[str, dict | None]:
    slug = SLUGS[space_kind]
    if "/members/<id>" in route.pattern:
        path = route.pattern.replace("<slug>", slug).replace("<id>", str(membership_id(world, space_kind)))
    else:
        path = route.pattern.replace("<slug>", slug).replace("<id>", str(world.bystander_id))
    data = None
    if route.method == "POST":
        data = {
            "/s/<slug>/members": {"email": world.target_email, "role": "contributor"},
            "/s/<slug>/members/<id>/role": {"role": "contributor"},
            "/s/<slug>/members/<id>/remove": {},
            "/admin/spaces": {"slug": f"made-{next(_made)}", "title": "Made here"},
            "/admin/spaces/<slug>/edit": {"title": TITLES[space_kind], "description": "",
                                          **({"private": "y"} if space_kind == "private" else {})},
            "/admin/users/<id>/admin": {"admin": "0"},
        }[route.pattern]
    return path, data


CASES = [
    pytest.param(route, actor, kind, id=f"{route.method} {route.pattern} | {actor} | {kind}")
    for route in ROUTES
    for actor in ACTORS
    for kind in ("public", "private")
]


@pytest.mark.parametrize(("route", "actor", "space_kind"), CASES)
def test_route_authorisation(env, route, actor, space_kind):
    client = client_for(env, actor, space_kind)
    path, data = request_for(env, route, space_kind)
    response = client.open(path, method=route.method, data=data)
    status, shown = expected(route, actor, space_kind)

    assert response.status_code == status, response.get_data(as_text=True)[:2000]
    if status == 302:
        assert response.headers["Location"].startswith(shown)
    elif path.startswith("/api/"):
        assert response.is_json
        body = response.get_json()
        if status == 401:
            assert shown in body["error"]
        elif path == "/api/v1/me":
            assert body["email"] == env.cast.emails[(actor, space_kind)]
        else:
            assert TITLES["public"] in [space["title"] for space in body["spaces"]]
    else:
        assert shown in response.get_data(as_text=True)


def test_the_matrix_covers_every_combination():
    assert len(CASES) == len(ROUTES) * len(ACTORS) * 2
    assert {(route.method, route.pattern) for route in ROUTES} == {
        ("GET", "/"), ("GET", "/s/<slug>/"), ("GET", "/s/<slug>/members"), ("POST", "/s/<slug>/members"),
        ("POST", "/s/<slug>/members/<id>/role"), ("GET", "/s/<slug>/members/<id>/remove"),
        ("POST", "/s/<slug>/members/<id>/remove"), ("GET", "/s/<slug>/moderation"), ("GET", "/admin/spaces"),
        ("POST", "/admin/spaces"),
        ("GET", "/admin/spaces/<slug>/edit"), ("POST", "/admin/spaces/<slug>/edit"), ("GET", "/admin/users"),
        ("POST", "/admin/users/<id>/admin"), ("GET", "/profile"), ("GET", "/api/v1/me"), ("GET", "/api/v1/spaces"),
    }


# --- what the listings show ----------------------------------------------------------------------------

LISTING_CASES = [
    pytest.param(actor, kind, id=f"{actor} | member of {kind}" if actor in MEMBER_ROLES else f"{actor} | {kind}")
    for actor in ACTORS
    for kind in ("public", "private")
]


@pytest.mark.parametrize(("actor", "space_kind"), LISTING_CASES)
def test_listings_show_the_private_space_only_to_its_members_and_admins(env, actor, space_kind):
    client = client_for(env, actor, space_kind)
    sees_private = actor == "admin" or (actor in MEMBER_ROLES and space_kind == "private")

    home = client.get("/").get_data(as_text=True)
    assert TITLES["public"] in home
    assert (TITLES["private"] in home) is sees_private

    listed = {space["title"]: space for space in client.get("/api/v1/spaces").get_json()["spaces"]}
    assert TITLES["public"] in listed
    assert (TITLES["private"] in listed) is sees_private
    if actor in MEMBER_ROLES:
        assert listed[TITLES[space_kind]]["role"] == actor
        assert listed[TITLES[space_kind]]["private"] is (space_kind == "private")
    if actor == "admin":
        assert listed[TITLES["private"]]["role"] is None


@pytest.mark.parametrize("actor", ["anonymous", "outsider", "contributor"])
def test_a_hidden_private_space_looks_exactly_like_a_missing_one(env, actor):
    # a contributor of the *public* space is an outsider to the private one
    client = client_for(env, actor, "public")
    for suffix in ("", "members") if actor != "anonymous" else ("",):
        hidden = client.get(f"/s/{SLUGS['private']}/{suffix}")
        missing = client.get(f"/s/no-such-space/{suffix}")
        assert hidden.status_code == missing.status_code == 404
        for response in (hidden, missing):
            text = response.get_data(as_text=True)
            assert NO_SUCH_SPACE in text
            assert TITLES["private"] not in text
            assert "Page not found" in text
