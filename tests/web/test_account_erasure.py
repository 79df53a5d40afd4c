"""Erasing an account (UK GDPR right to erasure): by the person from their profile (password and a
ticked confirmation) or by a site admin (typing the email). Personal data goes; content stays,
credited to "deleted participant" on every surface that named the person (document page, history,
attribution, named versions, comments on the page, the API, the CSV export); anonymous comments stay
anonymous; signing in becomes impossible and the email can register again. Runs on SQLite and
PostgreSQL (the `app` fixture).
"""

import csv
import html
import io

import pytest
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_user
from tests.web import lifecycle_world
from tests.web.lifecycle_world import BODIES, ERIN, KINDS
from wiki import signals
from wiki.auth.models import ApiToken, ConsentRecord, User
from wiki.comments.models import Comment, CommentAgree, CommentFlag
from wiki.documents.models import NamedVersion, revision_authors
from wiki.extensions import db
from wiki.privacy.service import LAST_ADMIN, NOT_CONFIRMED
from wiki.spaces.models import Membership

DELETED = "deleted participant"
WRONG_PASSWORD = "That is not your current password."


@pytest.fixture
def world(app):
    return lifecycle_world.build()


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


def test_erasing_my_account_removes_personal_data_and_signs_me_out(app, world):
    client = signed_in(app, world.erin_email)
    page = text_of(client.get("/profile/erase"))
    assert "Erase your account" in page and "API tokens are erased" in page and "Comments stay" in page

    response = erase_self(client)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Your account is erased." in text_of(client.get("/"))
    assert client.get("/profile").status_code == 302  # the old session is gone

    db.session.expire_all()
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


def test_signing_in_and_the_api_token_stop_working_and_the_email_can_register_again(app, world):
    erase_self(signed_in(app, world.erin_email))
    client = app.test_client()
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


@pytest.mark.parametrize("kind", KINDS)
def test_content_is_credited_to_deleted_participant_everywhere_it_was_named(app, world, kind):
    space, slug, doc_id = world.docs[kind]
    fay = signed_in(app, world.fay_email)
    before = text_of(fay.get(f"/s/{space}/{slug}/history"))
    assert ERIN in before  # the test would notice the name if it stayed
    erase_self(signed_in(app, world.erin_email))

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
    for name in ("page", "history", "attribution", "versions", "csv", "api revisions", "api comments"):
        assert DELETED in text_of(surfaces[name]), name

    revisions = surfaces["api revisions"].get_json()["revisions"]
    assert [r["authors"] for r in revisions if r["number"] == 2] == [[DELETED]]
    threads = {t["id"]: t for t in surfaces["api comments"].get_json()}
    named, anonymous = threads[world.comments[kind]["named"]], threads[world.comments[kind]["anonymous"]]
    assert named["author"] == DELETED and named["body_html"] and named["perspective"] is None
    assert anonymous["author"] == "Community member" and anonymous["author_id"] is None
    reply = threads[world.comments[kind]["fay"]]["replies"][0]
    assert reply["author"] == DELETED and BODIES["reply"] in reply["body_html"]
    rows = {row["body"]: row for row in csv.DictReader(io.StringIO(surfaces["csv"].get_data(as_text=True)))}
    assert rows[BODIES["named"]]["author"] == DELETED
    assert rows[BODIES["anonymous"]]["author"] == "Community member"
    assert rows[BODIES["named"]]["perspective"] == ""


def test_anonymous_comments_stay_anonymous_even_where_facilitators_may_see_authors(app):
    world = lifecycle_world.build(revealing=True)
    doc_id = world.docs["public"][2]
    fay = signed_in(app, world.fay_email)
    before = {t["id"]: t for t in fay.get(f"/api/v1/documents/{doc_id}/comments").get_json()}
    assert before[world.comments["public"]["anonymous"]]["author"] == ERIN  # revealed to facilitators here
    erase_self(signed_in(app, world.erin_email))

    after = {t["id"]: t for t in fay.get(f"/api/v1/documents/{doc_id}/comments").get_json()}
    assert after[world.comments["public"]["anonymous"]]["author"] == DELETED
    ollie = signed_in(app, world.ollie_email)
    for_ollie = {t["id"]: t for t in ollie.get(f"/api/v1/documents/{doc_id}/comments").get_json()}
    assert for_ollie[world.comments["public"]["anonymous"]]["author"] == "Community member"


def test_a_wrong_password_or_no_confirmation_is_refused_and_erases_nothing(app, world):
    client = signed_in(app, world.erin_email)
    wrong = erase_self(client, password="not my password")
    assert wrong.status_code == 422 and WRONG_PASSWORD in text_of(wrong)
    unticked = erase_self(client, confirm=False)
    assert unticked.status_code == 422 and NOT_CONFIRMED in text_of(unticked)
    empty = erase_self(client, password="")
    assert empty.status_code == 422 and "This field is required." in text_of(empty)
    assert client.get("/profile").status_code == 200
    db.session.expire_all()
    assert db.session.get(User, world.erin_id).erased_at is None
    assert count(ApiToken, ApiToken.user_id == world.erin_id) == 1


