"""Home page, space pages and member management (facilitators)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wiki.auth.permissions import ROLE_LABELS
from wiki.extensions import db
from wiki.forms import handle_form
from wiki.spaces import service
from wiki.spaces.forms import ConfirmForm, MemberForm

bp = Blueprint("spaces", __name__)
main = Blueprint("main", __name__)


def _a(role: str) -> str:
    """A role with its article, so flash messages read "an editor", "a facilitator"."""
    return f"{'an' if role and role[0] in 'aeiou' else 'a'} {role}"


@main.route("/")
def home():
    spaces = service.visible_spaces(db.session, current_user)
    return render_template("spaces/home.html", spaces=spaces)


@bp.route("/s/<slug>/")
def show(slug: str):
    """The space's front page: what it is, who you are in it, and its documents."""
    from wiki.auth.permissions import can_edit
    from wiki.documents.service import documents_in

    space, actor = service.get_readable_space(db.session, slug, current_user)
    return render_template("spaces/show.html", space=space, actor=actor, role_labels=ROLE_LABELS,
                           documents=documents_in(db.session, space), can_edit=can_edit(actor, space.is_private))


@bp.route("/s/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug: str):
    space, actor = service.get_facilitated_space(db.session, slug, current_user)
    form = MemberForm()

    def _add():
        membership = service.set_membership(db.session, space, form.email.data, form.role.data)
        db.session.commit()
        flash(f"{membership.user.display_name} is now {_a(membership.role)} in this space.", "success")
        return redirect(url_for("spaces.members", slug=slug))

    return handle_form(
        form, "spaces/members.html", _add,
        space=space, actor=actor, members=service.members(db.session, space), role_labels=ROLE_LABELS,
    )


@bp.route("/s/<slug>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def change_role(slug: str, membership_id: int):
    """An invalid role or removing the last facilitator is refused by the service with a 4xx page."""
    space, _ = service.get_facilitated_space(db.session, slug, current_user)
    membership = service.get_membership(db.session, space, membership_id)
    role = request.form.get("role", "")
    service.set_membership(db.session, space, membership.user.email, role)
    db.session.commit()
    flash(f"{membership.user.display_name} is now {_a(role)}.", "success")
    return redirect(url_for("spaces.members", slug=slug))


@bp.route("/s/<slug>/members/<int:membership_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(slug: str, membership_id: int):
    """GET asks for confirmation; POST removes. Nothing destructive happens on a GET."""
    space, _ = service.get_facilitated_space(db.session, slug, current_user)
    membership = service.get_membership(db.session, space, membership_id)
    form = ConfirmForm()

    def _remove():
        user = service.remove_member(db.session, space, membership)
        db.session.commit()
        flash(f"{user.display_name} was removed from this space.", "success")
        return redirect(url_for("spaces.members", slug=slug))

    return handle_form(form, "spaces/remove_member.html", _remove, space=space, membership=membership)

