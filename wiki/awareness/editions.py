"""Published editions in awareness: "Fay published edition 2 of Housing plan" in recent changes and
to the document's watchers, linking to the edition's permanent address.

An edition's file is public (its /p/ address opens for anyone), but the activity row still follows
the space's read rule like every other row: a private space's feed does not advertise it.
"""

from __future__ import annotations

from sqlalchemy import select

from wiki.auth.models import User
from wiki.awareness import audience, kinds, notify
from wiki.awareness.models import EDITION, Activity
from wiki.publishing.models import Edition


def _load(session, rows: list[Activity]) -> dict:
    ids = {row.ref_id for row in rows}
    editions = {e.id: e for e in session.scalars(select(Edition).where(Edition.id.in_(ids)))}
    people = {e.published_by_id for e in editions.values() if e.published_by_id}
    names = dict(session.execute(select(User.id, User.display_name).where(User.id.in_(people))).all())
    return {"editions": editions, "names": names}


def _show(row: Activity, loaded: dict, reader: kinds.Reader) -> kinds.Item | None:  # noqa: ARG001 - read checked
    edition = loaded["editions"].get(row.ref_id)
    if edition is None:
        return None
    return kinds.base(row, who=loaded["names"].get(edition.published_by_id, ""),
                      action=f"published edition {edition.number} of", summary=kinds.excerpt_of_text(edition.notes))


kinds.register(EDITION, _load, _show)


def record_edition(session, edition_id: int) -> list[int]:
    edition = session.get(Edition, edition_id)
    if edition is None:
        return []
    document = edition.document
    activity = Activity(kind=EDITION, space_id=document.space_id, document_id=document.id, ref_id=edition.id,
                        actor_id=edition.published_by_id, revision_number=edition.revision_number,
                        state=str(edition.number), created_at=edition.published_at)
    session.add(activity)
    session.flush()
    actors = frozenset({edition.published_by_id}) - {None}
    return notify.notify(session, activity, audience.Event(kind=EDITION, actors=actors))
