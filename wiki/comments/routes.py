"""Comment pages and actions (all usable without JavaScript): the panel beside a document, commenting
on a paragraph, replies, edits, agreeing, flagging, moderation and the CSV export.

Views parse, call wiki.comments.service and redirect back to the thread (``#thread-<id>``); every
rule and refusal is the service's. The document page includes templates/comments/_panel.html, which
asks ``comments_panel()`` (below) for its threads.
"""

from dataclasses import dataclass, field

from flask import Blueprint, Response, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from markupsafe import Markup

from wiki.auth import permissions
from wiki.comments import blocks, drafting, moderation, selection, service
from wiki.comments.anchoring import Quote
from wiki.comments.forms import CommentForm, EditCommentForm, LiveCommentForm, ReasonForm, ReplyForm
from wiki.comments.models import VISIBILITIES
from wiki.comments.presenters import ThreadView
from wiki.comments.queries import Filters
from wiki.documents import service as documents
from wiki.errors import InvalidInput, NotFound, PermissionDenied, wants_json
from wiki.extensions import begin_read, db
from wiki.forms import handle_form
from wiki.spaces import service as spaces

bp = Blueprint("comments", __name__, url_prefix="/s/<space_slug>")


def _user():
    return current_user._get_current_object()


def _back(space_slug: str, slug: str, thread_id: int | None = None):
    anchor = f"thread-{thread_id}" if thread_id else "comments"
    return redirect(url_for("documents.view", space_slug=space_slug, slug=slug, _anchor=anchor))


# --- the panel on the document page ------------------------------------------------------------


@dataclass
class Panel:
    threads: list[ThreadView]  # anchored, document order
    detached: list[ThreadView]  # orphaned
    filters: Filters
    is_head: bool
    marks: dict[str, list[int]] = field(default_factory=dict)  # block id -> thread ids

    def mark(self, html: str) -> Markup:
        """The revision's (sanitised) HTML with each commented block marked and linked to its threads."""
        return Markup(blocks.mark_blocks(html, self.marks))


def _panel(space, document, revision, actor) -> Panel:
    key = f"comments_panel_{document.id}_{revision.number}"
    if key not in g:
        filters = Filters.from_mapping(request.args)
        views = service.thread_views(db.session, document, _user(), actor, revision=revision, filters=filters,
                                     with_blocks=True)
        panel = Panel([v for v in views if v.anchor_state != "orphaned"],
                      [v for v in views if v.anchor_state == "orphaned"], filters,
                      revision.number == document.head_number)
        for view in panel.threads:
            if view.block_id:
                panel.marks.setdefault(view.block_id, []).append(view.id)
        setattr(g, key, panel)
    return getattr(g, key)


@bp.record_once
def _globals(state) -> None:
    state.app.jinja_env.globals["COMMENT_VISIBILITIES"] = VISIBILITIES


@bp.app_template_global()
def comments_panel(space, document, revision, actor) -> Panel:
    return _panel(space, document, revision, actor)


@bp.app_template_global()
def comment_marks(space, document, revision, actor) -> Markup:
    return _panel(space, document, revision, actor).mark(revision.html)


# --- commenting ---------------------------------------------------------------------------------


def _commenter(space_slug: str, slug: str):
    space, document, actor = documents.find(db.session, space_slug, slug, _user())
    if not permissions.can_comment(actor, space.is_private):
        raise PermissionDenied(service.CANNOT_COMMENT)
    return space, document, actor


@bp.get("/<slug>/comment")
@login_required
def new(space_slug: str, slug: str):
    """Comment on one paragraph (``?block=<data-block id>``), or choose the paragraph first."""
    space, document, actor = _commenter(space_slug, slug)
    revision = documents.head(db.session, document)
    form = CommentForm(formdata=None, block=request.args.get("block", ""), revision=revision.number)
    form.offer_perspectives(_user())
    if form.block.data and _passage(revision, form.block.data) is None:
        raise NotFound("That paragraph is not in the current text. Choose another one.")
    return render_template("comments/new.html", form=form, **_new_context(form, space, document, actor, revision))


def _passage(revision, block: str) -> str | None:
    span = blocks.block_map(revision.text, revision.html).get(block) if block else None
    if span is None or span.start < 0:
        return None
    return revision.text[slice(*selection.trim_block(revision.text, span.start, span.end))]


def _new_context(form, space, document, actor, revision) -> dict:
    block = form.block.data or ""
    choices = [] if block or form.exact.data else blocks.block_choices(revision.text, revision.html)
    return {"space": space, "document": document, "actor": actor, "revision": revision,
            "passage": selection.visible_text(_passage(revision, block) or "") if block else None, "choices": choices}


