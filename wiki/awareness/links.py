"""Where an activity or a notification leads: one place for the pages, the Atom feeds and emails."""

from flask import url_for

from wiki.awareness.models import EDITION, REVISION, ROUND


def item_url(item, *, external: bool = False, first_revision: int | None = None) -> str:
    """The page that shows what happened: the diff of an edit (from ``first_revision``'s parent for
    folded edits), the thread of a comment, else the document (or space)."""
    if item.document_slug is None:
        return url_for("spaces.show", slug=item.space_slug, _external=external)
    doc = {"space_slug": item.space_slug, "slug": item.document_slug, "_external": external}
    if item.kind == REVISION and item.revision_number:
        start = (first_revision or item.revision_number) - 1
        if start < 1:
            return url_for("documents.revision", number=item.revision_number, **doc)
        return url_for("documents.compare", **{"from": start, "to": item.revision_number}, **doc)
    if item.kind == EDITION and item.state.isdigit():
        return url_for("published.edition", space_slug=item.space_slug, slug=item.document_slug,
                       number=int(item.state), _external=external)
    if item.kind == ROUND and item.ref_id:
        return url_for("rounds.show", round_id=item.ref_id, **doc)
    if item.thread_id:
        return url_for("documents.view", _anchor=f"thread-{item.thread_id}", **doc)
    return url_for("documents.view", **doc)


def note_url(note, *, external: bool = False) -> str:
    return item_url(note.item, external=external, first_revision=note.first_revision)
