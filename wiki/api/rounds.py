"""/api/v1 routes for consultation rounds: start one on a document, read it, comment and answer
while it is open, force its moves, answer each comment (disposition), and read the report.

A contribution the round does not take answers 409 with exactly ``{"error": "round closed"}`` or
``{"error": "round not open"}``, so scripts can tell the two apart without parsing prose. Times are
ISO 8601 with an offset; they come back in UTC.
"""

import functools

from flask import Response, jsonify
from flask_login import current_user, login_required

from wiki.api.comments import POST as COMMENT_POST
from wiki.api.comments import THREAD, THREADS, _nested, thread_json
from wiki.api.input import Field, body_schema, json_body
from wiki.api.openapi import ERROR, operation, path_param
from wiki.api.routes import bp
from wiki.auth import permissions
from wiki.comments import service as comments
from wiki.comments.models import Thread
from wiki.consultations import lifecycle, service
from wiki.consultations.models import AUDIENCES, DISPOSITIONS
from wiki.documents import service as documents
from wiki.errors import Closed, InvalidInput
from wiki.extensions import begin_read, db

START = {
    "title": Field(str, description="Up to 200 characters"),
    "opens_at": Field(str, description="ISO 8601 with offset, e.g. 2026-05-01T09:00:00+01:00"),
    "closes_at": Field(str, description="ISO 8601 with offset; after opens_at and in the future"),
    "audience": Field(str, default="anyone", description=" | ".join(AUDIENCES)),
    "questions": Field(list, default=[], description="Guiding questions: strings, or {text, section?} with "
                                                     "section a heading id of the draft"),
    "premoderation": Field(bool, default=False, description="New comments wait for a facilitator's approval"),
    "introduction": Field(str, default="", description="Markdown"),
}
ROUND_COMMENT = {**COMMENT_POST, "revision": Field(int, default=None, nullable=True,
                                                   description="Optional: must be the round's frozen revision")}
ANSWERS = {
    "answers": Field(dict, description="{question id: answer text}; an empty text takes an answer back"),
    "perspective": Field(str, default=None, nullable=True, description="One of the caller's consented perspectives"),
}
DISPOSITION = {
    "disposition": Field(str, description=" | ".join(DISPOSITIONS)),
    "response": Field(str, description="The public response (Markdown)"),
    "themes": Field(list, default=[], description="Free tags (strings)"),
    "revision": Field(int, default=None, nullable=True, description="The live draft's revision that made the change"),
    "round": Field(int, default=None, nullable=True, description="Optional: refuse if the comment is of another round"),
}

_INT, _STR, _BOOL, _TIME = {"type": "integer"}, {"type": "string"}, {"type": "boolean"}, \
    {"type": "string", "format": "date-time"}
QUESTION = {"type": "object", "properties": {"id": _INT, "text": _STR, "section": _STR}}
ROUND = {"type": "object", "properties": {
    "id": _INT, "document_id": _INT, "number": _INT, "title": _STR, "introduction_html": _STR,
    "opens_at": _TIME, "closes_at": _TIME, "audience": _STR, "premoderation": _BOOL,
    "revision": {**_INT, "description": "The frozen consultation draft"},
    "state": {**_STR, "description": " → ".join(lifecycle.ORDER)}, "questions": {"type": "array", "items": QUESTION},
    "progress": {"type": "object", "nullable": True, "description": "Facilitators only",
                 "properties": {"answered": _INT, "total": _INT}},
    "report_published": _BOOL,
}}
ROUNDS = {"type": "array", "items": ROUND}
SAVED_ANSWERS = {"type": "object", "properties": {"round_id": _INT, "answers": _INT}}
DISPOSED = {"type": "object", "properties": {
    "comment_id": _INT, "round_id": _INT, "disposition": _STR, "response_html": _STR,
    "themes": {"type": "array", "items": _STR}, "revision": {**_INT, "nullable": True}}}
REPORT = {"type": "object", "description": "The report: see docs/consultations.md (Report fields)"}

_DOC = path_param("document_id", description="Document id")
_ROUND = path_param("round_id", description="Round id")
_COMMENT = path_param("comment_id", description="Comment id")
_REFUSED = {403: ("Not allowed", ERROR), 404: ("No such round, or not visible to you", ERROR)}
_CLOSED = {409: ("round closed / round not open", ERROR)}


def _user():
    return current_user._get_current_object()


def refusals(view):
    """A contribution the round does not take: 409 {"error": "round closed" | "round not open"}."""

    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        try:
            return view(*args, **kwargs)
        except Closed as error:
            db.session.rollback()
            return jsonify(error=error.details.get("code", error.message)), 409

    return wrapped


