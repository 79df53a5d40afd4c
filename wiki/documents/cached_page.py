"""The reading page (/s/<space>/<slug>) served from the page cache when nothing on it is personal.

Who is served from the cache: readers who are not signed in (the *anonymous* viewer class), on
the plain URL (no comment filters), with no flashed message waiting. Their page holds no name, no
form token, no watch button and no "since you last visited"; permission to read is still checked
on every request before the cache is consulted, so a space made private stops serving at once.
Signed-in readers are not served from here: their page carries their own bell count, watch state,
name and CSRF tokens; shell_page.py shares their role's part of it and renders their own parts.

A page is stored only if rendering it touched nothing per-request beyond the CSP nonce: no CSRF
token was made, the session was not modified. See pagecache.py for validity and docs/architecture.md
("Caching the reading page") for the figures.
"""

import functools
from datetime import datetime

from flask import current_app, g, has_app_context, request, session
from flask_login import current_user
from sqlalchemy import bindparam, select

from wiki.auth import permissions
from wiki.consultations import lifecycle
from wiki.consultations.models import Round
from wiki.documents.models import Document
from wiki.documents.pagecache import PageCache
from wiki.extensions import db
from wiki.security import csp_nonce
from wiki.spaces.models import Space
from wiki.timeutil import as_utc, utcnow

ANONYMOUS = "anonymous"
_ACTORS = {ANONYMOUS: permissions.ANONYMOUS}  # whom each viewer class is, to the permission rules


def init_page_cache(app) -> None:
    cache = PageCache(size=app.config["PAGE_CACHE_SIZE"], ttl=app.config["PAGE_CACHE_TTL"])
    app.extensions["page_cache"] = cache


def clear() -> None:
    """Forget every page this app's process keeps (a write's page generation could not be bumped)."""
    cache = current_app.extensions.get("page_cache") if has_app_context() else None
    if cache is not None:
        cache.clear()


def _cache() -> PageCache | None:
    return current_app.extensions.get("page_cache") if current_app.config["PAGE_CACHE"] else None


def viewer_class(user) -> str | None:
    """The class of viewers who all see the same page, or None when this request's page is personal."""
    if getattr(user, "is_authenticated", False) or request.method not in ("GET", "HEAD"):
        return None
    if request.query_string or session.get("_flashes"):
        return None
    return ANONYMOUS


def _key(space_id: int, space_slug: str, document_id: int, document_slug: str, created_at, generation: int,
         viewer: str) -> tuple:
    """Everything the page depends on that the page generation does not count."""
    return ("view", space_id, space_slug, document_id, document_slug, created_at, generation, viewer)


@functools.cache
def _find_statement():
    """Built once: composing a statement costs more than running this one on SQLite."""
    return (select(Space.id, Space.slug, Space.is_private, Document.id, Document.slug, Document.created_at,
                   Document.page_generation).join(Document, Document.space_id == Space.id)
            .where(Space.slug == bindparam("space_slug"), Document.slug == bindparam("slug")))


def lookup(space_slug: str, slug: str) -> bytes | None:
    """The cached page for this request, carrying a fresh nonce, or None (render it).

    One small query reads the space's privacy and the document's generation, and the same
    permission rule as every other read (can_read) is asked before any cached byte is used; a
    missing or unreadable document is left to the full path, which answers 404.
    """
    cache, viewer = _cache(), viewer_class(current_user)
    if cache is None or viewer is None:
        return None
    with db.engine.connect() as connection:  # not the session's: a hit then never begins its transaction
        row = connection.execute(_find_statement(), {"space_slug": space_slug, "slug": slug}).first()
    if row is None or not permissions.can_read(_ACTORS[viewer], row.is_private):
        return None
    entry = cache.get(_key(row[0], row[1], row[3], row[4], row[5], row[6], viewer))
    return entry.page(csp_nonce()) if entry is not None else None


def keep(space, document, page: str) -> None:
    """Store a page just rendered for this request, if it is one its viewer class shares."""
    cache, viewer = _cache(), viewer_class(current_user)
    if cache is None or viewer is None or "csrf_token" in g or session.modified:
        return
    key = _key(space.id, space.slug, document.id, document.slug, document.created_at, document.page_generation, viewer)
    cache.put(key, page, g.get("csp_nonce"), lifetime(document))


def lifetime(document) -> float | None:
    """Seconds until the clock next moves one of the document's rounds (None: no such moment)."""
    rows = db.session.execute(select(Round.state, Round.opens_at, Round.closes_at).where(
        Round.document_id == document.id, Round.state.in_(lifecycle.BY_CLOCK))).all()
    moments = [as_utc(opens if state == lifecycle.SCHEDULED else closes) for state, opens, closes in rows]
    now: datetime = utcnow()
    return min(((moment - now).total_seconds() for moment in moments), default=None)
