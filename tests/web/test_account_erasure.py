"""Erasing an account (UK GDPR right to erasure): by the person from their profile (password and a
ticked confirmation) or by a site admin (typing the email). Personal data goes; content stays,
credited to "deleted participant" on every surface that named the person (document page, history,
attribution, named versions, comments on the page, the API, the CSV export); anonymous comments stay
anonymous; signing in becomes impossible and the email can register again.

One world per database backend serves the module: Erin (who has done a bit of everything, see
lifecycle_world.py) is erased once, through her profile page, when it is built, and the tests read
what is left. Tests that erase or refuse to erase someone else make a fresh account of their own.
"""

import csv
import html
import io
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_user
from tests.web import lifecycle_world
from tests.web.lifecycle_world import BODIES, ERIN, KINDS
from tests.worlds import BACKENDS, module_app
from wiki import signals
from wiki.auth.models import ApiToken, ConsentRecord, User
from wiki.comments.models import Comment, CommentAgree, CommentFlag
from wiki.documents.models import NamedVersion, revision_authors
from wiki.extensions import db
from wiki.privacy.service import NOT_CONFIRMED
from wiki.spaces.models import Membership

DELETED = "deleted participant"
COMMUNITY = "Community member"
WRONG_PASSWORD = "That is not your current password."


def signed_in(app, email: str, password: str = PASSWORD):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def erase_self(client, password=PASSWORD, confirm=True):
    data = {"password": password}
    if confirm:
        data["confirm"] = "y"
    return client.post("/profile/erase", data=data)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _threads(client, doc_id: int) -> dict:
    return {t["id"]: t for t in client.get(f"/api/v1/documents/{doc_id}/comments").get_json()}


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "erasure") as app:
        with app.app_context():
            built = lifecycle_world.build(revealing=("public",))
        built.app = app
        fay = signed_in(app, built.fay_email)
        # Before: the name is there to be noticed (the assertions below could not pass by accident).
        assert ERIN in text_of(fay.get(f"/s/{built.docs['public'][0]}/{built.docs['public'][1]}/history"))
        revealed = _threads(fay, built.docs["public"][2])[built.comments["public"]["anonymous"]]
        assert revealed["author"] == ERIN  # this space lets facilitators see anonymous authors
        built.erin_client = signed_in(app, built.erin_email)
        assert "Erase your account" in text_of(built.erin_client.get("/profile/erase"))
        built.erased = erase_self(built.erin_client)
        yield built


def fresh_account(world, name: str = "Wendy Fresh", admin: bool = False) -> SimpleNamespace:
    with world.app.app_context():
        user = make_user(name, admin=admin)
        made = SimpleNamespace(id=user.id, email=user.email)
        db.session.remove()
    return made


def erased_at(world, user_id: int):
    with world.app.app_context():
        value = db.session.get(User, user_id).erased_at
        db.session.remove()
    return value


# --- Erin, erased from her profile ------------------------------------------------------------


def test_erasing_removes_personal_data_keeps_content_and_ends_the_session(world):
    assert world.erased.status_code == 302 and world.erased.headers["Location"] == "/"
    assert world.erin_client.get("/profile").status_code == 302  # the old session is gone
    with world.app.app_context():
        _assert_erased_but_content_kept(world)
        db.session.remove()


def _assert_erased_but_content_kept(world) -> None:
    erin = db.session.get(User, world.erin_id)
    assert erin.email == f"erased:{erin.id}" and erin.display_name == DELETED
    assert erin.perspectives == [] and not erin.perspectives_consent and erin.erased_at is not None
    assert not erin.is_active and not erin.is_admin
    for model in (ApiToken, ConsentRecord, Membership):
        assert count(model, model.user_id == world.erin_id) == 0, model
    # Content stays with the row: revisions, comments, agrees, flags, named versions.
    assert count(revision_authors, revision_authors.c.user_id == world.erin_id) == 2
    assert count(Comment, Comment.author_id == world.erin_id) == 6
    assert count(Comment, Comment.author_id == world.erin_id, Comment.perspective.is_not(None)) == 0
    assert count(CommentAgree, CommentAgree.user_id == world.erin_id) == 2
    assert count(CommentFlag, CommentFlag.user_id == world.erin_id) == 2
    assert count(NamedVersion, NamedVersion.created_by_id == world.erin_id) == 2


