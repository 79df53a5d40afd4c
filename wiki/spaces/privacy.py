"""What the spaces feature holds about a person: their memberships (exported, erased with the account)."""

from sqlalchemy import delete, select

from wiki.auth.privacy import iso
from wiki.spaces.models import Membership, Space


def export_memberships(session, user) -> list[dict]:
    rows = session.execute(
        select(Space.slug, Space.title, Space.is_private, Membership.role, Membership.created_at)
        .join(Membership.space).where(Membership.user_id == user.id).order_by(Space.slug)
    )
    return [{"space": slug, "space_title": title, "private": private, "role": role, "since": iso(since)}
            for slug, title, private, role, since in rows]


def erase_memberships(session, user) -> None:
    session.execute(delete(Membership).where(Membership.user_id == user.id))
