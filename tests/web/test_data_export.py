"""Downloading my data: one JSON attachment with everything the wiki holds about the signed-in
person (profile, consent history, memberships, revisions, named versions, comments with their
context, agrees, flags, moderation, API token names) and nothing about anyone else: no other
person's comments, names or addresses, no password or token hash. SQLite and PostgreSQL.
"""

import json

import pytest
from sqlalchemy import select

from tests.factories import PASSWORD
from tests.web import lifecycle_world
from tests.web.lifecycle_world import BODIES, ERIN, FAY, OLLIE
from tests.worlds import BACKENDS, module_app
from wiki.auth.models import ApiToken, User
from wiki.extensions import db
from wiki.privacy.parts import registry


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory):
    with module_app(request, tmp_path_factory, "export") as app:
        with app.app_context():
            built = lifecycle_world.build()
            secrets = [*db.session.scalars(select(ApiToken.token_hash)),
                       *db.session.scalars(select(User.password_hash))]
            db.session.remove()
        built.app, built.secrets, built.downloads = app, secrets, {}
        yield built


def download(world, email: str):
    if email not in world.downloads:
        client = world.app.test_client()
        assert client.post("/login", data={"email": email, "password": PASSWORD}).status_code == 302
        world.downloads[email] = client.get("/profile/data")
    return world.downloads[email]


def data_of(world, email: str) -> dict:
    return json.loads(download(world, email).get_data(as_text=True))


def test_the_download_is_a_json_attachment_with_every_part(world):
    response = download(world, world.erin_email)
    assert response.status_code == 200 and response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="strategy-wiki-my-data-') and disposition.endswith('.json"')
    assert response.headers["Cache-Control"] == "no-store"
    data = data_of(world, world.erin_email)
    assert data["format"] == "strategy-wiki personal data" and data["user_id"] == world.erin_id
    assert {part.name for part in registry().parts()} <= set(data)


def test_signed_out_visitors_are_sent_to_log_in(world):
    response = world.app.test_client().get("/profile/data")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_it_holds_everything_about_me(world):
    data = data_of(world, world.erin_email)
    profile = data["profile"]
    assert profile["email"] == world.erin_email and profile["display_name"] == ERIN
    assert profile["perspectives"] == ["lived_experience", "carer"] and profile["perspectives_consent"] is True
    (consent,) = data["consent_history"]
    assert consent["granted"] is True and consent["perspectives"] == ["lived_experience", "carer"]
    assert consent["wording"] and consent["at"]
    assert {(m["space"], m["role"], m["private"]) for m in data["memberships"]} == {
        ("public-space", "editor", False), ("private-space", "editor", True)}
    assert [(r["document"]["title"], r["number"], r["summary"]) for r in data["revisions"]] == [
        ("Public plan", 2, "Erin adds a paragraph"), ("Private plan", 2, "Erin adds a paragraph")]
    assert all(r["created_at"] for r in data["revisions"])
    assert sorted(v["name"] for v in data["named_versions"]) == ["Erin's private version", "Erin's public version"]

    mine = {(c["document"]["space"], c["body"]): c for c in data["comments"]}
    assert len(mine) == 6
    named = mine[("public-space", BODIES["named"])]
    assert named["visibility"] == "named" and named["perspective"] == "carer" and named["state"] == "published"
    assert named["thread_quote"] == "Housing comes first" and named["document"]["title"] == "Public plan"
    anonymous = mine[("private-space", BODIES["anonymous"])]
    assert anonymous["visibility"] == "anonymous" and anonymous["perspective"] == "lived_experience"
    assert mine[("public-space", BODIES["reply"])]["thread_quote"] == "the towns"
    assert [a["comment_id"] for a in data["agrees"]] == [world.comments[k]["fay"] for k in ("public", "private")]
    assert [f["reason"] for f in data["flags"]] == ["Erin's flag reason"] * 2
    assert data["api_tokens"] == [{"label": "test", "created_at": data["api_tokens"][0]["created_at"],
                                   "last_used_at": None}]
    assert data["moderation"] == []


def test_a_facilitator_gets_their_moderation_and_the_author_the_reason(world):
    fay = data_of(world, world.fay_email)
    assert [(m["action"], m["reason"]) for m in fay["moderation"]] == [("hide", "Off topic")]
    assert BODIES["fay_private"] in {c["body"] for c in fay["comments"]}  # their own facilitators-only note
    ollie = data_of(world, world.ollie_email)
    (comment,) = ollie["comments"]
    assert comment["state"] == "hidden" and comment["hidden_reason"] == "Off topic"


@pytest.mark.parametrize("who", ["erin", "ollie"])
def test_it_holds_nothing_about_anyone_else(world, who):
    email = getattr(world, f"{who}_email")
    text = download(world, email).get_data(as_text=True)
    others = {"erin": (ERIN, world.erin_email), "fay": (FAY, world.fay_email), "ollie": (OLLIE, world.ollie_email)}
    for person, (name, address) in others.items():
        if person != who:
            assert name not in text and address not in text, person
    own_bodies = {"erin": {"named", "anonymous", "reply"}, "ollie": {"ollie"}}[who]
    for key, body in BODIES.items():
        assert (body in text) == (key in own_bodies), key
    for secret in world.secrets:
        assert secret not in text
    assert "hash" not in text and "password" not in text


def test_the_wiki_registry_names_each_part_once_and_describes_every_erasure():
    parts = registry().parts()
    names = [part.name for part in parts]
    assert len(names) == len(set(names))
    assert {"profile", "consent_history", "api_tokens", "memberships", "revisions", "comments", "agrees",
            "flags"} <= set(names)
    assert all(part.description for part in parts)  # the erase page lists what happens to each
