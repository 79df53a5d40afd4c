"""Building blocks for module-wide test worlds: one app per database backend for a whole module,
and the cast of six kinds of visitor on a public and a private space.

Authorisation tests check every route × actor × space kind; building the people once per module and
backend (not per test) keeps those matrices fast. A module declares its own fixture:

    @pytest.fixture(scope="module", params=BACKENDS)
    def world(request, tmp_path_factory):
        with module_app(request, tmp_path_factory, "rounds-authz") as app:
            with app.app_context():
                cast = Cast.build({"public": make_space("p"), "private": make_space("q", private=True)})
                ...
            yield ...
"""

import os
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

import pytest

from tests.factories import PASSWORD, add_member, make_user, token_for
from tests.throwaway import postgres_database
from wiki import create_app
from wiki.extensions import db

BACKENDS = ["sqlite", "postgresql"]
PG_URL = os.environ.get("WIKI_TEST_DATABASE_URL")
ACTORS = ("anonymous", "outsider", "contributor", "editor", "facilitator", "admin")
MEMBER_ROLES = ("contributor", "editor", "facilitator")
SPACE_KINDS = ("public", "private")


def can_read(actor: str, space_kind: str) -> bool:
    """The reading rule the matrices derive their expectations from (not from the code)."""
    return space_kind == "public" or actor in MEMBER_ROLES or actor == "admin"


@contextmanager
def module_app(request, tmp_path_factory, name: str, **overrides):
    """An app on the backend named by ``request.param`` with the schema built; gone at the end.

    On PostgreSQL the module gets a database of its own (not the run's shared one, whose tables
    other modules on the same worker are using): dropping a module's tables there once broke the
    next module's tests."""
    folder = tmp_path_factory.mktemp(name)
    with ExitStack() as stack:
        if request.param == "postgresql":
            request.getfixturevalue("postgres_url")  # skips, with its reason, when no server is set
            url = stack.enter_context(postgres_database(PG_URL, "wiki_world", durable=False))
        else:
            url = f"sqlite:///{folder}/t.sqlite"
        patch = stack.enter_context(pytest.MonkeyPatch.context())
        patch.setenv("WIKI_INSTANCE_PATH", str(folder / "instance"))
        app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url,
                                     "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **overrides})
        with app.app_context():
            db.create_all()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def logged_in(app, clients: dict, emails: dict, key):
    """The test client of ``key`` (made and logged in with ``emails[key]`` the first time; anonymous
    when that is None), kept in ``clients`` so a module logs each visitor in once."""
    if key not in clients:
        client = app.test_client()
        if emails[key]:
            response = client.post("/login", data={"email": emails[key], "password": PASSWORD})
            assert response.status_code == 302, f"{key} could not log in"
        clients[key] = client
    return clients[key]


@dataclass
class Cast:
    """Who plays each actor in each space kind: an outsider and a site admin shared by both spaces,
    and a contributor, editor and facilitator of each. ``emails`` is None for anonymous visitors."""

    emails: dict  # (actor, kind) -> email or None
    tokens: dict = field(default_factory=dict)  # (actor, kind) -> API token (when asked for)
    clients: dict = field(default_factory=dict)

    @classmethod
    def build(cls, spaces: dict, *, tokens: bool = False) -> "Cast":
        """Create the people (call inside an app context). ``spaces`` maps "public"/"private" to Space."""
        outsider, admin = make_user("Olive Outsider"), make_user("Ada Admin", admin=True)
        cast = cls({})
        for kind, space in spaces.items():
            people = {"outsider": outsider, "admin": admin}
            for role in MEMBER_ROLES:
                people[role] = make_user(f"{kind.title()} {role.title()}")
                add_member(space, people[role], role)
            cast.emails[("anonymous", kind)] = None
            for actor, person in people.items():
                cast.emails[(actor, kind)] = person.email
                if tokens:
                    cast.tokens[(actor, kind)] = token_for(person)
        return cast

    def client(self, app, actor: str, kind: str):
        """One logged-in test client per (actor, space kind), reused across a module's cases."""
        return logged_in(app, self.clients, self.emails, (actor, kind))
