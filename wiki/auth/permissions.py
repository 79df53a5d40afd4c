"""PURE permission rules: who may read, comment, edit and facilitate in a space.

Kept free of Flask and the database so the whole role × privacy matrix is tested in milliseconds,
and so routes, the API and socket events all ask the same questions.
"""

from dataclasses import dataclass

CONTRIBUTOR = "contributor"
EDITOR = "editor"
FACILITATOR = "facilitator"
ROLES = (CONTRIBUTOR, EDITOR, FACILITATOR)
ROLE_LABELS = {
    CONTRIBUTOR: "Contributor (comments)",
    EDITOR: "Editor (co-authors)",
    FACILITATOR: "Facilitator (manages members, rounds, publishing)",
}
_RANK = {None: 0, CONTRIBUTOR: 1, EDITOR: 2, FACILITATOR: 3}


@dataclass(frozen=True)
class Actor:
    """Who is asking, as far as one space is concerned."""

    authenticated: bool = False
    admin: bool = False
    role: str | None = None  # membership role in the space, None for non-members

    @property
    def rank(self) -> int:
        return _RANK.get(self.role, 0)


ANONYMOUS = Actor()


def can_read(actor: Actor, space_private: bool) -> bool:
    """Public spaces are open to everyone; private ones to members and admins."""
    return not space_private or actor.admin or actor.rank > 0


def can_comment(actor: Actor, space_private: bool) -> bool:
    """Any signed-in reader may comment on a public space; members on a private one."""
    return actor.authenticated and can_read(actor, space_private)


def can_edit(actor: Actor, space_private: bool) -> bool:  # noqa: ARG001 - same signature for all rules
    """Editors and facilitators co-author; admins can step in."""
    return actor.authenticated and (actor.admin or actor.rank >= _RANK[EDITOR])


def can_facilitate(actor: Actor, space_private: bool) -> bool:  # noqa: ARG001
    """Facilitators manage members, rounds and publishing; admins can too."""
    return actor.authenticated and (actor.admin or actor.rank >= _RANK[FACILITATOR])


def can_manage_site(actor: Actor) -> bool:
    """Only site admins create spaces and manage accounts."""
    return actor.authenticated and actor.admin


def is_role(value: str) -> bool:
    return value in ROLES