def round_json(round_, actor) -> dict:
    space = round_.document.space
    facilitator = permissions.can_facilitate(actor, space.is_private)
    answered, total = service.progress(db.session, round_) if facilitator else (None, None)
    state = service.state_of(round_)
    return {
        "id": round_.id, "document_id": round_.document_id, "number": round_.number, "title": round_.title,
        "introduction_html": round_.introduction_html,
        "opens_at": lifecycle.aware(round_.opens_at).isoformat(),
        "closes_at": lifecycle.aware(round_.closes_at).isoformat(),
        "audience": round_.audience, "premoderation": round_.premoderation, "revision": round_.revision_number,
        "state": state, "questions": [{"id": q.id, "text": q.text, "section": q.section} for q in round_.questions],
        "progress": {"answered": answered, "total": total} if facilitator else None,
        "report_published": state == lifecycle.PUBLISHED,
    }


def _time(data: dict, name: str):
    try:
        return lifecycle.parse_iso(data[name])
    except ValueError as error:
        raise InvalidInput(f"'{name}': {error}", field=name) from None


def _questions(raw: list) -> tuple[tuple[str, str], ...]:
    out = []
    for item in raw:
        if isinstance(item, str):
            out.append((item, ""))
        elif isinstance(item, dict) and isinstance(item.get("text"), str) and isinstance(item.get("section", ""), str) \
                and not set(item) - {"text", "section"}:
            out.append((item["text"], item.get("section", "")))
        else:
            raise InvalidInput("Each question is a string, or {text, section?} with strings.", field="questions")
    return tuple(out)


@bp.post("/documents/<int:document_id>/rounds")
@login_required
@operation("/documents/{document_id}/rounds", "post", "Start a consultation round (freezes the current revision)",
           body=body_schema(START), params=[_DOC],
           responses={201: ("The new round", ROUND), 403: ("Facilitators only", ERROR),
                      404: ("No such document", ERROR),
                      409: ("Archived document, or another round is scheduled or open", ERROR),
                      422: ("Invalid input (e.g. closes before it opens)", ERROR)})
def start_round(document_id):
    _, document, actor = documents.find_by_id(db.session, document_id, _user(), need="facilitate")
    data = json_body(START)
    spec = service.RoundSpec(title=data["title"], opens_at=_time(data, "opens_at"), closes_at=_time(data, "closes_at"),
                             audience=data["audience"], premoderation=data["premoderation"],
                             introduction=data["introduction"], questions=_questions(data["questions"]))
    round_ = service.start_round(db.session, document, _user(), spec)
    return jsonify(round_json(round_, actor)), 201


@bp.get("/documents/<int:document_id>/rounds")
@operation("/documents/{document_id}/rounds", "get", "The document's consultation rounds, newest first", params=[_DOC],
           public=True, responses={200: ("Rounds", ROUNDS), 404: ("No such document", ERROR)})
def list_rounds(document_id):
    _, document, actor = documents.find_by_id(db.session, document_id, _user())
    return jsonify([round_json(r, actor) for r in service.rounds_of(db.session, document)])


@bp.get("/rounds/<int:round_id>")
@operation("/rounds/{round_id}", "get", "A consultation round", params=[_ROUND], public=True,
           responses={200: ("The round", ROUND), 404: ("No such round", ERROR)})
def get_round(round_id):
    _, _, actor, round_ = service.find_by_id(db.session, round_id, _user())
    return jsonify(round_json(round_, actor))


@bp.post("/rounds/<int:round_id>/comments")
@login_required
@operation("/rounds/{round_id}/comments", "post", "Comment in a round (on its frozen revision; body as for comments)",
           body=body_schema(ROUND_COMMENT), params=[_ROUND],
           responses={201: ("The new thread", THREAD), **_REFUSED, **_CLOSED, 422: ("Invalid input", ERROR),
                      429: ("Too many comments in a minute", ERROR)})
@refusals
def post_round_comment(round_id):
    begin_read(db.session)  # checks without SQLite's write lock; the gate takes it for the write only
    _, document, actor, round_ = service.find_by_id(db.session, round_id, _user())
    data = json_body(ROUND_COMMENT)
    if data["revision"] is not None and data["revision"] != round_.revision_number:
        raise InvalidInput(f"Comments in this round are on revision {round_.revision_number}, the consultation draft.",
                           field="revision")
    quote = _nested(data, "quote", {"exact": str, "prefix": str, "suffix": str}, {"exact"})
    position = _nested(data, "position", {"start": int, "end": int}, {"start", "end"})
    start, end, located = comments.locate(db.session, document, round_.revision_number, start=position["start"],
                                          end=position["end"], exact=quote["exact"], prefix=quote.get("prefix", ""),
                                          suffix=quote.get("suffix", ""))
    thread = comments.create_thread(db.session, document, _user(), revision=round_.revision_number, start=start,
                                    end=end, quote=located, body=data["body"], visibility=data["visibility"],
                                    perspective=data["perspective"], round_id=round_.id)
    begin_read(db.session)  # committed: the answer is read without holding SQLite's write lock
    views = comments.thread_views(db.session, document, _user(), actor, revision=round_.revision_number,
                                  thread_ids=[thread.id])
    return jsonify(thread_json(views[0]) if views else {"thread_id": thread.id}), 201


