from tests.factories import add_member, login, make_space, make_user


def test_home_lists_public_space(client, app):
    make_space("open-space", title="Open strategy")
    response = client.get("/")
    assert response.status_code == 200
    assert b"Open strategy" in response.data


def test_login_and_see_private_space(client):
    user = make_user("Ada")
    space = make_space("secret", private=True, title="Hidden concordat")
    add_member(space, user, "editor")
    assert client.get("/s/secret/").status_code == 404
    response = login(client, user)
    assert response.status_code == 302
    page = client.get("/s/secret/")
    assert page.status_code == 200
    assert b"Hidden concordat" in page.data
    assert b"editor" in page.data