def test_repeated_wrong_passwords_back_off_like_logging_in(app, world):
    client = signed_in(app, world.erin_email)
    for _ in range(app.config["LOGIN_FREE_FAILURES"]):
        assert erase_self(client, password="guess").status_code == 422
    throttled = erase_self(client)  # even the right password waits now
    assert throttled.status_code == 429 and "Too many failed attempts" in text_of(throttled)
    assert db.session.get(User, world.erin_id).erased_at is None


def test_the_only_site_admin_cannot_erase_their_account(app):
    admin = make_user("Only Admin", admin=True)
    client = signed_in(app, admin.email)
    refused = erase_self(client)
    assert refused.status_code == 409 and LAST_ADMIN in text_of(refused)
    second = make_user("Second Admin", admin=True)
    assert erase_self(client).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, second.id).is_admin and db.session.get(User, admin.id).erased_at


def test_the_signal_is_sent_after_the_commit(app, world):
    seen = []

    def receiver(sender, **kwargs):
        seen.append((kwargs, db.session.scalar(select(User.erased_at).where(User.id == kwargs["user_id"]))))

    signals.user_erased.connect(receiver)
    try:
        erase_self(signed_in(app, world.erin_email))
    finally:
        signals.user_erased.disconnect(receiver)
    assert len(seen) == 1
    (kwargs, erased_at), = seen
    assert kwargs == {"user_id": world.erin_id} and erased_at is not None


def test_the_profile_page_links_to_download_and_erase(app, world):
    page = text_of(signed_in(app, world.erin_email).get("/profile"))
    assert 'href="/profile/data"' in page and 'href="/profile/erase"' in page
    assert app.test_client().get("/profile/erase").status_code == 302  # signed-out: to the login page


# --- admins ----------------------------------------------------------------------------------


def admin_client(app):
    admin = make_user("Ada Admin", admin=True)
    return signed_in(app, admin.email), admin


@pytest.mark.parametrize("who", ["anonymous", "outsider", "facilitator"])
def test_only_site_admins_may_open_the_admin_erase_page(app, world, who):
    client = app.test_client() if who == "anonymous" else signed_in(
        app, world.ollie_email if who == "outsider" else world.fay_email)
    for response in (client.get(f"/admin/users/{world.erin_id}/erase"),
                     client.post(f"/admin/users/{world.erin_id}/erase", data={"email": world.erin_email})):
        assert response.status_code == (302 if who == "anonymous" else 403)
    assert db.session.get(User, world.erin_id).erased_at is None


def test_an_admin_erases_an_account_after_typing_its_email(app, world):
    client, _ = admin_client(app)
    listing = text_of(client.get("/admin/users"))
    assert f'href="/admin/users/{world.erin_id}/erase"' in listing
    page = text_of(client.get(f"/admin/users/{world.erin_id}/erase"))
    assert world.erin_email in page and "Erase the account of" in page

    wrong = client.post(f"/admin/users/{world.erin_id}/erase", data={"email": world.fay_email})
    assert wrong.status_code == 422 and "Type the account’s email address exactly" in text_of(wrong)
    assert db.session.get(User, world.erin_id).erased_at is None

    done = client.post(f"/admin/users/{world.erin_id}/erase", data={"email": world.erin_email.upper()})
    assert done.status_code == 302
    listing = text_of(client.get("/admin/users"))
    assert f"Account {world.erin_id} is erased." in listing and world.erin_email not in listing
    assert f'href="/admin/users/{world.erin_id}/erase"' not in listing
    assert client.get(f"/admin/users/{world.erin_id}/erase").status_code == 404
    assert app.test_client().post("/login", data={"email": world.erin_email, "password": PASSWORD}).status_code == 422


def test_admins_erase_themselves_from_their_profile_and_unknown_ids_are_404(app, world):
    client, admin = admin_client(app)
    own = client.post(f"/admin/users/{admin.id}/erase", data={"email": admin.email})
    assert own.status_code == 422 and "from your profile page" in text_of(own)
    for user_id in (999999, 2**31):
        assert client.get(f"/admin/users/{user_id}/erase").status_code == 404


def test_erased_accounts_cannot_be_added_to_a_space_or_made_admin(app, world):
    erase_self(signed_in(app, world.erin_email))
    space = world.docs["public"][0]
    fay = signed_in(app, world.fay_email)
    for email in (f"erased:{world.erin_id}", world.erin_email):
        added = fay.post(f"/s/{space}/members", data={"email": email, "role": "editor"})
        assert added.status_code in (404, 422), email
    assert count(Membership, Membership.user_id == world.erin_id) == 0
    admin, _ = admin_client(app)
    assert admin.post(f"/admin/users/{world.erin_id}/admin", data={"admin": "1"}).status_code == 404
