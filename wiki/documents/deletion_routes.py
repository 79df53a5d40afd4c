"""The delete page of a document: what will go, and a typed title to confirm (facilitators, admins)."""

from flask import flash, redirect, url_for
from flask_login import current_user, login_required

from wiki.documents import deletion, service
from wiki.documents.forms import DeleteForm
from wiki.documents.routes import bp
from wiki.extensions import db
from wiki.forms import handle_form


@bp.route("/<slug>/delete", methods=["GET", "POST"])
@login_required
def delete(space_slug: str, slug: str):
    space, document, actor = service.find(db.session, space_slug, slug, current_user, need="facilitate")
    form = DeleteForm()
    title = document.title
    form.title.description = f"The title is “{title}”. Deleting cannot be undone."

    def _delete():
        deletion.delete_document(db.session, document, confirm_title=form.title.data)
        flash(f"“{title}” is deleted, with its history, comments and live draft.", "success")
        return redirect(url_for("spaces.show", slug=space_slug))

    return handle_form(form, "documents/delete.html", _delete, space=space, document=document, actor=actor,
                       goes=deletion.what_goes(db.session, document))
