"""Facilitators' round pages — responding to each comment, entering offline responses, invite
links — and the report (HTML, JSON, CSV) that everyone can read once it is published."""

from types import SimpleNamespace

from flask import Response, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from wiki.comments import service as comments
from wiki.comments.models import Comment, Thread
from wiki.consultations import charts, pages, service
from wiki.consultations.forms import DispositionForm, InviteForm
from wiki.consultations.reporting import NOT_PUBLISHED
from wiki.consultations.routes import bp, round_url
from wiki.documents import revisions
from wiki.documents import service as documents
from wiki.errors import NotFound
from wiki.extensions import db
from wiki.forms import handle_form


def _user():
    return current_user._get_current_object()


def _facilitated(space_slug: str, slug: str, round_id: int):
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    service.require_facilitator(actor, space)
    return space, document, actor, round_


@bp.get("/<int:round_id>/respond")
@login_required
def respond(space_slug: str, slug: str, round_id: int):
    """Every comment to answer, with its disposition form (20 a page; optionally unanswered only)."""
    space, document, actor, round_ = _facilitated(space_slug, slug, round_id)
    unanswered = request.args.get("show") == "unanswered"
    page = service.to_answer(db.session, round_, request.args.get("page"), unanswered_only=unanswered)
    ids = [c.id for c in page.items]
    loaded = {c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(ids)).options(
        selectinload(Comment.thread).selectinload(Thread.comments)))} if ids else {}
    views = {c: comments.comment_view(db.session, loaded[c], _user(), actor) for c in ids}
    return render_template("consultations/respond.html", space=space, document=document, actor=actor, round=round_,
                           page=page, views=views, answered=service.answered_ids(db.session, round_),
                           progress=service.progress(db.session, round_), unanswered=unanswered,
                           state=service.state_of(round_))


@bp.route("/<int:round_id>/c/<int:comment_id>/disposition", methods=["GET", "POST"])
@login_required
def disposition(space_slug: str, slug: str, round_id: int, comment_id: int):
    space, document, actor, round_ = _facilitated(space_slug, slug, round_id)
    comment, _ = comments.get_comment(db.session, comment_id, _user())
    if comment.thread.document_id != document.id:
        raise NotFound(comments.NO_SUCH_COMMENT)
    existing = service.answered_ids(db.session, round_).get(comment_id)
    form = DispositionForm(obj=None if request.method == "POST" or existing is None else _values(existing))

    def _set():
        service.set_disposition(db.session, comment, _user(), disposition=form.disposition.data,
                                response=form.response.data, themes=form.themes.data or "",
                                revision=(form.revision.data or "").strip() or None, round_id=round_id)
        flash("Response saved.", "success")
        back = request.args.get("page")
        return redirect(url_for("rounds.respond", space_slug=space_slug, slug=slug, round_id=round_id,
                                page=back if back and back.isdigit() else None, _anchor=f"comment-{comment_id}"))

    view = comments.comment_view(db.session, comment, _user(), actor)
    return handle_form(form, "consultations/disposition.html", _set, space=space, document=document, actor=actor,
                       round=round_, comment=view, quote=comment.thread.quote_exact)


def _values(record):
    return SimpleNamespace(disposition=record.disposition, response=record.response,
                           themes=", ".join(record.themes or []), revision=str(record.revision_number or ""))


@bp.route("/<int:round_id>/offline", methods=["GET", "POST"])
@login_required
def offline(space_slug: str, slug: str, round_id: int):
    """Enter a response given offline (workshop, event, post, phone) on someone's behalf."""
    space, document, actor, round_ = _facilitated(space_slug, slug, round_id)
    consulted = documents.get_revision(db.session, document, round_.revision_number, load=("toc",))
    form = pages.offline_form_for(round_)().offer_sections(consulted.toc)

    def _record():
        service.record_offline(db.session, round_, _user(), channel=form.channel.data, group=form.group.data,
                               respondent=form.respondent.data, perspective=form.perspective.data or None,
                               consented=bool(form.consent.data), section=form.section.data or "",
                               quote=form.quote.data or "", body=form.body.data or "",
                               answers=pages.answers_from(form, round_))
        flash("Offline response recorded. Enter another, or go back to the round.", "success")
        return redirect(url_for("rounds.offline", space_slug=space_slug, slug=slug, round_id=round_id))

    return handle_form(form, "consultations/offline.html", _record, space=space, document=document, actor=actor,
                       round=round_, state=service.state_of(round_))


@bp.route("/<int:round_id>/invites", methods=["GET", "POST"])
@login_required
def invites(space_slug: str, slug: str, round_id: int):
    space, document, actor, round_ = _facilitated(space_slug, slug, round_id)
    form = InviteForm()
    context = {"space": space, "document": document, "actor": actor, "round": round_, "new_link": None,
               "state": service.state_of(round_)}

    def _create():
        token = service.create_invite(db.session, round_, _user(), form.label.data or "")
        context["new_link"] = url_for("rounds.join", space_slug=space_slug, slug=slug, round_id=round_id,
                                      token=token, _external=True)
        context["links"] = service.invites(db.session, round_)
        return render_template("consultations/invites.html", form=InviteForm(formdata=None), **context), 201

    context["links"] = service.invites(db.session, round_)
    return handle_form(form, "consultations/invites.html", _create, **context)


@bp.post("/<int:round_id>/invites/<int:invite_id>/revoke")
@login_required
def revoke(space_slug: str, slug: str, round_id: int, invite_id: int):
    _, _, _, round_ = _facilitated(space_slug, slug, round_id)
    service.revoke_invite(db.session, round_, _user(), invite_id)
    flash("Invite link withdrawn: it no longer lets anyone join. People who joined with it keep taking part.",
          "success")
    return redirect(url_for("rounds.invites", space_slug=space_slug, slug=slug, round_id=round_id))


# --- the report -----------------------------------------------------------------------------------


def _report(space_slug: str, slug: str, round_id: int, changes: bool = True):
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    return space, document, actor, round_, service.report_for(db.session, round_, actor, changes=changes)


@bp.get("/<int:round_id>/report")
def report(space_slug: str, slug: str, round_id: int):
    space, document, actor, round_, result = _report(space_slug, slug, round_id)
    hunks = revisions.hunks(list(result.changes.ops)) if result.changes.ops else []
    return render_template("consultations/report.html", space=space, document=document, actor=actor, round=round_,
                           report=result, hunks=hunks, chart=charts.counts_chart, not_published=NOT_PUBLISHED,
                           round_url=round_url(space_slug, slug, round_id))


@bp.get("/<int:round_id>/report.json")
def report_json(space_slug: str, slug: str, round_id: int):
    *_, result = _report(space_slug, slug, round_id)
    return jsonify(result.as_json())


@bp.get("/<int:round_id>/report.csv")
def report_csv(space_slug: str, slug: str, round_id: int):
    *_, result = _report(space_slug, slug, round_id, changes=False)
    filename = f"round-{result.round_id}-report.csv"  # never built from user text
    return Response(service.export_csv(result), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
