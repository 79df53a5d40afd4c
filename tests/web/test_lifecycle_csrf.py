"""With CSRF protection on (as in production), erasing an account and deleting a document need the
page's token: a forged cross-site post is refused with a message and changes nothing, the same post
with the token works. API deletes from a cookie session need X-CSRFToken; a bearer token does not.
"""

import re

import pytest

from tests.factories import PASSWORD, add_member, make_document, make_space, make_user, token_for
from tests.worlds import BACKENDS, module_app
from wiki.auth.models import User
from wiki.documents.models import Document
from wiki.extensions import db

TOKEN_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@pytest.fixture(scope="module", params=BACKENDS)
def csrf_app(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "lifecycle-csrf", WTF_CSRF_ENABLED=True) as app:
        with app.app_context():
            db.session.remove()
        yield app


@pytest.fixture
def people(csrf_app):
    with csrf_app.app_context():
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
        space = make_space("plans")
        admin = make_user("Ada Admin", admin=True, email="ada@example.org")
        member = make_user("Con Tributor", email="con@example.org")
        add_member(space, admin, "facilitator")
        add_member(space, member, "contributor")
        document = make_document(space, admin, "Housing plan")
        made = {"admin_id": admin.id, "member_id": member.id, "doc_id": document.id, "slug": document.slug,
                "token": token_for(admin)}
        db.session.remove()
    return made


def page_token(client, path: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, path
    return TOKEN_FIELD.search(page.get_data(as_text=True)).group(1)


def signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD,
                                           "csrf_token": page_token(client, "/login")})
    assert response.status_code == 302
    return client


def refused(response) -> bool:
    return response.status_code == 400 and "The CSRF token is missing." in response.get_data(as_text=True)


def erased(app, user_id: int) -> bool:
    with app.app_context():
        found = db.session.get(User, user_id).erased_at is not None
        db.session.remove()
    return found


def document_exists(app, doc_id: int) -> bool:
    with app.app_context():
        found = db.session.get(Document, doc_id) is not None
        db.session.remove()
    return found


def test_erasing_my_account_needs_the_token(csrf_app, people):
    client = signed_in(csrf_app, "con@example.org")
    assert refused(client.post("/profile/erase", data={"password": PASSWORD, "confirm": "y"}))
    assert not erased(csrf_app, people["member_id"])
    token = page_token(client, "/profile/erase")
    response = client.post("/profile/erase", data={"password": PASSWORD, "confirm": "y", "csrf_token": token})
    assert response.status_code == 302 and erased(csrf_app, people["member_id"])


def test_an_admin_erasing_an_account_needs_the_token(csrf_app, people):
    client = signed_in(csrf_app, "ada@example.org")
    path = f"/admin/users/{people['member_id']}/erase"
    assert refused(client.post(path, data={"email": "con@example.org"}))
    assert not erased(csrf_app, people["member_id"])
    response = client.post(path, data={"email": "con@example.org", "csrf_token": page_token(client, path)})
    assert response.status_code == 302 and erased(csrf_app, people["member_id"])


def test_deleting_a_document_needs_the_token(csrf_app, people):
    client = signed_in(csrf_app, "ada@example.org")
    path = f"/s/plans/{people['slug']}/delete"
    assert refused(client.post(path, data={"title": "Housing plan"}))
    api = client.delete(f"/api/v1/documents/{people['doc_id']}")
    assert api.status_code == 400 and "CSRF token is missing" in api.get_json()["error"]
    assert document_exists(csrf_app, people["doc_id"])
    response = client.post(path, data={"title": "Housing plan", "csrf_token": page_token(client, path)})
    assert response.status_code == 302 and not document_exists(csrf_app, people["doc_id"])


def test_the_api_delete_with_a_bearer_token_needs_no_csrf_token(csrf_app, people):
    response = csrf_app.test_client().delete(f"/api/v1/documents/{people['doc_id']}",
                                             headers={"Authorization": f"Bearer {people['token']}"})
    assert response.status_code == 204 and not document_exists(csrf_app, people["doc_id"])