@pytest.mark.parametrize("kind", KINDS)
def test_content_is_credited_to_deleted_participant_everywhere_it_was_named(world, kind):
    space, slug, doc_id = world.docs[kind]
    fay = signed_in(world.app, world.fay_email)
    headers = {"Authorization": f"Bearer {world.fay_token}"}
    surfaces = {
        "page": fay.get(f"/s/{space}/{slug}"),
        "history": fay.get(f"/s/{space}/{slug}/history"),
        "attribution": fay.get(f"/s/{space}/{slug}/attribution"),
        "versions": fay.get(f"/s/{space}/{slug}/versions"),
        "members": fay.get(f"/s/{space}/members"),
        "csv": fay.get(f"/s/{space}/{slug}/comments.csv"),
        "api revisions": fay.get(f"/api/v1/documents/{doc_id}/revisions", headers=headers),
        "api comments": fay.get(f"/api/v1/documents/{doc_id}/comments", headers=headers),
    }
    for name, response in surfaces.items():
        assert response.status_code == 200, name
        body = text_of(response)
        assert ERIN not in body and world.erin_email not in body, name
        if name != "members":
            assert DELETED in body, name

    revisions = surfaces["api revisions"].get_json()["revisions"]
    assert [r["authors"] for r in revisions if r["number"] == 2] == [[DELETED]]
    threads = {t["id"]: t for t in surfaces["api comments"].get_json()}
    named, anonymous = threads[world.comments[kind]["named"]], threads[world.comments[kind]["anonymous"]]
    assert named["author"] == DELETED and named["body_html"] and named["perspective"] is None
    # Anonymous stays anonymous; where facilitators could see its author, they now see no one.
    assert anonymous["author"] == (DELETED if kind == "public" else COMMUNITY)
    reply = threads[world.comments[kind]["fay"]]["replies"][0]
    assert reply["author"] == DELETED and BODIES["reply"] in reply["body_html"]
    rows = {row["body"]: row for row in csv.DictReader(io.StringIO(surfaces["csv"].get_data(as_text=True)))}
    assert rows[BODIES["named"]]["author"] == DELETED and rows[BODIES["named"]]["perspective"] == ""
    assert rows[BODIES["anonymous"]]["author"] == (DELETED if kind == "public" else COMMUNITY)


def test_other_participants_still_see_anonymous_comments_as_community_member(world):
    ollie = signed_in(world.app, world.ollie_email)
    threads = _threads(ollie, world.docs["public"][2])
    assert threads[world.comments["public"]["anonymous"]]["author"] == COMMUNITY
    assert threads[world.comments["public"]["anonymous"]]["author_id"] is None
    assert threads[world.comments["public"]["named"]]["author"] == DELETED


def test_signing_in_and_the_api_token_stop_working_and_the_email_can_register_again(world):
    client = world.app.test_client()
    refused = client.post("/login", data={"email": world.erin_email, "password": PASSWORD})
    assert refused.status_code == 422 and "That email and password do not match an account." in text_of(refused)
    assert client.post("/login", data={"email": f"erased:{world.erin_id}", "password": PASSWORD}).status_code == 422
    api = client.get("/api/v1/me", headers={"Authorization": f"Bearer {world.erin_token}"})
    assert api.status_code == 401

    again = client.post("/register", data={"email": world.erin_email, "display_name": "Erin Again",
                                           "password": "a new long password", "confirm": "a new long password"})
    assert again.status_code == 302
    me = client.get("/api/v1/me").get_json()
    assert me["email"] == world.erin_email and me["id"] != world.erin_id and me["memberships"] == []


def test_erased_accounts_cannot_be_added_to_a_space_or_made_admin(world):
    fay = signed_in(world.app, world.fay_email)
    added = fay.post(f"/s/{world.docs['public'][0]}/members", data={"email": f"erased:{world.erin_id}",
                                                                     "role": "editor"})
    assert added.status_code in (404, 422)
    with world.app.app_context():
        assert count(Membership, Membership.user_id == world.erin_id) == 0
        db.session.remove()
    admin = fresh_account(world, "Ada Admin", admin=True)
    response = signed_in(world.app, admin.email).post(f"/admin/users/{world.erin_id}/admin", data={"admin": "1"})
    assert response.status_code == 404