@bp.post("/<slug>/comments")
@login_required
def create(space_slug: str, slug: str):
    """Post a comment on a rendered block and/or selected text (from the page or its script)."""
    begin_read(db.session)  # checks without SQLite's write lock; create_thread takes it for the write only
    space, document, actor = _commenter(space_slug, slug)
    form = CommentForm().offer_perspectives(_user())
    revision = documents.get_revision(db.session, document, form.revision.data or document.head_number)

    def _create():
        start, end, quote = service.locate(db.session, document, revision.number, exact=form.exact.data or None,
                                           prefix=form.prefix.data or "", suffix=form.suffix.data or "",
                                           block=form.block.data or None)
        thread = service.create_thread(db.session, document, _user(), revision=revision.number, start=start, end=end,
                                       quote=quote, body=form.body.data, visibility=form.visibility.data,
                                       perspective=form.perspective.data)
        thread_id = thread.id
        begin_read(db.session)  # committed: the answer is read without holding SQLite's write lock
        if wants_json():  # the page's script: the new thread as the panel shows it
            return jsonify(thread_id=thread_id, html=_thread_html(space, document, actor, thread_id)), 201
        flash(_posted_message(space), "success")
        return _back(space_slug, slug, thread_id)

    if wants_json():  # refusals as JSON (DomainErrors reach the JSON error handler)
        if form.validate_on_submit():
            return _create()
        messages = [m for errors in form.errors.values() for m in errors]
        return jsonify(error=" ".join(messages) or "Check the form and try again.", errors=form.errors), 422
    return handle_form(form, "comments/new.html", _create, **_new_context(form, space, document, actor, revision))


@bp.post("/<slug>/live/comments")
@login_required
def create_live(space_slug: str, slug: str):
    """Comment on a selection in the live editor (its script posts here and reads JSON): anchored
    on the head revision, or on the draft saved as a new revision for it (wiki/comments/drafting.py)."""
    space, document, actor = _commenter(space_slug, slug)
    begin_read(db.session)  # checks without SQLite's write lock; the draft's snapshot and the thread take it
    form = LiveCommentForm().offer_perspectives(_user())
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        return jsonify(error=" ".join(messages) or "Check the form and try again.", errors=form.errors), 422
    start, end = _offset(form.start.data), _offset(form.end.data)
    # A posted form turns every line break into CRLF; the draft's text has plain LF (CodeMirror's).
    quote = Quote(*((field.data or "").replace("\r\n", "\n") for field in (form.exact, form.prefix, form.suffix)))
    thread, saved = drafting.comment_on_live(db.session, document, _user(), start=start, end=end, quote=quote,
                                             body=form.body.data, visibility=form.visibility.data,
                                             perspective=form.perspective.data)
    thread_id, revision = thread.id, thread.revision_number
    begin_read(db.session)
    return jsonify(thread_id=thread_id, revision=revision, saved=saved, message=_posted_message(space),
                   html=_thread_html(space, document, actor, thread_id)), 201


def _offset(value) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InvalidInput("Select some text in the draft to comment on.") from None
    if not 0 <= number < 2**31:
        raise InvalidInput("Select some text in the draft to comment on.")
    return number


def _thread_view(document, actor, thread_id: int):
    """One thread as this viewer sees it (None if they may not), without placing the others."""
    views = service.thread_views(db.session, document, _user(), actor, thread_ids=[thread_id])
    return views[0] if views else None


def _thread_html(space, document, actor, thread_id: int) -> str:
    view = _thread_view(document, actor, thread_id)
    if view is None:
        return ""
    return render_template("comments/_thread.html", thread=view, space=space, document=document, actor=actor)


def _posted_message(space) -> str:
    if space.premoderation:
        return "Comment sent. It is awaiting approval by a facilitator."
    return "Comment posted."


# --- threads ------------------------------------------------------------------------------------


def _thread(space_slug: str, slug: str, thread_id: int):
    space, document, actor = documents.find(db.session, space_slug, slug, _user())
    thread = service.get_thread(db.session, thread_id, _user())
    if thread.document_id != document.id:
        raise NotFound(service.NO_SUCH_COMMENT)
    return space, document, actor, thread


@bp.route("/<slug>/threads/<int:thread_id>/reply", methods=["GET", "POST"])
@login_required
def reply(space_slug: str, slug: str, thread_id: int):
    space, document, actor, thread = _thread(space_slug, slug, thread_id)
    form = ReplyForm().offer_perspectives(_user())

    def _reply():
        service.reply(db.session, thread, _user(), form.body.data, form.visibility.data, form.perspective.data)
        flash(_posted_message(space).replace("Comment", "Reply"), "success")
        return _back(space_slug, slug, thread_id)

    view = _thread_view(document, actor, thread_id)
    return handle_form(form, "comments/reply.html", _reply, space=space, document=document, actor=actor, thread=view)


