"""Live-draft pages: a read-only live view for readers, and "Save version" for editors."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wiki.documents import service as documents
from wiki.errors import InvalidInput
from wiki.extensions import db
from wiki.realtime import service

bp = Blueprint("live", __name__, url_prefix="/s/<space_slug>")


@bp.get("/<slug>/live")
def view(space_slug: str, slug: str):
    """The live draft as it is being written, read-only (editors edit it on the edit page)."""
    space, document, actor = documents.find(db.session, space_slug, slug, current_user)
    return render_template("realtime/live.html", space=space, document=document, actor=actor)


@bp.post("/<slug>/live/save")
@login_required
def save(space_slug: str, slug: str):
    """Turn the live text into a revision now, with the editor's summary."""
    _space, document, _ = documents.find(db.session, space_slug, slug, current_user, need="edit")
    try:
        outcome = service.snapshot(db.session, document, request.form.get("summary", ""), current_user)
    except InvalidInput as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        if outcome.created:
            flash(f"Saved as revision {outcome.revision.number}.", "success")
        else:
            flash("No changes since the last revision.", "success")
    return redirect(url_for("documents.edit", space_slug=space_slug, slug=slug))