# --- refusals: nothing is erased --------------------------------------------------------------


def test_a_wrong_password_or_no_confirmation_is_refused_and_erases_nothing(world):
    wendy = fresh_account(world)
    client = signed_in(world.app, wendy.email)
    wrong = erase_self(client, password="not my password")
    assert wrong.status_code == 422 and WRONG_PASSWORD in text_of(wrong)
    unticked = erase_self(client, confirm=False)
    assert unticked.status_code == 422 and NOT_CONFIRMED in text_of(unticked)
    empty = erase_self(client, password="")
    assert empty.status_code == 422 and "This field is required." in text_of(empty)
    assert client.get("/profile").status_code == 200
    assert erased_at(world, wendy.id) is None


def test_repeated_wrong_passwords_back_off_like_logging_in(world):
    wendy = fresh_account(world)
    client = signed_in(world.app, wendy.email)
    for _ in range(world.app.config["LOGIN_FREE_FAILURES"]):
        assert erase_self(client, password="guess").status_code == 422
    throttled = erase_self(client)  # even the right password waits now
    assert throttled.status_code == 429 and "Too many failed attempts" in text_of(throttled)
    assert erased_at(world, wendy.id) is None


def test_the_signal_is_sent_after_the_commit(world):
    wendy = fresh_account(world)
    client = signed_in(world.app, wendy.email)
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs, db.session.scalar(select(User.erased_at).where(User.id == kwargs["user_id"]))))

    signals.user_erased.connect(receiver)
    try:
        assert erase_self(client).status_code == 302
    finally:
        signals.user_erased.disconnect(receiver)
    (kwargs, when), = seen
    assert kwargs == {"user_id": wendy.id} and when is not None


def test_the_profile_page_links_to_download_and_erase(world):
    page = text_of(signed_in(world.app, fresh_account(world).email).get("/profile"))
    assert 'href="/profile/data"' in page and 'href="/profile/erase"' in page
    assert world.app.test_client().get("/profile/erase").status_code == 302  # signed out: to the login page


# --- admins ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "outsider", "facilitator"])
def test_only_site_admins_may_open_the_admin_erase_page(world, who):
    target = fresh_account(world)
    client = world.app.test_client() if who == "anonymous" else signed_in(
        world.app, world.ollie_email if who == "outsider" else world.fay_email)
    for response in (client.get(f"/admin/users/{target.id}/erase"),
                     client.post(f"/admin/users/{target.id}/erase", data={"email": target.email})):
        assert response.status_code == (302 if who == "anonymous" else 403)
    assert erased_at(world, target.id) is None


def test_an_admin_erases_an_account_after_typing_its_email(world):
    target, admin = fresh_account(world, "Tess Target"), fresh_account(world, "Ada Admin", admin=True)
    client = signed_in(world.app, admin.email)
    path = f"/admin/users/{target.id}/erase"
    assert f'href="{path}"' in text_of(client.get("/admin/users"))
    page = text_of(client.get(path))
    assert target.email in page and "Erase the account of Tess Target?" in page

    wrong = client.post(path, data={"email": world.fay_email})
    assert wrong.status_code == 422 and "Type the account’s email address exactly" in text_of(wrong)
    assert erased_at(world, target.id) is None

    done = client.post(path, data={"email": target.email.upper()})
    assert done.status_code == 302
    listing = text_of(client.get("/admin/users"))
    assert f"Account {target.id} is erased." in listing and target.email not in listing
    assert f'href="{path}"' not in listing
    assert client.get(path).status_code == 404
    assert world.app.test_client().post("/login", data={"email": target.email,
                                                        "password": PASSWORD}).status_code == 422


def test_admins_erase_themselves_from_their_profile_and_unknown_ids_are_404(world):
    admin = fresh_account(world, "Ada Admin", admin=True)
    client = signed_in(world.app, admin.email)
    own = client.post(f"/admin/users/{admin.id}/erase", data={"email": admin.email})
    assert own.status_code == 422 and "from your profile page" in text_of(own)
    for user_id in (999999, 2**31 - 1):
        assert client.get(f"/admin/users/{user_id}/erase").status_code == 404
