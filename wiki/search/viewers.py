"""Every kind of viewer the app can produce, made by the app's own rules (``presenters.viewer_for``
over every kind of actor), so the index asks the real rules who may find what."""

from __future__ import annotations

import functools
from types import SimpleNamespace

from wiki.auth import permissions
from wiki.comments import rules
from wiki.comments.presenters import viewer_for

ACTORS = (permissions.ANONYMOUS, permissions.Actor(authenticated=True),
          *(permissions.Actor(authenticated=True, role=role) for role in permissions.ROLES),
          permissions.Actor(authenticated=True, admin=True))
NOBODY = -1  # an account id that is nobody's: no viewer made here is anyone's author


@functools.cache
def viewers_in(private: bool) -> tuple[tuple[permissions.Actor, rules.Viewer], ...]:
    """(actor, viewer) for every actor who may read a space of this privacy."""
    space = SimpleNamespace(is_private=private)
    return tuple((actor, viewer_for(actor, SimpleNamespace(is_authenticated=actor.authenticated, id=NOBODY), space))
                 for actor in ACTORS if permissions.can_read(actor, private))


def possible_viewers() -> tuple[rules.Viewer, ...]:
    """Every distinct viewer, whatever the space."""
    return tuple(dict.fromkeys(v for private in (False, True) for _, v in viewers_in(private)))
