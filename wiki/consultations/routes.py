"""Round pages for participants and facilitators (all usable without JavaScript): the list of a
document's rounds, starting and editing a round, the round page (frozen draft, countdown, comments,
guiding questions), commenting, answering, forced moves and invite links.

Responding, offline responses and the report are in respond_routes.py. Views parse, call
wiki.consultations.service and render or redirect; every rule and refusal is the service's.
"""

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from wiki.comments import service as comments
from wiki.comments.forms import CommentForm
from wiki.consultations import lifecycle, pages, service
from wiki.consultations.forms import EditRoundForm, RoundForm
from wiki.documents import service as documents
from wiki.errors import InvalidInput, wants_json
from wiki.extensions import begin_read, db
from wiki.forms import handle_form
from wiki.spaces.forms import ConfirmForm

bp = Blueprint("rounds", __name__, url_prefix="/s/<space_slug>/<slug>/rounds")
pages.register_template_helpers(bp)

CONFIRM = {
    "open": ("Open this round now?", "Participants can comment straight away, before the planned opening time.",
             "Open the round now"),
    "close": ("Close this round now?", "Nobody can comment, reply or answer any more. This cannot be undone.",
              "Close the round now"),
    "responded": ("Mark the responses complete?", "Every comment has a response. No more offline responses can be "
                  "entered after this.", "Mark responses complete"),
    "publish": ("Publish the report?", "Anyone who can read this document will be able to read the report, "
                "including the “You said, we did” table.", "Publish the report"),
    "unpublish": ("Withdraw the report?", "Only facilitators will see the report until it is published again.",
                  "Withdraw the report"),
}
DONE = {"open": "The round is open.", "close": "The round is closed.", "responded": "Responses marked complete.",
        "publish": "The report is published.", "unpublish": "The report is withdrawn."}


def _user():
    return current_user._get_current_object()


def round_url(space_slug: str, slug: str, round_id: int, anchor: str | None = None) -> str:
    return url_for("rounds.show", space_slug=space_slug, slug=slug, round_id=round_id, _anchor=anchor)


@bp.get("")
def index(space_slug: str, slug: str):
    space, document, actor = documents.find(db.session, space_slug, slug, _user())
    return render_template("consultations/index.html", space=space, document=document, actor=actor,
                           rounds=service.rounds_of(db.session, document))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new(space_slug: str, slug: str):
    space, document, actor = documents.find(db.session, space_slug, slug, _user(), need="facilitate")
    head = documents.head(db.session, document, load=("toc",))
    form = RoundForm().offer_sections(head.toc)

    def _start():
        round_ = service.start_round(db.session, document, _user(), pages.spec_from(form, space))
        flash(f"Round {round_.number} is {round_.state}: revision {round_.revision_number} is frozen as the "
              "consultation draft.", "success")
        return redirect(round_url(space_slug, slug, round_.id))

    return handle_form(form, "consultations/new.html", _start, space=space, document=document, actor=actor,
                       head=head)


@bp.get("/<int:round_id>")
def show(space_slug: str, slug: str, round_id: int):
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    return render_template("consultations/round.html", **pages.round_context(space, document, actor, round_))


@bp.route("/<int:round_id>/edit", methods=["GET", "POST"])
@login_required
def edit(space_slug: str, slug: str, round_id: int):
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    service.require_facilitator(actor, space)
    form = EditRoundForm(obj=None if request.method == "POST" else pages.edit_values(round_, space))

    def _edit():
        opens_at, closes_at = pages.times_from(form, space)
        service.edit_round(db.session, round_, _user(), title=form.title.data, introduction=form.introduction.data,
                           opens_at=opens_at, closes_at=closes_at)
        flash("Round saved.", "success")
        return redirect(round_url(space_slug, slug, round_id))

    return handle_form(form, "consultations/edit.html", _edit, space=space, document=document, actor=actor,
                       round=round_, state=service.state_of(round_))


