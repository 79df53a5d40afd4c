"""Awareness pages: recent changes (and their Atom feeds), watching, notifications and settings,
unsubscribe, and the document briefing. Views parse, call a service and render."""

from flask import Blueprint, after_this_request, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wiki.awareness import briefing_service, feed, inbox, mail, visits
from wiki.awareness.atom_feed import atom_response
from wiki.awareness.forms import EmailForm
from wiki.awareness.links import item_url, note_url
from wiki.awareness.models import KIND_LABELS
from wiki.documents import service as documents
from wiki.errors import InvalidInput, NotFound
from wiki.extensions import csrf, db
from wiki.forms import handle_form
from wiki.security import is_local_path
from wiki.spaces import service as spaces

bp = Blueprint("awareness", __name__)
NO_SUCH_FEED = "This feed link is not valid (it may have been replaced). Get a new one from your notification settings."


def _user():
    return current_user._get_current_object()


@bp.record_once
def _globals(state) -> None:
    env = state.app.jinja_env
    env.globals.update(item_url=item_url, note_url=note_url, ACTIVITY_KINDS=KIND_LABELS, bell_count=_bell_count,
                       since_last_visit=_since_last_visit, is_new_comment=_is_new_comment,
                       watching_document=lambda document: inbox.document_watch(db.session, _user(), document),
                       watching_space=lambda space: inbox.space_watched(db.session, _user(), space))


# --- recent changes --------------------------------------------------------------------------------


@bp.get("/changes")
def site_changes():
    query = feed.Query.from_args(request.args)
    changes = feed.recent(db.session, _user(), query=query)
    return render_template("awareness/changes.html", space=None, changes=changes, query=query, documents=[])


@bp.get("/s/<space_slug>/changes")
def space_changes(space_slug: str):
    space, actor = spaces.get_readable_space(db.session, space_slug, _user())
    query = feed.Query.from_args(request.args)
    changes = feed.recent(db.session, _user(), space=space, query=query)
    return render_template("awareness/changes.html", space=space, actor=actor, changes=changes, query=query,
                           documents=documents.documents_in(db.session, space))


def _feed_user():
    """Feeds ignore the browser session: anonymous (public content) unless a private token is given."""
    token = request.args.get("token")
    if token is None:
        return None
    user = inbox.user_for_feed_token(db.session, token)
    if user is None:
        raise NotFound(NO_SUCH_FEED)
    return user


@bp.get("/changes.atom")
def site_feed():
    user = _feed_user()
    changes = feed.recent(db.session, user, query=feed.Query.from_args(request.args))
    return atom_response(changes.items, title="Recent changes · Strategy wiki", key="changes",
                         page_url=url_for("awareness.site_changes", _external=True))


@bp.get("/s/<space_slug>/changes.atom")
def space_feed(space_slug: str):
    user = _feed_user()
    space, _ = spaces.get_readable_space(db.session, space_slug, user)
    changes = feed.recent(db.session, user, space=space, query=feed.Query.from_args(request.args))
    return atom_response(changes.items, title=f"Recent changes · {space.title}", key=f"space-{space.id}",
                         page_url=url_for("awareness.space_changes", space_slug=space.slug, _external=True))


# --- watching --------------------------------------------------------------------------------------


def _wants_watch() -> bool:
    return request.form.get("watch", "1") != "0"


@bp.post("/s/<space_slug>/changes/watch")
@login_required
def watch_space(space_slug: str):
    space, _ = spaces.get_readable_space(db.session, space_slug, _user())
    inbox.set_space_watch(db.session, _user(), space, _wants_watch())
    flash(f"You {'now watch' if _wants_watch() else 'no longer watch'} the space {space.title}.", "success")
    return redirect(_back(url_for("spaces.show", slug=space.slug)))


@bp.post("/s/<space_slug>/<slug>/watch")
@login_required
def watch_document(space_slug: str, slug: str):
    _, document, _ = documents.find(db.session, space_slug, slug, _user())
    inbox.set_document_watch(db.session, _user(), document, _wants_watch())
    flash(f"You {'now watch' if _wants_watch() else 'no longer watch'} {document.title}.", "success")
    return redirect(_back(url_for("documents.view", space_slug=space_slug, slug=slug)))


def _back(default: str) -> str:
    """Back to the page the form was on (same site only: wiki.security.is_local_path), else ``default``."""
    target = request.form.get("next", "")
    return target if is_local_path(target) else default


