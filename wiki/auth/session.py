"""Who is making this request: the Flask-Login session, or an API token on /api routes."""

from flask import Flask, flash, redirect, request, url_for
from flask_login import AnonymousUserMixin

from wiki.auth import service
from wiki.errors import error_response, wants_json
from wiki.extensions import csrf, db, login_manager


class Anonymous(AnonymousUserMixin):
    is_admin = False
    display_name = "Guest"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def init_login(app: Flask) -> None:
    """Wire the loaders and CSRF: token-authenticated API calls carry no cookie, so need no CSRF."""
    login_manager.anonymous_user = Anonymous
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False

    @login_manager.user_loader
    def _load(session_id: str):
        """The session user, unless an API call names its own identity with a Bearer token."""
        if request.path.startswith("/api/") and bearer_token():
            return None
        return service.load_session_user(db.session, session_id)

    @login_manager.request_loader
    def _from_token(_request):
        token = bearer_token() if request.path.startswith("/api/") else None
        return service.user_for_token(db.session, token) if token else None

    @login_manager.unauthorized_handler
    def _unauthorized():
        if wants_json():
            return error_response(401, "Authentication required: log in or send an API token.")
        flash("Please log in to continue.", "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.before_request
    def _csrf():
        if app.config.get("WTF_CSRF_ENABLED", True) and not (
            request.path.startswith("/api/") and bearer_token()
        ):
            csrf.protect()
