"""Privacy pages: download my data, erase my account (profile), erase an account (admin)."""

import json

from flask import Blueprint, Response, flash, redirect, url_for
from flask_login import current_user, login_required, logout_user

from wiki.errors import PermissionDenied
from wiki.extensions import db
from wiki.forms import handle_form
from wiki.privacy import service
from wiki.privacy.forms import EraseAccountForm, EraseOwnAccountForm
from wiki.privacy.parts import registry
from wiki.timeutil import utcnow

bp = Blueprint("privacy", __name__)


@bp.get("/profile/data")
@login_required
def download():
    """The whole export as one JSON file; the name carries only a date (no user text in it)."""
    data = service.export_data(db.session, current_user)
    body = json.dumps(data, ensure_ascii=False, indent=2)
    filename = f"strategy-wiki-my-data-{utcnow():%Y-%m-%d}.json"
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.route("/profile/erase", methods=["GET", "POST"])
@login_required
def erase_own():
    form = EraseOwnAccountForm()

    def _erase():
        service.erase_own_account(db.session, current_user, form.password.data, form.confirm.data)
        logout_user()
        flash("Your account is erased. Your contributions stay, credited to “deleted participant”.", "success")
        return redirect(url_for("main.home"))

    return handle_form(form, "privacy/erase_own.html", _erase, parts=registry().parts())


@bp.route("/admin/users/<int:user_id>/erase", methods=["GET", "POST"])
@login_required
def erase_account(user_id: int):
    if not current_user.is_admin:
        raise PermissionDenied("Only site administrators can open this page.")
    user = service.account_to_erase(db.session, user_id)
    form = EraseAccountForm()

    def _erase():
        service.erase_by_admin(db.session, current_user, user, form.email.data)
        flash(f"Account {user_id} is erased. Its contributions stay, credited to “deleted participant”.", "success")
        return redirect(url_for("admin.users"))

    return handle_form(form, "privacy/erase_account.html", _erase, user=user, parts=registry().parts())
