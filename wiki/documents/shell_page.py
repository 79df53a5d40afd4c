"""The signed-in reading page (/s/<space>/<slug>): its shared part cached per viewer class, the
reader's own parts rendered fresh on every request.

Why: strategy-group members read signed in, and their page took ~12 ms of server CPU against
~1 ms for a trivial route, nearly all of it the template and its queries, the same for every
member of one role.

What is shared: the page rendered for one *viewer class* — the space role (and site-admin flag)
that every permission rule reads, plus the reader's consented perspectives, which the comment
forms offer. Two readers of one class are shown the same bytes there, so the part holds nothing
one of them may not see. What is personal is marked in the templates with ``personal("…")``
(the header's name, bell and admin link; "since you last visited"; the watch button): while the
shared part is rendered each such call leaves a marker, and every response renders those
templates for its own reader and puts them in place. The session's CSRF token and the CSP nonce
are cut out of the shared part like the anonymous page's nonce (pagecache.Entry) and filled in
per response.

Only documents with no comment threads at all are cached this way: a thread's badges, actions
and "new since your last visit" are per reader, and pre-moderated or facilitators-only comments
differ within a class. Creating the first thread changes the page generation, so the next
request renders in full. Permission is checked on every request before the cache is used
(documents.service.find), and validity is the anonymous page's: the page generation, the
rounds' clock and the TTL (cached_page.py).
"""

import functools
import secrets

from flask import current_app, g, render_template, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from markupsafe import Markup
from sqlalchemy import bindparam, exists, select

from wiki.comments.models import Thread
from wiki.documents import cached_page
from wiki.documents.pagecache import NONCE, Entry
from wiki.extensions import db
from wiki.security import csp_nonce

TEMPLATE = "documents/view.html"
CSRF = "csrf"
_MARK = f"<!--personal-{secrets.token_hex(12)}:"  # unguessable: no document text can forge a slot
_SHELL = "page_shell_slots"  # in g while a shared part is rendered: marker -> template


def init_shell_page(app) -> None:
    app.jinja_env.globals["personal"] = personal


@pass_context
def personal(context, template: str) -> Markup:
    """A part of the page rendered for its own reader: inline, or a marker while a shared part
    is rendered (filled per response by `_fill`)."""
    slots = g.get(_SHELL)
    if slots is None:
        return Markup(context.environment.get_template(template).render(context.get_all()))
    marker = f"{_MARK}{template}-->"
    slots[marker] = template
    return Markup(marker)


def _eligible() -> bool:
    """A plain GET by a signed-in reader with no flashed message waiting (their page carries it)."""
    return (current_app.config["PAGE_CACHE"] and current_user.is_authenticated and request.method == "GET"
            and not request.query_string and not session.get("_flashes"))


def _key(space, document, actor) -> tuple:
    """The viewer class and everything the page generation does not count."""
    viewer = ("signed-in", actor.authenticated, actor.admin, actor.role,
              tuple(current_user.visible_perspectives()))
    return ("view", space.id, space.slug, document.id, document.slug, document.created_at,
            document.page_generation, viewer)


def lookup(space, document, actor) -> bytes | None:
    """The page for this signed-in reader from their class's shared part, or None (render it).
    The caller has already found the document through the permission check."""
    cache = current_app.extensions.get("page_cache")
    if cache is None or not _eligible():
        return None
    entry = cache.get(_key(space, document, actor))
    return _fill(entry, space, document, actor) if entry is not None else None


def render(space, document, revision, actor, **context) -> str | bytes:
    """Render the head for a signed-in reader, keeping the shared part when the page may be shared."""
    context.update(space=space, document=document, revision=revision, actor=actor)
    cache = current_app.extensions.get("page_cache")
    if cache is None or not _eligible() or _has_threads(document):
        return render_template(TEMPLATE, **context)
    g.setdefault(_SHELL, {})
    try:
        page = render_template(TEMPLATE, **context)
        cuts = {**g.pop(_SHELL), g.get("csp_nonce"): NONCE, g.get("csrf_token"): CSRF}
    finally:
        g.pop(_SHELL, None)
    entry = cache.entry(page, cuts, cached_page.lifetime(document))
    cache.store(_key(space, document, actor), entry)
    return _fill(entry, space, document, actor)


def _fill(entry: Entry, space, document, actor) -> bytes:
    """The shared part with this reader's own parts, CSRF token and a fresh nonce in place."""
    context = {"space": space, "document": document, "actor": actor, "is_head": True}
    values = {NONCE: csp_nonce(), CSRF: generate_csrf()}
    for slot in dict.fromkeys(entry.slots):
        if slot not in values:
            values[slot] = render_template(slot, **context)
    return entry.fill(values)


@functools.cache
def _threads_statement():
    """Built once: composing it costs more than running it."""
    return select(exists().where(Thread.document_id == bindparam("document_id")))


def _has_threads(document) -> bool:
    """Whether the document has any comment thread, in any state, for anyone."""
    return bool(db.session.scalar(_threads_statement(), {"document_id": document.id}))
