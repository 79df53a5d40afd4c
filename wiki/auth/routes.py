"""Login, registration, logout and the profile page: parse the form, call the service, render."""

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from wiki.auth import acknowledgements, service
from wiki.auth.forms import LoginForm, ProfileForm, RegisterForm
from wiki.auth.perspectives import CONSENT_WORDING
from wiki.extensions import db
from wiki.forms import handle_form
from wiki.security import is_local_path

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths are followed after login (wiki.security.is_local_path)."""
    return target if is_local_path(target) else url_for("main.home")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()

    def _login():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        login_user(user, remember=form.remember.data)
        flash(f"Welcome back, {user.display_name}.", "success")
        return redirect(_safe_next(request.args.get("next")))

    return handle_form(form, "auth/login.html", _login)


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()

    def _register():
        user = service.create_user(db.session, form.email.data, form.display_name.data, form.password.data)
        db.session.commit()
        login_user(user)
        flash("Your account is ready. You can add perspectives on your profile if you wish.", "success")
        return redirect(url_for("main.home"))

    return handle_form(form, "auth/register.html", _register)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        service.end_sessions(db.session, current_user)
    logout_user()
    flash("You have logged out.", "success")
    return redirect(url_for("main.home"))


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if request.method == "GET":
        form.perspectives.data = list(current_user.perspectives or [])
        form.consent.data = current_user.perspectives_consent
        form.acknowledge.data = current_user.acknowledge_consent
        form.acknowledge_perspectives.data = current_user.acknowledge_perspectives

    def _save():
        withdrawn = current_user.perspectives_consent and not form.consent.data
        acknowledgements.update_acknowledgement(db.session, current_user, form.organisation.data or "",
                                                form.acknowledge.data, form.acknowledge_perspectives.data)
        service.update_profile(
            db.session, current_user, form.display_name.data, form.perspectives.data or [], form.consent.data
        )
        flash("Your profile is saved." + (" You withdrew your consent, so your perspectives are deleted."
                                          if withdrawn else ""), "success")
        return redirect(url_for("auth.profile"))

    return handle_form(form, "auth/profile.html", _save, wording=CONSENT_WORDING,
                       acknowledgement_wording=acknowledgements.WORDING,
                       perspectives_wording=acknowledgements.PERSPECTIVES_WORDING)
