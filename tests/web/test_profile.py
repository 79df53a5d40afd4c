"""The profile page: display name, and self-declared perspectives kept only with recorded consent."""

import re

from tests.factories import login, make_user, token_for
from wiki.auth.models import ConsentRecord, User
from wiki.auth.perspectives import CONSENT_WORDING
from wiki.extensions import db

CONSENT_NEEDED = "Tick the consent box to save perspectives, or untick them all."


def save(client, name="Grace Hopper", perspectives=(), consent=False):
    data = {"display_name": name, "perspectives": list(perspectives)}
    if consent:
        data["consent"] = "y"
    return client.post("/profile", data=data)


def fresh(user) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def consent_records(user) -> list[ConsentRecord]:
    return list(db.session.scalars(
        db.select(ConsentRecord).where(ConsentRecord.user_id == user.id).order_by(ConsentRecord.id)
    ))


def is_ticked(page: str, attribute: str, value: str) -> bool:
    """Whether the checkbox carrying attribute="value" is ticked on the page."""
    tag = re.search(rf'<input[^>]*\b{attribute}="{value}"[^>]*>', page)
    assert tag, f"no checkbox with {attribute}={value}"
    return " checked" in tag.group(0)


def signed_in_user(client, name="Grace"):
    user = make_user(name)
    assert login(client, user).status_code == 302
    return user


def test_the_display_name_can_be_changed(client):
    user = signed_in_user(client)
    response = save(client, name="  Amazing Grace ")
    assert response.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert "Your profile is saved." in page
    assert '<span class="who">Amazing Grace</span>' in page
    assert fresh(user).display_name == "Amazing Grace"


def test_a_display_name_of_81_characters_is_refused(client):
    user = signed_in_user(client)
    response = save(client, name="x" * 81)
    assert response.status_code == 422
    assert "Field cannot be longer than 80 characters." in response.get_data(as_text=True)
    assert fresh(user).display_name == "Grace"
    assert save(client, name="y" * 80).status_code == 302
    assert fresh(user).display_name == "y" * 80


def test_a_display_name_is_shown_as_text_not_markup(client):
    signed_in_user(client)
    assert save(client, name="<b>Bold</b>").status_code == 302
    page = client.get("/").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert "<b>Bold</b>" not in page


def test_perspectives_need_the_consent_box(client):
    user = signed_in_user(client)
    response = save(client, name="Changed too", perspectives=["carer"])

    assert response.status_code == 422
    assert CONSENT_NEEDED in response.get_data(as_text=True)
    stored = fresh(user)
    assert stored.perspectives == []
    assert stored.perspectives_consent is False
    assert stored.display_name == "Grace"  # nothing from the refused form is saved
    assert consent_records(user) == []


def test_perspectives_with_consent_are_saved_and_the_consent_recorded(client):
    user = signed_in_user(client)
    response = save(client, perspectives=["practitioner", "carer", "carer"], consent=True)

    assert response.status_code == 302
    stored = fresh(user)
    assert stored.perspectives == ["carer", "practitioner"]
    assert stored.perspectives_consent is True
    [record] = consent_records(user)
    assert (record.purpose, record.granted) == ("perspectives", True)
    assert record.wording == CONSENT_WORDING
    assert record.perspectives == ["carer", "practitioner"]

    page = client.get("/profile").get_data(as_text=True)
    assert CONSENT_WORDING in page
    assert is_ticked(page, "id", "consent")
    assert is_ticked(page, "value", "carer")
    assert is_ticked(page, "value", "practitioner")
    assert not is_ticked(page, "value", "statutory")


def test_saving_without_a_change_records_no_new_consent(client):
    user = signed_in_user(client)
    save(client, perspectives=["carer"], consent=True)
    save(client, name="Renamed", perspectives=["carer"], consent=True)
    assert len(consent_records(user)) == 1


def test_an_unknown_perspective_is_refused(client):
    user = signed_in_user(client)
    response = save(client, perspectives=["astronaut"], consent=True)
    assert response.status_code == 422
    assert "Perspectives (optional)" in response.get_data(as_text=True)
    assert fresh(user).perspectives == []


def test_withdrawing_consent_deletes_the_perspectives_and_is_recorded(client):
    user = signed_in_user(client)
    save(client, perspectives=["lived_experience", "carer"], consent=True)

    response = save(client, perspectives=[], consent=False)

    assert response.status_code == 302
    stored = fresh(user)
    assert stored.perspectives == []
    assert stored.perspectives_consent is False
    granted, withdrawn = consent_records(user)
    assert granted.granted is True
    assert (withdrawn.purpose, withdrawn.granted, withdrawn.perspectives) == ("perspectives", False, [])
    assert withdrawn.wording == CONSENT_WORDING


def test_unticking_only_the_consent_box_withdraws_as_the_page_says(client):
    """The page says: untick the consent box and save to withdraw; the ticked perspectives then go."""
    user = signed_in_user(client)
    save(client, perspectives=["lived_experience"], consent=True)
    assert "Untick this and save to withdraw consent" in client.get("/profile").get_data(as_text=True)

    response = save(client, perspectives=["lived_experience"], consent=False)

    assert response.status_code == 302
    page = client.get("/profile").get_data(as_text=True)
    assert "your perspectives are deleted" in page
    assert not is_ticked(page, "value", "lived_experience")
    assert not is_ticked(page, "id", "consent")
    stored = fresh(user)
    assert stored.perspectives == []
    assert stored.perspectives_consent is False
    assert [record.granted for record in consent_records(user)] == [True, False]


def test_the_api_shows_perspectives_only_with_consent(client):
    user = signed_in_user(client)
    save(client, perspectives=["carer"], consent=True)
    assert client.get("/api/v1/me").get_json()["perspectives"] == ["carer"]

    stored = fresh(user)
    stored.perspectives_consent = False  # data left behind without consent must still not be shown
    db.session.commit()
    assert client.get("/api/v1/me").get_json()["perspectives"] == []

    other = make_user("Token user")
    other.perspectives = ["statutory"]
    db.session.commit()
    body = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token_for(other)}"}).get_json()
    assert body["perspectives"] == []


def test_the_profile_needs_a_login(client):
    response = client.get("/profile")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