# --- notifications ---------------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def notifications():
    unread_only = request.args.get("unread") == "1"
    result = inbox.page(db.session, _user(), request.args.get("page"), unread_only=unread_only)
    return render_template("awareness/notifications.html", page=result, unread_only=unread_only)


@bp.post("/notifications/read")
@login_required
def mark_read():
    ids = [int(v) for v in request.form.getlist("id") if v.isdigit() and len(v) <= 10] or None
    changed = inbox.mark_read(db.session, _user(), ids)
    flash(f"Marked {changed} notification{'s' if changed != 1 else ''} as read.", "success")
    return redirect(url_for("awareness.notifications"))


@bp.get("/notifications/<int:note_id>")
@login_required
def open_notification(note_id: int):
    """Mark it read and go where it points (a link the bell and emails use)."""
    note = inbox.get_note(db.session, _user(), note_id)
    inbox.mark_read(db.session, _user(), [note.id])
    return redirect(note_url(note))


@bp.route("/notifications/settings", methods=["GET", "POST"])
@login_required
def settings():
    form = EmailForm(email_mode=inbox.settings_of(db.session, _user()).email_mode)

    def _save():
        inbox.set_email_mode(db.session, _user(), form.email_mode.data)
        flash("Email settings saved.", "success")
        return redirect(url_for("awareness.settings"))

    return handle_form(form, "awareness/settings.html", _save, **_settings_context())


def _settings_context(new_token: str | None = None) -> dict:
    watched_documents, watched_spaces = inbox.watched(db.session, _user())
    return {"has_token": bool(inbox.settings_of(db.session, _user()).feed_token_hash), "new_token": new_token,
            "watched_documents": watched_documents, "watched_spaces": watched_spaces,
            "mail_on": bool(current_app.config.get("MAIL_SERVER"))}


@bp.post("/notifications/feed-token")
@login_required
def feed_token():
    """Make a new private feed token (shown once, on this page) or revoke it (``action=revoke``)."""
    if request.form.get("action") == "revoke":
        inbox.revoke_feed_token(db.session, _user())
        flash("Your private feed links no longer work.", "success")
        return redirect(url_for("awareness.settings"))
    token = inbox.new_feed_token(db.session, _user())
    form = EmailForm(formdata=None, email_mode=inbox.settings_of(db.session, _user()).email_mode)
    return render_template("awareness/settings.html", form=form, **_settings_context(token))


@bp.route("/notifications/unsubscribe", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the credential; mail clients post RFC 8058 one-click without a session
def unsubscribe():
    """The token travels in the query string, which request logs leave out (docs/privacy.md)."""
    token = request.args.get("token", "")
    user = mail.user_for_unsubscribe(db.session, token)
    if request.method == "POST":
        mail.unsubscribe(db.session, token)
        return render_template("awareness/unsubscribe.html", done=True, email=user.email)
    return render_template("awareness/unsubscribe.html", done=False, email=user.email, token=token)


# --- the document page and the briefing ------------------------------------------------------------


def _since_last_visit(document, revision_number: int):
    """The banner's facts for the signed-in reader of the current text; records this visit once the
    page is rendered (see visits.record_visit)."""
    user = _user()
    if not user.is_authenticated or revision_number != document.head_number:
        return None
    key = f"since_visit_{document.id}"
    if key not in g:
        since = g.setdefault(key, visits.since_last_visit(db.session, document, user))
        ids = (document.id, user.id, document.head_number)

        @after_this_request
        def _record(response):
            if response.status_code == 200:
                visits.record_visit(db.session, *ids, since=since)
            return response

    return g.get(key)


def _is_new_comment(document, comment) -> bool:
    since = g.get(f"since_visit_{document.id}")
    return bool(since and not comment.is_mine and comment.created_at > since.seen_at)


@bp.get("/s/<space_slug>/<slug>/briefing")
def briefing(space_slug: str, slug: str):
    """A printable page of what changed between two dates or two named versions."""
    space, document, actor = documents.find(db.session, space_slug, slug, _user())
    context = {"space": space, "document": document, "actor": actor, "args": request.args,
               "versions": documents.named_versions(db.session, document)}
    try:
        span = briefing_service.bounds(db.session, document, request.args)
    except InvalidInput as error:
        return render_template("awareness/briefing.html", brief=None, error=error.message, **context), error.status
    result = briefing_service.build(db.session, document, _user(), span)
    return render_template("awareness/briefing.html", brief=result, error=None, **context)


def _bell_count() -> int:
    user = _user()
    return inbox.unread_count(db.session, user) if user.is_authenticated else 0
