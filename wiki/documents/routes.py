"""Document pages: view, create, edit (with merge and conflict screen), status and preview."""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wiki.documents import cached_page, service, shell_page
from wiki.documents.forms import DocumentForm, EditForm
from wiki.documents.models import STATUSES
from wiki.errors import Conflict, DomainError
from wiki.extensions import db
from wiki.forms import handle_form

bp = Blueprint("documents", __name__, url_prefix="/s/<space_slug>")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create(space_slug: str):
    space, _ = service.require_space_editor(db.session, space_slug, current_user)
    form = DocumentForm()
    if _wants_preview(form):
        return _preview_page(form, "documents/new.html", {"space": space})

    def _create():
        document = service.create_document(
            db.session, space, current_user, form.title.data, form.text.data, form.summary.data
        )
        flash("Document created.", "success")
        return redirect(url_for("documents.view", space_slug=space_slug, slug=document.slug))

    return handle_form(form, "documents/new.html", _create, space=space, preview=None)


def _wants_preview(form) -> bool:
    """The "Preview" button (works without JavaScript) re-shows the form with the rendered text."""
    return form.is_submitted() and request.form.get("action") == "preview"


def _preview_page(form, template: str, context: dict):
    """The form again with the rendered text, or with the reason it cannot be shown (too large)."""
    try:
        context["preview"], status = service.preview_html(form.text.data or ""), 200
    except DomainError as error:
        form.form_errors.append(error.message)
        context["preview"], status = None, error.status
    return render_template(template, form=form, **context), status


@bp.get("/<slug>")
def view(space_slug: str, slug: str):
    """The current text from the page cache: whole for readers who are not signed in, its shared
    part for signed-in readers (their own parts rendered fresh: shell_page.py)."""
    page = cached_page.lookup(space_slug, slug)
    if page is not None:
        return page
    space, document, actor = service.find(db.session, space_slug, slug, current_user)
    page = shell_page.lookup(space, document, actor)
    if page is None:
        revision = service.head(db.session, document, load=service.PAGE)
        if current_user.is_authenticated:
            return shell_page.render(space, document, revision, actor, statuses=STATUSES, is_head=True)
        page = render_template("documents/view.html", space=space, document=document, revision=revision,
                               actor=actor, statuses=STATUSES, is_head=True)
        cached_page.keep(space, document, page)
    return page


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(space_slug: str, slug: str):
    space, document, actor = service.find(db.session, space_slug, slug, current_user, need="edit")
    form = EditForm()
    if request.method == "GET":
        current = service.head(db.session, document)
        form.title.data, form.text.data, form.base_revision.data = current.title, current.text, current.number
    context = {"space": space, "document": document, "actor": actor, "preview": None}
    if _wants_preview(form):
        return _preview_page(form, "documents/edit.html", context)

    def _save():
        try:
            outcome = service.save(db.session, document, current_user, form.text.data, form.base_revision.data,
                                   form.summary.data, title=form.title.data)
        except Conflict as conflict:
            return _conflict_page(form, conflict, context)
        flash(_saved_message(outcome), "success")
        return redirect(url_for("documents.view", space_slug=space_slug, slug=document.slug))

    return handle_form(form, "documents/edit.html", _save, **context)


def _saved_message(outcome) -> str:
    if not outcome.created:
        return "No changes to save: the text is the same as the current revision."
    if outcome.merged:
        return f"Saved as revision {outcome.revision.number}, merged with changes by {', '.join(outcome.merged_with)}."
    return f"Saved as revision {outcome.revision.number}."


def _conflict_page(form, conflict: Conflict, context: dict):
    """Both versions, conflicting passages marked, the user's own text kept in the form to retry."""
    details = conflict.details
    form.base_revision.data = details["head_revision"]
    form.text.data = details["mine"]
    form.form_errors.append(conflict.message)
    return render_template("documents/conflict.html", form=form, conflicts=details["conflicts"],
                           head_revision=details["head_revision"], **context), 409


@bp.post("/preview")
@login_required
def preview(space_slug: str):
    """Live preview for the edit forms: the same renderer and sanitiser as a saved revision."""
    service.require_space_editor(db.session, space_slug, current_user)
    try:
        return jsonify(html=service.preview_html(request.form.get("text", "")))
    except DomainError as error:  # too large: the script keeps the last preview
        return jsonify(error=error.message), error.status


@bp.post("/<slug>/status")
@login_required
def set_status(space_slug: str, slug: str):
    _, document, _ = service.find(db.session, space_slug, slug, current_user, need="facilitate")
    service.set_status(db.session, document, request.form.get("status", ""))
    flash(f"Status set to {document.status_label}.", "success")
    return redirect(url_for("documents.view", space_slug=space_slug, slug=slug))
