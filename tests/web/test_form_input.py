"""HTML forms read posted form data only: a JSON body of any shape is a 4xx, never a 500."""

import pytest

from tests.factories import add_member, login, make_document, make_space, make_user

BODIES = [[1, 2], 7, "text", None, {"email": ["a"], "password": {"x": 1}}]


@pytest.mark.parametrize("body", BODIES, ids=repr)
def test_json_bodies_to_form_pages_are_refused_cleanly(client, body):
    facilitator = make_user("Fay")
    space = make_space("plans")
    add_member(space, facilitator, "facilitator")
    document = make_document(space, facilitator, "Plan")
    for path in ("/login", "/register"):
        response = client.post(path, json=body)
        assert response.status_code == 422, path
        assert "There is a problem" in response.get_data(as_text=True)
    login(client, facilitator)
    for path in ("/profile", "/s/plans/members", "/s/plans/new", f"/s/plans/{document.slug}/edit",
                 f"/s/plans/{document.slug}/versions"):
        response = client.post(path, json=body)  # no field is filled: refused, or an unchanged save
        assert response.status_code in (302, 400, 403, 409, 422), (path, response.status_code)