@bp.route("/<int:round_id>/<any(open, close, responded, publish, unpublish):action>", methods=["GET", "POST"])
@login_required
def move(space_slug: str, slug: str, round_id: int, action: str):
    """GET asks for confirmation; POST makes the move (the service refuses it if it does not apply)."""
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    service.require_facilitator(actor, space)
    form = ConfirmForm()

    def _move():
        service.force(db.session, round_, _user(), action)
        flash(DONE[action], "success")
        return redirect(round_url(space_slug, slug, round_id))

    title, explanation, button = CONFIRM[action]
    return handle_form(form, "consultations/confirm.html", _move, space=space, document=document, actor=actor,
                       round=round_, title=title, explanation=explanation, button=button)


# --- taking part -----------------------------------------------------------------------------------


@bp.get("/<int:round_id>/comment")
@login_required
def comment_form(space_slug: str, slug: str, round_id: int):
    """Comment on one paragraph of the consultation draft (``?block=``), or choose it first."""
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    form = CommentForm(formdata=None, block=request.args.get("block", ""), revision=round_.revision_number)
    form.offer_perspectives(_user())
    return render_template("consultations/comment.html", form=form,
                           **pages.comment_context(form, space, document, actor, round_))


@bp.post("/<int:round_id>/comments")
@login_required
def create_comment(space_slug: str, slug: str, round_id: int):
    """Post a comment on the consultation draft (from the page, its script or the paragraph page)."""
    begin_read(db.session)  # checks without SQLite's write lock; the gate takes it for the write only
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    form = CommentForm().offer_perspectives(_user())

    def _create():
        start, end, quote = comments.locate(db.session, document, round_.revision_number,
                                            exact=form.exact.data or None, prefix=form.prefix.data or "",
                                            suffix=form.suffix.data or "", block=form.block.data or None)
        thread = comments.create_thread(db.session, document, _user(), revision=round_.revision_number, start=start,
                                        end=end, quote=quote, body=form.body.data, visibility=form.visibility.data,
                                        perspective=form.perspective.data, round_id=round_.id)
        if wants_json():
            begin_read(db.session)  # committed: the answer is read without holding SQLite's write lock
            return jsonify(thread_id=thread.id, html=pages.thread_html(space, document, actor, round_, thread.id)), 201
        flash(pages.posted_message(space, round_), "success")
        return redirect(round_url(space_slug, slug, round_id, f"thread-{thread.id}"))

    if wants_json():
        if form.validate_on_submit():
            return _create()
        messages = [m for errors in form.errors.values() for m in errors]
        return jsonify(error=" ".join(messages) or "Check the form and try again.", errors=form.errors), 422
    return handle_form(form, "consultations/comment.html", _create,
                       **pages.comment_context(form, space, document, actor, round_))


@bp.post("/<int:round_id>/answers")
@login_required
def answers(space_slug: str, slug: str, round_id: int):
    begin_read(db.session)  # checks without SQLite's write lock; the gate takes it for the write only
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    form = pages.answers_form_for(round_, _user())()

    def _answer():
        count = service.answer(db.session, round_, _user(), pages.answers_from(form, round_),
                               form.perspective.data or None)
        flash(f"Thank you: {count} answer{'' if count == 1 else 's'} saved. You can change them until the round "
              "closes.", "success")
        return redirect(round_url(space_slug, slug, round_id, "questions"))

    context = pages.round_context(space, document, actor, round_, answers_form=form)
    return handle_form(form, "consultations/round.html", _answer, **context)


# --- invite links ----------------------------------------------------------------------------------


@bp.route("/<int:round_id>/join", methods=["GET", "POST"])
@login_required
def join(space_slug: str, slug: str, round_id: int):
    """An invite link: GET shows what it is for, POST joins (nothing changes on a GET). The token is in
    the query string, which request logs leave out (docs/privacy.md)."""
    token = request.args.get("token", "")
    space, document, actor, round_ = service.find(db.session, space_slug, slug, round_id, _user())
    if len(token) > 100:
        raise InvalidInput("This invite link is not valid.")
    form = ConfirmForm()

    def _join():
        joined = service.redeem_invite(db.session, round_, _user(), token)
        flash("You have joined this consultation round." if joined else "You had already joined this round.",
              "success")
        return redirect(round_url(space_slug, slug, round_id))

    return handle_form(form, "consultations/join.html", _join, space=space, document=document, actor=actor,
                       round=round_, state=service.state_of(round_), open_state=lifecycle.OPEN)
