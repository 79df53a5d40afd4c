"""/api/v1 routes for accounts and spaces; later features add their own API modules."""

from flask import Blueprint, jsonify, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from wiki.api.openapi import document, operation
from wiki.extensions import db
from wiki.spaces import service as spaces
from wiki.spaces.models import Membership, Space

bp = Blueprint("api", __name__, url_prefix="/api/v1")

USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "display_name": {"type": "string"},
        "email": {"type": "string"},
        "is_admin": {"type": "boolean"},
        "perspectives": {"type": "array", "items": {"type": "string"}},
        "memberships": {"type": "array", "items": {"type": "object", "properties": {
            "space": {"type": "string"}, "role": {"type": "string"}}}},
    },
}
SPACE = {
    "type": "object",
    "properties": {
        "slug": {"type": "string"},
        "title": {"type": "string"},
        "private": {"type": "boolean"},
        "role": {"type": "string", "nullable": True},
        "url": {"type": "string"},
    },
}


@bp.get("/openapi.json")
@operation("/openapi.json", "get", "This OpenAPI document", responses={200: ("OpenAPI 3 document", None)},
           public=True)
def openapi():
    return jsonify(document(request.host_url.rstrip("/") + bp.url_prefix))


@bp.get("/me")
@login_required
@operation("/me", "get", "The authenticated user", responses={200: ("The user", USER)})
def me():
    rows = db.session.execute(
        select(Space.slug, Membership.role).join(Membership.space).where(Membership.user_id == current_user.id)
        .order_by(Space.slug)
    ).all()
    return jsonify(
        id=current_user.id,
        display_name=current_user.display_name,
        email=current_user.email,
        is_admin=current_user.is_admin,
        perspectives=current_user.visible_perspectives(),
        memberships=[{"space": slug, "role": role} for slug, role in rows],
    )


@bp.get("/spaces")
@operation("/spaces", "get", "Spaces the caller may read (public ones for anonymous callers)",
           responses={200: ("Spaces", {"type": "object", "properties": {
               "spaces": {"type": "array", "items": SPACE}}})}, public=True)
def list_spaces():
    visible = spaces.visible_spaces(db.session, current_user)
    roles = {}
    if current_user.is_authenticated:
        roles = dict(db.session.execute(
            select(Membership.space_id, Membership.role).where(Membership.user_id == current_user.id)
        ).all())
    return jsonify(spaces=[
        {
            "slug": space.slug,
            "title": space.title,
            "private": space.is_private,
            "role": roles.get(space.id),
            "url": url_for("spaces.show", slug=space.slug, _external=True),
        }
        for space in visible
    ])
