"""Admin pages: create and edit spaces, list accounts, grant or remove admin rights."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from wiki.auth import service as accounts
from wiki.auth.models import User
from wiki.errors import NotFound, PermissionDenied
from wiki.extensions import db
from wiki.forms import handle_form
from wiki.pagination import paginate
from wiki.spaces import service as spaces
from wiki.spaces.forms import SpaceForm
from wiki.spaces.models import Space

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
@login_required
def _admins_only():
    if not current_user.is_admin:
        raise PermissionDenied("Only site administrators can open this page.")


@bp.route("/")
def index():
    return redirect(url_for("admin.spaces_index"))


@bp.route("/spaces", methods=["GET", "POST"])
def spaces_index():
    form = SpaceForm()

    def _create():
        space = spaces.create_space(
            db.session, form.slug.data, form.title.data, private=form.private.data, description=form.description.data
        )
        db.session.commit()
        flash(f"Space '{space.title}' created. Add a facilitator next.", "success")
        return redirect(url_for("spaces.members", slug=space.slug))

    all_spaces = db.session.scalars(select(Space).order_by(Space.title)).all()
    return handle_form(form, "admin/spaces.html", _create, spaces=all_spaces)


@bp.route("/spaces/<slug>/edit", methods=["GET", "POST"])
def edit_space(slug: str):
    space = db.session.scalar(select(Space).where(Space.slug == slug))
    if space is None:
        raise NotFound("No such space.")
    form = SpaceForm(obj=space)
    form.slug.data = space.slug  # the address never changes: links to it must keep working
    if request.method == "GET":
        form.private.data = space.is_private

    def _save():
        spaces.set_timezone(db.session, space, form.timezone.data)
        spaces.update_space(db.session, space, form.title.data, form.private.data, form.description.data)
        flash("Space saved.", "success")
        return redirect(url_for("spaces.show", slug=space.slug))

    return handle_form(form, "admin/edit_space.html", _save, space=space)


@bp.route("/users")
def users():
    page = paginate(db.session, select(User).order_by(User.email), request.args.get("page"))
    return render_template("admin/users.html", page=page)


@bp.route("/users/<int:user_id>/admin", methods=["POST"])
def set_admin(user_id: int):
    grant = request.form.get("admin") == "1"
    if user_id == current_user.id and not grant:
        raise PermissionDenied("You cannot remove your own admin rights; ask another admin.")
    user = accounts.set_admin(db.session, user_id, grant)
    flash(f"{user.display_name} is {'now' if grant else 'no longer'} a site admin.", "success")
    return redirect(url_for("admin.users", page=request.args.get("page", 1)))
