"""What the round pages show, assembled for the templates (HTML layer: routes call these so each
view stays a few lines): the round page's context, the threads on the consultation draft with the
responses they may show, form ↔ service conversions, and the template helpers."""

from types import SimpleNamespace

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import or_, select

from wiki.auth import permissions
from wiki.auth.perspectives import label
from wiki.comments import blocks, selection
from wiki.comments import service as comments
from wiki.comments.models import Thread, ThreadAnchor
from wiki.consultations import gate, lifecycle, service
from wiki.consultations.forms import PERSPECTIVE_CHOICES, answers_form
from wiki.consultations.models import AUDIENCES, CHANNELS, DISPOSITIONS, Disposition, Round
from wiki.consultations.reporting import may_see_report
from wiki.documents import service as documents
from wiki.errors import InvalidInput
from wiki.extensions import db
from wiki.pagination import Page, page_number


def _user():
    return current_user._get_current_object()


def register_template_helpers(bp: Blueprint) -> None:
    @bp.record_once
    def _helpers(state) -> None:
        env = state.app.jinja_env
        env.filters["localtime"] = lifecycle.local_text
        env.globals.update(ROUND_STATES=lifecycle.STATES, DISPOSITIONS=DISPOSITIONS, ROUND_CHANNELS=CHANNELS,
                           ROUND_AUDIENCES=AUDIENCES, document_rounds=document_rounds,
                           round_state=service.state_of, CLOSED_NOTICE=lifecycle.CLOSED_NOTICE)


def document_rounds(document) -> list[Round]:
    """The document page's list of rounds (their states caught up with the clock)."""
    return service.rounds_of(db.session, document)


# --- forms ↔ service -------------------------------------------------------------------------------


def _local(value, space, what: str):
    try:
        return lifecycle.from_local(value, space.timezone)
    except ValueError as error:
        raise InvalidInput(f"{what}: {error}") from None


def times_from(form, space):
    return (_local(form.opens_at.data, space, "Opens at"), _local(form.closes_at.data, space, "Closes at"))


def spec_from(form, space) -> service.RoundSpec:
    opens_at, closes_at = times_from(form, space)
    questions = tuple((entry.form.text.data or "", entry.form.section.data or "") for entry in form.questions)
    return service.RoundSpec(form.title.data, opens_at, closes_at, form.audience.data, bool(form.premoderation.data),
                             form.introduction.data or "", questions)


def edit_values(round_: Round, space) -> SimpleNamespace:
    def local(value):
        return lifecycle.to_local(value, space.timezone).replace(tzinfo=None, second=0, microsecond=0)

    return SimpleNamespace(title=round_.title, introduction=round_.introduction, opens_at=local(round_.opens_at),
                           closes_at=local(round_.closes_at))


def answers_form_for(round_: Round, user):
    mine = [(key, label(key)) for key in user.visible_perspectives()] if user.is_authenticated else []
    return answers_form(round_.questions, mine)


def answers_from(form, round_: Round) -> dict[int, str]:
    return {q.id: form[f"q{q.id}"].data or "" for q in round_.questions}


def offline_form_for(round_: Round):
    return answers_form(round_.questions, PERSPECTIVE_CHOICES, offline=True)


def posted_message(space, round_: Round) -> str:
    if space.premoderation or round_.premoderation:
        return "Comment sent. It is awaiting approval by a facilitator."
    return "Comment posted."


# --- the round page --------------------------------------------------------------------------------


def _responses(comment_ids: list[int], actor, space) -> dict[int, tuple[Disposition, Round]]:
    """Responses these comments may show: all of them to facilitators, otherwise those of rounds
    whose report is published."""
    if not comment_ids:
        return {}
    rows = db.session.execute(select(Disposition, Round).join(Round, Round.id == Disposition.round_id)
                              .where(Disposition.comment_id.in_(comment_ids))).all()
    facilitator = permissions.can_facilitate(actor, space.is_private)
    return {d.comment_id: (d, r) for d, r in rows
            if facilitator or service.state_of(r) == lifecycle.PUBLISHED}


THREADS_PER_PAGE = 50


def _thread_ids(document, round_: Round) -> tuple[list[int], list[int]]:
    """(this round's threads, earlier rounds' threads) placed on the consultation draft, in the
    draft's order: ids only, so a round of thousands of comments renders one page of them."""
    earlier_rounds = select(Round.id).where(Round.document_id == document.id, Round.number < round_.number)
    rows = db.session.execute(
        select(Thread.id, Thread.round_id).join(ThreadAnchor, ThreadAnchor.thread_id == Thread.id)
        .where(Thread.document_id == document.id, ThreadAnchor.revision_number == round_.revision_number,
               or_(Thread.round_id == round_.id, Thread.round_id.in_(earlier_rounds)))
        .order_by(ThreadAnchor.state == "orphaned", ThreadAnchor.start, Thread.id)).all()
    return [t for t, r in rows if r == round_.id], [t for t, r in rows if r != round_.id]


