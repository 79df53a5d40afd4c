"""Domain errors and the handlers that turn them, and HTTP errors, into 4xx pages or JSON.

Services raise DomainError subclasses and never call abort(): the same use case then serves the
HTML routes, the JSON API and the Socket.IO events, each rendering the error its own way.
"""

from flask import Flask, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A use case refused: the message is safe to show to the user."""

    status = 400

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class InvalidInput(DomainError):
    status = 422


class NotFound(DomainError):
    status = 404


class PermissionDenied(DomainError):
    status = 403


class Conflict(DomainError):
    status = 409


class Closed(DomainError):
    status = 409


class TooLarge(DomainError):
    status = 413


class RateLimited(DomainError):
    status = 429


def wants_json() -> bool:
    """API paths and clients asking for JSON get JSON errors; browsers get a page."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes[
        "text/html"
    ]


def error_response(status: int, message: str, details: dict | None = None):
    """One place decides between a JSON body and the error page."""
    headers = {}
    if details and "retry_after" in details:
        headers["Retry-After"] = str(details["retry_after"])
    if status == 401 and request.path.startswith("/api/"):
        headers["WWW-Authenticate"] = 'Bearer realm="wiki"'
    if wants_json():
        body = {"error": message}
        body.update(details or {})
        return jsonify(body), status, headers
    return render_template("errors/error.html", status=status, message=message), status, headers


def register_error_handlers(app: Flask) -> None:
    """Every failure a user can cause ends as a 4xx with a message, never a bare 500 page."""

    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        return error_response(error.status, error.message, error.details)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        message = error.description or error.name
        if error.code == 413:
            message = "The request is too large."
        response = make_response(error_response(error.code or 500, message))
        for name, value in error.get_headers():  # e.g. Allow on a 405, Retry-After on a 429
            if name.lower() != "content-type":
                response.headers.setdefault(name, value)
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "Something went wrong on our side. Nothing you sent was lost.")
