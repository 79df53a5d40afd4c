"""An Atom response from recent-changes items (the XML itself is built by the pure ``atom``)."""

from flask import Response, current_app, request

from wiki.awareness import atom
from wiki.awareness.links import item_url
from wiki.timeutil import utcnow


def _authority() -> str:
    """The tag: URI authority: the configured site host, so ids survive a change of scheme or port."""
    base = current_app.config.get("BASE_URL") or request.host_url
    return base.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0] or "localhost"


def atom_response(items, *, title: str, key: str, page_url: str) -> Response:
    authority = _authority()
    entries = [
        atom.Entry(
            id=atom.tag_uri(authority, "2026", f"activity-{item.activity_id}"),
            title=item.headline, updated=item.created_at, link=item_url(item, external=True),
            summary=" — ".join(part for part in (item.summary, item.excerpt) if part),
            author=item.who, category=item.kind,
        )
        for item in items
    ]
    updated = entries[0].updated if entries else utcnow()
    body = atom.build(feed_id=atom.tag_uri(authority, "2026", key), title=title, self_url=request.url,
                      page_url=page_url, updated=updated, entries=entries)
    response = Response(body, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "private, max-age=60" if request.args.get("token") else "public, max-age=60"
    return response