def _page(ids: list[int], raw) -> tuple[list[int], Page]:
    page = Page(items=[], number=page_number(raw), per_page=THREADS_PER_PAGE, total=len(ids))
    page.number = min(page.number, page.pages)
    return ids[(page.number - 1) * THREADS_PER_PAGE: page.number * THREADS_PER_PAGE], page


def _threads(document, actor, round_: Round, revision):
    """This page of the round's threads and of earlier rounds' threads on the consultation draft,
    with the block marks that highlight them."""
    ours, theirs = _thread_ids(document, round_)
    ours, ours_page = _page(ours, request.args.get("page"))
    theirs, theirs_page = _page(theirs, request.args.get("earlier"))
    wanted = ours + theirs
    views = comments.thread_views(db.session, document, _user(), actor, revision=revision, with_blocks=True,
                                  thread_ids=wanted) if wanted else []
    marks: dict[str, list[int]] = {}
    for view in views:
        if view.block_id and view.anchor_state != "orphaned":
            marks.setdefault(view.block_id, []).append(view.id)
    chosen = set(ours)
    return ([v for v in views if v.id in chosen], [v for v in views if v.id not in chosen], marks, ours_page,
            theirs_page)


def round_context(space, document, actor, round_: Round, answers_form=None) -> dict:
    user = _user()
    state = service.state_of(round_)
    facilitator = permissions.can_facilitate(actor, space.is_private)
    may = user.is_authenticated and gate.may_take_part(db.session, round_, user, actor)
    contribute = bool(may and state == lifecycle.OPEN)
    revision = documents.get_revision(db.session, document, round_.revision_number, load=("html", "toc"))
    threads, earlier, marks, threads_page, earlier_page = _threads(document, actor, round_, revision)
    mine = service.my_answers(db.session, round_, user)
    if answers_form is None and contribute and round_.questions:
        data = {f"q{qid}": answer.body for qid, answer in mine.items()}
        data["perspective"] = next((a.perspective for a in mine.values() if a.perspective), "")
        answers_form = answers_form_for(round_, user)(formdata=None, data=data)
    comment_ids = [c.id for view in threads + earlier for c in view.comments]
    return {
        "space": space, "document": document, "actor": actor, "round": round_, "state": state,
        "facilitator": facilitator, "may_take_part": may, "can_contribute": contribute, "revision": revision,
        "body_html": Markup(blocks.mark_blocks(revision.html, marks)), "threads": threads, "earlier": earlier,
        "threads_page": threads_page, "earlier_page": earlier_page,
        "responses": _responses(comment_ids, actor, space), "my_answers": mine, "answers_form": answers_form,
        "progress": service.progress(db.session, round_) if facilitator else None,
        "remaining": lifecycle.countdown_text(lifecycle.remaining(round_.closes_at, gate.now())),
        "report_visible": may_see_report(round_, actor), "is_head": contribute,
        "sections": dict((anchor, title) for _, anchor, title in revision.toc or []),
    }


def thread_html(space, document, actor, round_: Round, thread_id: int) -> str:
    """One thread of the round as the panel shows it (for the page's script after posting)."""
    revision = documents.get_revision(db.session, document, round_.revision_number, load=("html", "toc"))
    views = comments.thread_views(db.session, document, _user(), actor, revision=revision, with_blocks=True,
                                  thread_ids=[thread_id])
    if not views:
        return ""
    return render_template("comments/_thread.html", thread=views[0], space=space, document=document, actor=actor,
                           is_head=True, responses={})


def comment_context(form, space, document, actor, round_: Round) -> dict:
    """The paragraph page: the chosen passage of the consultation draft, or the list to choose from."""
    revision = documents.get_revision(db.session, document, round_.revision_number)
    block = form.block.data or ""
    span = blocks.block_map(revision.text, revision.html).get(block) if block else None
    passage = None
    if span is not None and span.start >= 0:
        passage = selection.visible_text(revision.text[slice(*selection.trim_block(revision.text, span.start,
                                                                                    span.end))])
    choices = [] if block or form.exact.data else blocks.block_choices(revision.text, revision.html)
    return {"space": space, "document": document, "actor": actor, "round": round_, "revision": revision,
            "passage": passage, "choices": choices, "state": service.state_of(round_),
            "max_chars": current_app.config.get("COMMENT_MAX_CHARS", 5000)}
