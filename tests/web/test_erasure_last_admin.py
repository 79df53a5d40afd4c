"""The last site admin cannot erase their account (the site would have nobody to manage it); once
there is another admin they can. A database of its own (the `app` fixture): here the admin really
is the only one."""

import html

from tests.factories import PASSWORD, make_user
from wiki.auth.models import User
from wiki.extensions import db
from wiki.privacy.service import LAST_ADMIN


def test_the_only_site_admin_cannot_erase_their_account(app):
    admin = make_user("Only Admin", admin=True)
    client = app.test_client()
    assert client.post("/login", data={"email": admin.email, "password": PASSWORD}).status_code == 302
    erase = {"password": PASSWORD, "confirm": "y"}
    refused = client.post("/profile/erase", data=erase)
    assert refused.status_code == 409 and LAST_ADMIN in html.unescape(refused.get_data(as_text=True))
    assert db.session.get(User, admin.id).erased_at is None

    second = make_user("Second Admin", admin=True)
    assert client.post("/profile/erase", data=erase).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, second.id).is_admin and db.session.get(User, admin.id).erased_at
