"""Security headers on every response (a per-request CSP nonce, no inline script, no framing), and the
check that keeps redirects taken from a request on this site."""

import secrets
from urllib.parse import urlsplit

from flask import Flask, g


def is_local_path(target: str | None) -> bool:
    """Whether a redirect target from the request stays on this site (no open redirect).

    Browsers read a backslash as a slash and drop tabs and newlines, so "/\\evil.example" or
    "/<tab>/evil.example" would leave the site: such characters are refused outright.
    """
    return bool(
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(char) < 32 or ord(char) == 127 for char in target)
        and not urlsplit(target).netloc
    )


def csp_nonce() -> str:
    """The nonce for this request's <script> (and script-made <style>) tags, created on first use."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    """Only our own scripts carrying this request's nonce may run; nothing may frame us."""
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' 'nonce-{nonce}'",
            # The nonce lets CodeMirror (live editor) inject its own <style> elements; style
            # attributes stay forbidden (a nonce never covers those).
            f"style-src 'self' 'nonce-{nonce}'",
            "img-src 'self' https:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
        ]
    )


def init_security(app: Flask) -> None:
    """Register the nonce helper for templates and the header hook."""
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
