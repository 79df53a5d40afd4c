"""The whole role × privacy matrix of wiki/auth/permissions.py, written out as a table.

Each row says what one kind of person may do in a public and in a private space, so a change to a rule
shows up here as a readable diff rather than a surprise in a route.
"""

import pytest

from wiki.auth import permissions
from wiki.auth.permissions import (
    ANONYMOUS,
    CONTRIBUTOR,
    EDITOR,
    FACILITATOR,
    Actor,
    can_comment,
    can_edit,
    can_facilitate,
    can_manage_site,
    can_read,
    is_role,
)

ACTORS = {
    "anonymous": ANONYMOUS,
    "outsider": Actor(authenticated=True),
    "contributor": Actor(authenticated=True, role=CONTRIBUTOR),
    "editor": Actor(authenticated=True, role=EDITOR),
    "facilitator": Actor(authenticated=True, role=FACILITATOR),
    "admin": Actor(authenticated=True, admin=True),
    "admin+contributor": Actor(authenticated=True, admin=True, role=CONTRIBUTOR),
    "unknown-role": Actor(authenticated=True, role="owner"),
}

R, C, E, F = "read", "comment", "edit", "facilitate"
# actor -> (abilities in a public space, abilities in a private space)
EXPECTED = {
    "anonymous": ({R}, set()),
    "outsider": ({R, C}, set()),
    "contributor": ({R, C}, {R, C}),
    "editor": ({R, C, E}, {R, C, E}),
    "facilitator": ({R, C, E, F}, {R, C, E, F}),
    "admin": ({R, C, E, F}, {R, C, E, F}),
    "admin+contributor": ({R, C, E, F}, {R, C, E, F}),
    "unknown-role": ({R, C}, set()),
}
RULES = {R: can_read, C: can_comment, E: can_edit, F: can_facilitate}

CASES = [
    pytest.param(actor, private, ability, id=f"{actor}-{'private' if private else 'public'}-{ability}")
    for actor in ACTORS
    for private in (False, True)
    for ability in RULES
]


@pytest.mark.parametrize(("actor", "private", "ability"), CASES)
def test_matrix(actor, private, ability):
    allowed = ability in EXPECTED[actor][1 if private else 0]
    assert RULES[ability](ACTORS[actor], private) is allowed


@pytest.mark.parametrize(("actor", "expected"), [
    ("anonymous", False), ("outsider", False), ("contributor", False), ("editor", False),
    ("facilitator", False), ("admin", True), ("admin+contributor", True),
])
def test_only_signed_in_admins_manage_the_site(actor, expected):
    assert can_manage_site(ACTORS[actor]) is expected


def test_an_unauthenticated_admin_flag_grants_nothing_but_public_reading():
    ghost = Actor(authenticated=False, admin=True)
    assert not can_manage_site(ghost)
    assert not can_edit(ghost, False)
    assert not can_facilitate(ghost, False)
    assert not can_comment(ghost, False)


def test_abilities_are_nested():
    """Whoever may facilitate may edit, whoever may edit may comment, whoever may comment may read."""
    for actor in ACTORS.values():
        for private in (False, True):
            if can_facilitate(actor, private):
                assert can_edit(actor, private)
            if can_edit(actor, private):
                assert can_comment(actor, private)
            if can_comment(actor, private):
                assert can_read(actor, private)


def test_roles_are_ranked():
    ranks = [ACTORS[name].rank for name in ("outsider", "contributor", "editor", "facilitator")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 4
    assert ACTORS["unknown-role"].rank == 0


@pytest.mark.parametrize("value", ["contributor", "editor", "facilitator"])
def test_known_roles(value):
    assert is_role(value)
    assert value in permissions.ROLE_LABELS


@pytest.mark.parametrize("value", ["", "admin", "owner", "Editor", "editor ", None])
def test_unknown_roles(value):
    assert not is_role(value)
