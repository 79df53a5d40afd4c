"""History pages: revision list, old revisions, compare, revert, named versions, attribution."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wiki.documents import history, revisions, service
from wiki.documents.forms import TagForm
from wiki.documents.models import STATUSES
from wiki.documents.routes import bp
from wiki.extensions import db
from wiki.forms import handle_form
from wiki.spaces.forms import ConfirmForm


@bp.get("/<slug>/history")
def history_page(space_slug: str, slug: str):
    space, document, actor = service.find(db.session, space_slug, slug, current_user)
    page = history.history(db.session, document, request.args.get("page"))
    return render_template("documents/history.html", space=space, document=document, actor=actor, page=page,
                           versions=service.named_versions(db.session, document))


@bp.get("/<slug>/r/<int:number>")
def revision(space_slug: str, slug: str, number: int):
    space, document, actor = service.find(db.session, space_slug, slug, current_user)
    old = service.get_revision(db.session, document, number, load=service.PAGE)
    return render_template("documents/view.html", space=space, document=document, revision=old, actor=actor,
                           statuses=STATUSES, is_head=old.number == document.head_number)


@bp.get("/<slug>/compare")
def compare(space_slug: str, slug: str):
    """Compare two revisions (default: the head with its parent), inline or side by side."""
    space, document, actor = service.find(db.session, space_slug, slug, current_user)
    to_number = request.args.get("to") or document.head_number
    comparison = history.compare(db.session, document, request.args.get("from"), to_number)
    mode = "side" if request.args.get("mode") == "side" else "inline"
    view = revisions.side_by_side(comparison.ops) if mode == "side" else revisions.hunks(comparison.ops)
    return render_template("documents/compare.html", space=space, document=document, actor=actor,
                           comparison=comparison, mode=mode, view=view)


@bp.route("/<slug>/r/<int:number>/revert", methods=["GET", "POST"])
@login_required
def revert(space_slug: str, slug: str, number: int):
    """GET asks for confirmation; POST makes revision `number` the new head (as a new revision)."""
    space, document, _ = service.find(db.session, space_slug, slug, current_user, need="edit")
    old = service.get_revision(db.session, document, number, load=())
    form = ConfirmForm()

    def _revert():
        outcome = service.revert(db.session, document, current_user, number)
        message = (f"Reverted: revision {outcome.revision.number} restores revision {number}."
                   if outcome.created else f"Revision {number} is already the current text; nothing changed.")
        flash(message, "success")
        return redirect(url_for("documents.view", space_slug=space_slug, slug=slug))

    return handle_form(form, "documents/revert.html", _revert, space=space, document=document, old=old)


@bp.route("/<slug>/versions", methods=["GET", "POST"])
def versions(space_slug: str, slug: str):
    need = "edit" if request.method == "POST" else "read"
    space, document, actor = service.find(db.session, space_slug, slug, current_user, need=need)
    form = TagForm()
    if request.method == "GET" and request.args.get("revision"):
        form.revision.data = request.args.get("revision", type=int)

    def _tag():
        version = service.tag(db.session, document, current_user, form.revision.data, form.name.data)
        flash(f"Revision {version.revision_number} is now named '{version.name}'.", "success")
        return redirect(url_for("documents.versions", space_slug=space_slug, slug=slug))

    return handle_form(form, "documents/versions.html", _tag, space=space, document=document, actor=actor,
                       versions=service.named_versions(db.session, document))


@bp.get("/<slug>/attribution")
def attribution(space_slug: str, slug: str):
    space, document, actor = service.find(db.session, space_slug, slug, current_user)
    credits = history.attribution(db.session, document)
    return render_template("documents/attribution.html", space=space, document=document, actor=actor,
                           credits=credits)
