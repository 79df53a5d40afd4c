"""Publishing pages: confirm and preview (facilitators), the editions list (readers), and the public
edition URLs /p/<space>/<slug>/[<n>/][download] that anyone may open, even in a private space."""

import base64

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wiki.documents import service as documents
from wiki.errors import Closed, Conflict, InvalidInput
from wiki.extensions import db
from wiki.forms import handle_form
from wiki.pagination import paginate
from wiki.publishing import edition as builder
from wiki.publishing import service
from wiki.publishing.forms import PublishForm

bp = Blueprint("publishing", __name__, url_prefix="/s/<space_slug>/<slug>")
public = Blueprint("published", __name__, url_prefix="/p")


def edition_url_maker(space_slug: str, slug: str):
    """Permanent address of edition n of this document (absolute: it is printed in the file)."""
    return lambda number: url_for("published.edition", space_slug=space_slug, slug=slug, number=number,
                                  _external=True)


def _plan_or_problem(space, document, revision) -> dict:
    """The confirmation page explains why nothing can be published now instead of failing (the
    note is checked with the form, and shown only in the file)."""
    try:
        plan = service.plan(db.session, space, document, revision, None, edition_url_maker(space.slug, document.slug))
        return {"plan": plan, "problem": None}
    except (Conflict, Closed) as problem:
        return {"plan": None, "problem": problem.message}


@bp.route("/publish", methods=["GET", "POST"])
@login_required
def publish(space_slug: str, slug: str):
    space, document, actor = documents.find(db.session, space_slug, slug, current_user, need="facilitate")
    form = PublishForm()
    if request.method == "GET":
        form.revision.data = request.args.get("revision", type=int) or document.head_number

    def plan_or_problem() -> dict:  # called by the template: a successful publish never needs it
        return _plan_or_problem(space, document, form.revision.data)

    def _publish():
        row = service.publish(db.session, space, document, current_user, form.revision.data, form.notes.data,
                              edition_url_maker(space_slug, slug))
        flash(f"Published edition {row.number}. Its permanent address is shown below.", "success")
        return redirect(url_for("publishing.editions", space_slug=space_slug, slug=slug))

    return handle_form(form, "publishing/publish.html", _publish, space=space, document=document, actor=actor,
                       plan_or_problem=plan_or_problem)


@bp.route("/publish/preview", methods=["GET", "POST"])
@login_required
def preview(space_slug: str, slug: str):
    """The file as it would be published (not stored), marked as a preview."""
    space, document, _ = documents.find(db.session, space_slug, slug, current_user, need="facilitate")
    form = PublishForm() if request.method == "POST" else PublishForm(formdata=request.args, meta={"csrf": False})
    if not form.validate():
        raise InvalidInput(" ".join(message for errors in form.errors.values() for message in errors))
    plan = service.plan(db.session, space, document, form.revision.data, form.notes.data,
                        edition_url_maker(space_slug, slug))
    back = url_for("publishing.publish", space_slug=space_slug, slug=slug, revision=plan.revision.number)
    html = builder.with_notice(builder.build(plan.source), builder.preview_notice(plan.number, back))
    return _file_response(html, etag=None, cache="no-store")


@bp.get("/editions")
def editions(space_slug: str, slug: str):
    space, document, actor = documents.find(db.session, space_slug, slug, current_user)
    page = paginate(db.session, service.editions_query(document), request.args.get("page"))
    latest = service.latest_edition(db.session, document)
    return render_template("publishing/editions.html", space=space, document=document, actor=actor, page=page,
                           latest=latest)


@bp.app_template_global()
def latest_edition(document):
    """For the document page: its latest edition, if any (one small query)."""
    return service.latest_edition(db.session, document)


# --- the public edition URLs ---------------------------------------------------------------------


def _file_response(html: str, etag: str | None, cache: str) -> Response:
    """An edition page carries the policy written in the file itself (its stylesheet's hash as
    built then), and may not be framed."""
    response = Response(html, mimetype="text/html")
    response.headers["Content-Security-Policy"] = builder.policy_of(html) + "; frame-ancestors 'none'"
    response.headers["Cache-Control"] = cache
    if etag:
        response.set_etag(etag)
        response.make_conditional(request)
    return response


@public.get("/<space_slug>/<slug>/", defaults={"number": None})
@public.get("/<space_slug>/<slug>/<int:number>/")
def edition(space_slug: str, slug: str, number: int | None):
    _, _, row, latest = service.find_published(db.session, space_slug, slug, number)
    html = row.html
    if row.number < latest:
        address = edition_url_maker(space_slug, slug)
        html = builder.with_notice(html, builder.superseded_notice(row.number, row.number + 1, address(row.number + 1),
                                                                   latest, address(latest)))
    return _file_response(html, etag=f"{row.sha256}-{latest}", cache="public, max-age=300")


@public.get("/<space_slug>/<slug>/<int:number>/download")
def download(space_slug: str, slug: str, number: int):
    """The stored file, byte for byte (its SHA-256 in ETag and Repr-Digest lets anyone check it)."""
    _, document, row, _ = service.find_published(db.session, space_slug, slug, number)
    response = _file_response(row.html, etag=row.sha256, cache="public, max-age=31536000, immutable")
    filename = f"document-{document.id}-edition-{row.number}.html"  # never built from user text
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Repr-Digest"] = f"sha-256=:{base64.b64encode(bytes.fromhex(row.sha256)).decode()}:"
    return response
