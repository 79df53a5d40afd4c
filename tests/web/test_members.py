"""Running a space: facilitators manage members; admins create and edit spaces and manage accounts."""

import re

import pytest

from tests.factories import add_member, login, make_space, make_user
from wiki.auth.models import User
from wiki.extensions import db
from wiki.spaces.models import Membership, Space

KEEP_A_FACILITATOR = "A space needs at least one facilitator. Make someone else a facilitator first."


def role_of(space, user) -> str | None:
    db.session.expire_all()
    return db.session.scalar(
        db.select(Membership.role).where(Membership.space_id == space.id, Membership.user_id == user.id)
    )


def page_text(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.fixture
def running(client):
    """A private space run by a signed-in facilitator, with one contributor."""
    space = make_space("concordat", private=True, title="Crisis concordat")
    lead = make_user("Fay Facilitator")
    member = make_user("Con Tributor")
    add_member(space, lead, "facilitator")
    membership = add_member(space, member, "contributor")
    assert login(client, lead).status_code == 302
    return space, lead, member, membership


# --- facilitators manage members ------------------------------------------------------------------------

def test_a_facilitator_adds_a_member_by_email_with_a_role(client, running):
    space, *_ = running
    newcomer = make_user("Nia Newcomer", email="nia@example.org")
    assert client.get("/s/concordat/").status_code == 200

    response = client.post("/s/concordat/members", data={"email": "NIA@example.org", "role": "editor"})

    assert response.status_code == 302
    assert response.headers["Location"] == "/s/concordat/members"
    page = page_text(client, "/s/concordat/members")
    assert "Nia Newcomer is now an editor in this space." in page
    assert "nia@example.org" in page
    assert role_of(space, newcomer) == "editor"

    other = client.application.test_client()
    login(other, newcomer)
    assert "Your role: <strong>editor</strong>" in page_text(other, "/s/concordat/")


def test_adding_an_unknown_email_says_so(client, running):
    response = client.post("/s/concordat/members", data={"email": "ghost@example.org", "role": "editor"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "No account uses that email address. Ask them to register first." in text
    assert 'value="ghost@example.org"' in text  # what was typed is kept
    assert db.session.scalar(db.select(db.func.count(Membership.id))) == 2


def test_adding_with_an_invalid_role_is_refused(client, running):
    space, *_ = running
    newcomer = make_user("Nia Newcomer")
    response = client.post("/s/concordat/members", data={"email": newcomer.email, "role": "owner"})
    assert response.status_code == 422
    assert "Role: Not a valid choice" in response.get_data(as_text=True)
    assert role_of(space, newcomer) is None


def test_a_facilitator_changes_a_role(client, running):
    space, _, member, membership = running
    response = client.post(f"/s/concordat/members/{membership.id}/role", data={"role": "editor"})
    assert response.status_code == 302
    assert "Con Tributor is now an editor." in page_text(client, "/s/concordat/members")
    assert role_of(space, member) == "editor"


@pytest.mark.parametrize("role", ["owner", "", "admin"])
def test_an_invalid_role_change_is_a_clear_refusal(client, running, role):
    space, _, member, membership = running
    response = client.post(f"/s/concordat/members/{membership.id}/role", data={"role": role})
    assert response.status_code == 422
    assert "Choose a role: facilitator, editor or contributor." in response.get_data(as_text=True)
    assert role_of(space, member) == "contributor"


def test_a_membership_of_another_space_cannot_be_changed_from_this_one(client, running):
    space, *_ = running
    elsewhere = make_space("elsewhere")
    stranger = make_user("Stranger")
    foreign = add_member(elsewhere, stranger, "contributor")
    response = client.post(f"/s/concordat/members/{foreign.id}/role", data={"role": "facilitator"})
    assert response.status_code == 404
    assert "No such member in this space." in response.get_data(as_text=True)
    assert role_of(elsewhere, stranger) == "contributor"


def test_removing_asks_first_then_removes(client, running):
    space, _, member, membership = running
    path = f"/s/concordat/members/{membership.id}/remove"

    question = page_text(client, path)
    assert "Remove Con Tributor from Crisis concordat?" in question
    assert "Yes, remove" in question
    assert role_of(space, member) == "contributor"  # a GET changes nothing

    response = client.post(path)
    assert response.status_code == 302
    assert "Con Tributor was removed from this space." in page_text(client, "/s/concordat/members")
    assert role_of(space, member) is None

    gone = client.post(path)
    assert gone.status_code == 404
    assert "No such member in this space." in gone.get_data(as_text=True)


def test_the_last_facilitator_cannot_be_demoted(client, running):
    space, lead, *_ = running
    mine = db.session.scalar(db.select(Membership).where(Membership.user_id == lead.id))
    response = client.post(f"/s/concordat/members/{mine.id}/role", data={"role": "editor"})
    assert response.status_code == 422
    assert KEEP_A_FACILITATOR in response.get_data(as_text=True)
    assert role_of(space, lead) == "facilitator"


def test_the_last_facilitator_cannot_be_removed(client, running):
    space, lead, *_ = running
    mine = db.session.scalar(db.select(Membership).where(Membership.user_id == lead.id))
    response = client.post(f"/s/concordat/members/{mine.id}/remove")
    assert response.status_code == 422
    assert KEEP_A_FACILITATOR in response.get_data(as_text=True)
    assert role_of(space, lead) == "facilitator"


def test_a_facilitator_can_step_down_once_there_is_another(client, running):
    space, lead, member, membership = running
    client.post(f"/s/concordat/members/{membership.id}/role", data={"role": "facilitator"})
    mine = db.session.scalar(db.select(Membership).where(Membership.user_id == lead.id))

    response = client.post(f"/s/concordat/members/{mine.id}/role", data={"role": "contributor"})

    assert response.status_code == 302
    assert role_of(space, lead) == "contributor"
    assert role_of(space, member) == "facilitator"
    assert client.get("/s/concordat/members").status_code == 403  # no longer theirs to manage


# --- admins: spaces -----------------------------------------------------------------------------------

@pytest.fixture
def admin(client):
    person = make_user("Ada Admin", admin=True, email="ada@example.org")
    assert login(client, person).status_code == 302
    return person


def space_by_slug(slug: str) -> Space | None:
    db.session.expire_all()
    return db.session.scalar(db.select(Space).where(Space.slug == slug))


def test_an_admin_creates_a_space(client, admin):
    response = client.post("/admin/spaces", data={
        "slug": "Mental-Health-2030", "title": "Mental health 2030", "description": "Our plan", "private": "y",
    })
    assert response.status_code == 302
    assert response.headers["Location"] == "/s/mental-health-2030/members"
    assert "Space &#39;Mental health 2030&#39; created. Add a facilitator next." in page_text(
        client, "/s/mental-health-2030/members")
    space = space_by_slug("mental-health-2030")
    assert (space.title, space.description, space.is_private) == ("Mental health 2030", "Our plan", True)
    assert "Mental health 2030" in page_text(client, "/admin/spaces")


@pytest.mark.parametrize("slug", ["bad slug!", "-edge", "edge-", "admin", "x" * 65, "ünïcode"])
def test_a_bad_address_is_refused(client, admin, slug):
    response = client.post("/admin/spaces", data={"slug": slug, "title": "Anything"})
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "There is a problem" in text
    assert ("Use 1–64 lowercase letters, digits and hyphens" in text
            or "Field cannot be longer than 64 characters." in text)
    assert db.session.scalar(db.select(db.func.count(Space.id))) == 0


def test_a_duplicate_address_is_refused(client, admin):
    make_space("taken", title="First")
    response = client.post("/admin/spaces", data={"slug": "TAKEN", "title": "Second"})
    assert response.status_code == 422
    assert "A space with the address &#39;taken&#39; already exists." in response.get_data(as_text=True)
    assert space_by_slug("taken").title == "First"


def test_an_admin_edits_title_and_privacy(client, admin):
    make_space("open-plan", title="Open plan")
    form = page_text(client, "/admin/spaces/open-plan/edit")
    assert 'value="Open plan"' in form

    response = client.post("/admin/spaces/open-plan/edit", data={
        "slug": "hijacked", "title": "Closed plan", "description": "Now members only", "private": "y",
    })

    assert response.status_code == 302
    assert response.headers["Location"] == "/s/open-plan/"
    assert "Space saved." in page_text(client, "/s/open-plan/")
    space = space_by_slug("open-plan")
    assert (space.title, space.is_private, space.description) == ("Closed plan", True, "Now members only")
    assert space_by_slug("hijacked") is None  # the address never changes
    anonymous = client.application.test_client()
    assert anonymous.get("/s/open-plan/").status_code == 404

    client.post("/admin/spaces/open-plan/edit", data={"title": "Closed plan"})  # unticked: public again
    assert space_by_slug("open-plan").is_private is False
    assert anonymous.get("/s/open-plan/").status_code == 200


def test_editing_with_an_empty_title_is_refused(client, admin):
    make_space("open-plan", title="Open plan")
    response = client.post("/admin/spaces/open-plan/edit", data={"title": "  "})
    assert response.status_code == 422
    assert "Title" in response.get_data(as_text=True)
    assert space_by_slug("open-plan").title == "Open plan"


def test_editing_a_missing_space_is_not_found(client, admin):
    response = client.get("/admin/spaces/nowhere/edit")
    assert response.status_code == 404
    assert "No such space." in response.get_data(as_text=True)


# --- admins: accounts ---------------------------------------------------------------------------------

def table_rows(page: str) -> int:
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    return body.count("<tr>")


def test_the_accounts_list_is_paginated(client, admin, app):
    for n in range(30):
        make_user(f"Person {n:02d}", email=f"person{n:02d}@example.org")
    per_page = app.config["PER_PAGE"]
    assert per_page == 25

    first = page_text(client, "/admin/users")
    assert "31 accounts." in first
    assert "Page 1 of 2" in first
    assert table_rows(first) == 25
    assert 'rel="next" href="/admin/users?page=2"' in first
    assert "ada@example.org" in first  # sorted by email: ada… comes first

    second = page_text(client, "/admin/users?page=2")
    assert "Page 2 of 2" in second
    assert table_rows(second) == 6
    assert "person29@example.org" in second
    assert "ada@example.org" not in second

    for odd in ("abc", "0", "-3", "", "1e9"):
        fallback = page_text(client, f"/admin/users?page={odd}")
        assert "Page 1 of 2" in fallback, odd


def test_an_admin_grants_and_removes_admin_rights(client, admin):
    other = make_user("Bo Other")
    response = client.post(f"/admin/users/{other.id}/admin?page=1", data={"admin": "1"})
    assert response.status_code == 302
    assert "Bo Other is now a site admin." in page_text(client, "/admin/users")
    db.session.expire_all()
    assert db.session.get(User, other.id).is_admin is True

    client.post(f"/admin/users/{other.id}/admin", data={"admin": "0"})
    assert "Bo Other is no longer a site admin." in page_text(client, "/admin/users")
    db.session.expire_all()
    assert db.session.get(User, other.id).is_admin is False


def test_an_admin_cannot_remove_their_own_admin_rights(client, admin):
    page = page_text(client, "/admin/users")
    assert f"/admin/users/{admin.id}/admin" not in page  # no button for oneself

    response = client.post(f"/admin/users/{admin.id}/admin", data={"admin": "0"})

    assert response.status_code == 403
    assert "You cannot remove your own admin rights; ask another admin." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).is_admin is True
    assert client.get("/admin/users").status_code == 200


def test_changing_a_missing_account_is_not_found(client, admin):
    response = client.post("/admin/users/999999/admin", data={"admin": "1"})
    assert response.status_code == 404
    assert "No such user." in response.get_data(as_text=True)