@bp.get("/rounds/<int:round_id>/comments")
@operation("/rounds/{round_id}/comments", "get", "The round's comment threads you may see, on its frozen revision",
           params=[_ROUND], public=True, responses={200: ("Threads", THREADS), 404: ("No such round", ERROR)})
def list_round_comments(round_id):
    _, document, actor, round_ = service.find_by_id(db.session, round_id, _user())
    ids = list(db.session.scalars(db.select(Thread.id).where(Thread.round_id == round_.id)))
    views = comments.thread_views(db.session, document, _user(), actor, revision=round_.revision_number,
                                  thread_ids=ids) if ids else []
    return jsonify([thread_json(v) for v in views])


@bp.post("/rounds/<int:round_id>/answers")
@login_required
@operation("/rounds/{round_id}/answers", "post", "Answer the round's guiding questions (while it is open)",
           body=body_schema(ANSWERS), params=[_ROUND],
           responses={200: ("Saved", SAVED_ANSWERS), **_REFUSED, **_CLOSED, 422: ("Invalid input", ERROR)})
@refusals
def post_answers(round_id):
    begin_read(db.session)  # checks without SQLite's write lock; the gate takes it for the write only
    _, _, _, round_ = service.find_by_id(db.session, round_id, _user())
    data = json_body(ANSWERS)
    bodies = {}
    for key, text in data["answers"].items():
        if not str(key).isdigit() or not isinstance(text, str) or int(key) >= 2**31:
            raise InvalidInput("'answers' maps question ids to answer texts.", field="answers")
        bodies[int(key)] = text
    count = service.answer(db.session, round_, _user(), bodies, data["perspective"])
    return jsonify(round_id=round_.id, answers=count)


def _move(action: str, summary: str):
    @login_required
    @refusals
    def view(round_id):
        _, _, actor, round_ = service.find_by_id(db.session, round_id, _user(), need="facilitate")
        return jsonify(round_json(service.force(db.session, round_, _user(), action), actor))

    view.__name__ = f"{action}_round"
    operation(f"/rounds/{{round_id}}/{action}", "post", summary, params=[_ROUND],
              responses={200: ("The round", ROUND), **_REFUSED, 409: ("Not in a state that allows this", ERROR)})(view)
    bp.add_url_rule(f"/rounds/<int:round_id>/{action}", view.__name__, view, methods=["POST"])


_move("open", "Open a scheduled round now (facilitators)")
_move("close", "Close an open round now (facilitators)")
_move("responded", "Mark a closed round's responses complete (every comment answered)")
_move("publish", "Publish the round's report (every comment answered)")
_move("unpublish", "Withdraw the round's published report")


@bp.post("/comments/<int:comment_id>/disposition")
@login_required
@operation("/comments/{comment_id}/disposition", "post", "Answer a round comment: disposition, response, themes",
           body=body_schema(DISPOSITION), params=[_COMMENT],
           responses={200: ("The disposition", DISPOSED), **_REFUSED, 409: ("The round has not opened", ERROR),
                      422: ("Invalid input, not a round comment, or a comment of another round", ERROR)})
@refusals
def set_disposition(comment_id):
    comment, _ = comments.get_comment(db.session, comment_id, _user())
    data = json_body(DISPOSITION)
    if not all(isinstance(theme, str) for theme in data["themes"]):
        raise InvalidInput("'themes' is a list of strings.", field="themes")
    record = service.set_disposition(db.session, comment, _user(), disposition=data["disposition"],
                                     response=data["response"], themes=data["themes"], revision=data["revision"],
                                     round_id=data["round"])
    return jsonify(comment_id=comment_id, round_id=record.round_id, disposition=record.disposition,
                   response_html=record.response_html, themes=record.themes, revision=record.revision_number)


def _report(round_id, changes: bool = True):
    _, _, actor, round_ = service.find_by_id(db.session, round_id, _user())
    return service.report_for(db.session, round_, actor, changes=changes)


@bp.get("/rounds/<int:round_id>/report")
@operation("/rounds/{round_id}/report", "get", "The round's report (facilitators; everyone once published)",
           params=[_ROUND], public=True,
           responses={200: ("The report", REPORT), 404: ("Not published, or no such round", ERROR)})
def round_report(round_id):
    return jsonify(_report(round_id).as_json())


@bp.get("/rounds/<int:round_id>/report.csv")
@operation("/rounds/{round_id}/report.csv", "get", "The report's \"You said, we did\" table as CSV", params=[_ROUND],
           public=True, responses={200: ("CSV (text/csv)", None), 404: ("Not published, or no such round", ERROR)})
def round_report_csv(round_id):
    result = _report(round_id, changes=False)
    return Response(service.export_csv(result), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="round-{result.round_id}-report.csv"'})