@bp.post("/<slug>/threads/<int:thread_id>/<any(resolve, reopen):action>")
@login_required
def thread_status(space_slug: str, slug: str, thread_id: int, action: str):
    _, _, _, thread = _thread(space_slug, slug, thread_id)
    getattr(service, action)(db.session, thread, _user())
    flash("Thread resolved." if action == "resolve" else "Thread reopened.", "success")
    return _back(space_slug, slug, thread_id)


# --- one comment --------------------------------------------------------------------------------


def _comment(space_slug: str, slug: str, comment_id: int):
    _, document, _ = documents.find(db.session, space_slug, slug, _user())
    return _comment_on(document, comment_id)


def _comment_on(document, comment_id: int):
    """The comment, if this user may see it and it belongs to `document` (else 404)."""
    comment, _ = service.get_comment(db.session, comment_id, _user())
    if comment.thread.document_id != document.id:
        raise NotFound(service.NO_SUCH_COMMENT)
    return comment


_ACTIONS = {
    "agree": (lambda c, reason: service.agree(db.session, c, _user()), "Marked as agreed."),
    "unagree": (lambda c, reason: service.unagree(db.session, c, _user()), "Agreement removed."),
    "withdraw": (lambda c, reason: service.withdraw(db.session, c, _user()), "Comment withdrawn."),
    "flag": (lambda c, reason: service.flag(db.session, c, _user(), reason), "Thank you: a facilitator will look."),
    "hide": (lambda c, reason: service.hide(db.session, c, _user(), reason), "Comment hidden."),
    "unhide": (lambda c, reason: service.unhide(db.session, c, _user()), "Comment shown again."),
    "approve": (lambda c, reason: service.approve(db.session, c, _user()), "Comment approved."),
}


@bp.get("/<slug>/c/<int:comment_id>/<any(flag, hide):action>")
@login_required
def reason_form(space_slug: str, slug: str, comment_id: int, action: str):
    """The flag / hide form of one comment on a page of its own: the document page links here
    instead of carrying a form per comment (its script opens the same form in place)."""
    space, document, actor = documents.find(db.session, space_slug, slug, _user())
    comment = _comment_on(document, comment_id)
    service.check_action(db.session, comment, _user(), action)
    view = service.comment_view(db.session, comment, _user(), actor)
    return render_template("comments/reason.html", action=action, form=ReasonForm(formdata=None), space=space,
                           document=document, actor=actor, comment=view)


@bp.post("/<slug>/c/<int:comment_id>/<any(agree, unagree, withdraw, flag, hide, unhide, approve):action>")
@login_required
def comment_action(space_slug: str, slug: str, comment_id: int, action: str):
    comment = _comment(space_slug, slug, comment_id)
    thread_id = comment.thread_id
    run, message = _ACTIONS[action]
    run(comment, ReasonForm().reason.data or "")
    flash(message, "success")
    return _back(space_slug, slug, thread_id)


@bp.route("/<slug>/c/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(space_slug: str, slug: str, comment_id: int):
    space, document, actor = documents.find(db.session, space_slug, slug, _user())
    comment = _comment(space_slug, slug, comment_id)
    service.check_edit(db.session, comment, _user())
    form = EditCommentForm()
    if request.method == "GET":
        form.body.data = comment.body

    def _edit():
        service.edit(db.session, comment, _user(), form.body.data)
        flash("Comment updated.", "success")
        return _back(space_slug, slug, comment.thread_id)

    view = service.comment_view(db.session, comment, _user(), actor)
    return handle_form(form, "comments/edit.html", _edit, space=space, document=document, actor=actor, comment=view)


@bp.get("/moderation")
@login_required
def moderation_log(space_slug: str):
    """The space's moderation log for its facilitators and site admins, newest first."""
    space, actor = spaces.get_facilitated_space(db.session, space_slug, _user())
    page = moderation.moderation_log(db.session, space, _user(), actor, request.args.get("page"))
    return render_template("comments/moderation.html", space=space, actor=actor, page=page)


@bp.get("/<slug>/comments.csv")
@login_required
def export(space_slug: str, slug: str):
    _, document, actor = documents.find(db.session, space_slug, slug, _user())
    body = service.export_csv(db.session, document, _user(), actor)
    filename = f"comments-{document.id}.csv"  # never built from user text
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'})
