"""Space use cases: create, find with permission, list what a user may read, manage members."""

import re

from sqlalchemy import or_, select

from wiki.auth import permissions
from wiki.auth.models import User
from wiki.auth.permissions import Actor
from wiki.auth.service import find_user_by_email
from wiki.errors import InvalidInput, NotFound, PermissionDenied
from wiki.spaces.models import Membership, Space

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$")
RESERVED_SLUGS = {"new", "admin", "api", "static"}
NO_SUCH_SPACE = "No such space, or you do not have access to it."


def actor_for(session, user, space: Space | None) -> Actor:
    """The permission view of a (possibly anonymous) user within one space."""
    if user is None or not getattr(user, "is_authenticated", False):
        return permissions.ANONYMOUS
    role = None
    if space is not None:
        role = session.scalar(
            select(Membership.role).where(Membership.space_id == space.id, Membership.user_id == user.id)
        )
    return actor_with_role(user, role)


def actor_with_role(user, role: str | None) -> Actor:
    """The permission view of a signed-in user whose role in the space is already known (batch
    readers load many memberships in one query, then ask this)."""
    return Actor(authenticated=True, admin=user.is_admin, role=role)


def user_id_of(user) -> int | None:
    return user.id if getattr(user, "is_authenticated", False) else None


def membership_role(user_id):
    """A column to select beside a Space: the role in it of `user_id` (a value or a bindparam; NULL
    for no membership, or None for anonymous), so one query finds a space and its reader's actor
    (see readable_actor)."""
    return (select(Membership.role).where(Membership.space_id == Space.id, Membership.user_id == user_id)
            .scalar_subquery())


def readable_actor(space: Space | None, user, role: str | None) -> Actor:
    """The actor of `user` (with `role` in the space, from membership_role), if they may read the
    space; otherwise the space looks exactly like a missing one."""
    anonymous = user is None or not getattr(user, "is_authenticated", False)
    actor = permissions.ANONYMOUS if anonymous else actor_with_role(user, role)
    if space is None or not permissions.can_read(actor, space.is_private):
        raise NotFound(NO_SUCH_SPACE)
    return actor


def roles_of(session, user_id: int) -> dict[int, str]:
    """{space id: role} of every membership of one user."""
    query = select(Membership.space_id, Membership.role).where(Membership.user_id == user_id)
    return dict(session.execute(query).all())


def actors_for(session, user, spaces) -> dict[int, Actor]:
    """``actor_for`` over many spaces with one query (search asks about every space at once)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {space.id: permissions.ANONYMOUS for space in spaces}
    roles = roles_of(session, user.id)
    return {space.id: actor_with_role(user, roles.get(space.id)) for space in spaces}


def get_readable_space(session, slug: str, user) -> tuple[Space, Actor]:
    """A space the user may read; unreadable private spaces look exactly like missing ones."""
    row = session.execute(select(Space, membership_role(user_id_of(user))).where(Space.slug == slug)).first()
    space, role = row if row is not None else (None, None)
    return space, readable_actor(space, user, role)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def get_facilitated_space(session, slug: str, user) -> tuple[Space, Actor]:
    space, actor = get_readable_space(session, slug, user)
    require(permissions.can_facilitate(actor, space.is_private), "Only facilitators can manage this space.")
    return space, actor


def visible_spaces(session, user) -> list[Space]:
    """Public spaces, plus private ones the user belongs to (all of them for admins)."""
    query = select(Space).order_by(Space.title)
    if user is None or not getattr(user, "is_authenticated", False):
        query = query.where(Space.is_private.is_(False))
    elif not user.is_admin:
        member_of = select(Membership.space_id).where(Membership.user_id == user.id)
        query = query.where(or_(Space.is_private.is_(False), Space.id.in_(member_of)))
    return list(session.scalars(query))


def validate_space_fields(slug: str, title: str) -> tuple[str, str]:
    slug = (slug or "").strip().lower()
    title = (title or "").strip()
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise InvalidInput("Use 1–64 lowercase letters, digits and hyphens for the address (no hyphen at the ends).")
    if not title or len(title) > 200:
        raise InvalidInput("Enter a title of up to 200 characters.")
    return slug, title


def create_space(session, slug: str, title: str, *, private: bool = False, description: str = "") -> Space:
    slug, title = validate_space_fields(slug, title)
    if session.scalar(select(Space.id).where(Space.slug == slug)):
        raise InvalidInput(f"A space with the address '{slug}' already exists.")
    space = Space(slug=slug, title=title, is_private=private, description=(description or "").strip()[:5000])
    session.add(space)
    session.flush()
    return space


def update_space(session, space: Space, title: str, private: bool, description: str) -> None:
    _, space.title = validate_space_fields(space.slug, title)
    space.is_private = private
    space.description = (description or "").strip()[:5000]
    session.commit()


def set_timezone(session, space: Space, name: str) -> None:
    """The space's timezone (an IANA name such as Europe/London); the caller commits."""
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    name = (name or "").strip() or "Europe/London"
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{name[:64]!r} is not a timezone: use a name such as Europe/London or Europe/Dublin.") \
            from None
    space.timezone = name


def members(session, space: Space) -> list[Membership]:
    query = (
        select(Membership).join(User).where(Membership.space_id == space.id).order_by(User.display_name)
    )
    return list(session.scalars(query))


def set_membership(session, space: Space, email: str, role: str) -> Membership:
    """Add a member by email, or change their role if they are already one."""
    if not permissions.is_role(role):
        raise InvalidInput("Choose a role: facilitator, editor or contributor.")
    user = find_user_by_email(session, email)
    if user is None:
        raise InvalidInput("No account uses that email address. Ask them to register first.")
    membership = session.scalar(
        select(Membership).where(Membership.space_id == space.id, Membership.user_id == user.id)
    )
    if membership is None:
        membership = Membership(space=space, user=user, role=role)
        session.add(membership)
    else:
        _keep_a_facilitator(session, space, membership, role)
        membership.role = role
    session.flush()
    return membership


def get_membership(session, space: Space, membership_id: int) -> Membership:
    membership = session.get(Membership, membership_id)
    if membership is None or membership.space_id != space.id:
        raise NotFound("No such member in this space.")
    return membership


def remove_member(session, space: Space, membership: Membership) -> User:
    _keep_a_facilitator(session, space, membership, None)
    user = membership.user
    session.delete(membership)
    session.flush()
    return user


def _keep_a_facilitator(session, space: Space, membership: Membership, new_role: str | None) -> None:
    """A space must not lose its last facilitator by accident: nobody could then run it."""
    if membership.role != permissions.FACILITATOR or new_role == permissions.FACILITATOR:
        return
    others = session.scalar(
        select(Membership.id).where(
            Membership.space_id == space.id,
            Membership.role == permissions.FACILITATOR,
            Membership.id != membership.id,
        )
    )
    if others is None:
        raise InvalidInput("A space needs at least one facilitator. Make someone else a facilitator first.")
