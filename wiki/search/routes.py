"""The search page: /search?q=…&type=…&space=…&status=…&from=…&to=…&page=… (works without JavaScript)."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from wiki.consultations.lifecycle import STATES as ROUND_STATES
from wiki.consultations.models import DISPOSITIONS
from wiki.documents.models import STATUSES
from wiki.extensions import db
from wiki.pagination import Page, page_number
from wiki.search import finder, service
from wiki.search.entries import KIND_NAMES, KINDS
from wiki.search.finder import BadQuery
from wiki.search.hydrate import Result

bp = Blueprint("search", __name__)
# Documents' statuses, threads' (open / resolved), rounds' states and responses' dispositions.
STATUS_LABELS = {**ROUND_STATES, **STATUSES, "open": "Open", "resolved": "Resolved", **DISPOSITIONS}


def result_url(result: Result, external: bool = False) -> str:
    """Where a result leads: its document (or consultation round page), at the section, comment or
    response, with the matched words to mark."""
    if result.edition is not None:  # a standalone published file: nothing there reads ?highlight
        return url_for("published.edition", space_slug=result.space_slug, slug=result.document_slug,
                       number=result.edition, _external=external)
    common = dict(space_slug=result.space_slug, slug=result.document_slug,
                  highlight=" ".join(result.highlight) or None, _external=external)
    if result.round_id is not None:
        url = url_for("rounds.show", round_id=result.round_id, **common)
    else:
        url = url_for("documents.view", **common)
    return f"{url}#{result.anchor}" if result.anchor else url


def run_search(args):
    """Parse the shared query arguments (page and API) and search as the current user."""
    kinds = [k for k in args.getlist("type") if k]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise BadQuery(f"Unknown type {unknown[0][:40]!r}: use {', '.join(KINDS)}.")
    chosen = {name: [v for v in args.getlist(name) if v] for name in ("space", "status")}
    try:
        backend = service.engine().backend
    except RuntimeError as error:  # misconfigured (e.g. SEARCH_BACKEND=postgresql on SQLite)
        current_app.logger.error("search is not configured: %s", error)
        raise finder.SearchUnavailable("Search is unavailable just now. Please try again later.") from error
    outcome = finder.search(
        db.session, backend, current_user, args.get("q", "").strip(),
        kinds=kinds, space_slugs=chosen["space"], statuses=chosen["status"],
        date_from=finder.parse_date(args.get("from"), "from"), date_to=finder.parse_date(args.get("to"), "to"),
        page=page_number(args.get("page")), per_page=current_app.config["SEARCH_PER_PAGE"])
    if outcome.stale:  # results found out of date were left out: bring their entries up to date
        service.engine().submit(outcome.stale)
    return outcome


@bp.get("/search")
def results():
    error, outcome, page = None, None, None
    if request.args.get("q", "").strip():
        try:
            outcome = run_search(request.args)
        except BadQuery as refused:
            error = refused.message
    if outcome is not None:
        page = Page(outcome.results, outcome.page, outcome.per_page,
                    min(outcome.total, finder.MAX_PAGE * outcome.per_page))
    return render_template("search/results.html", outcome=outcome, page=page, error=error, kinds=KINDS,
                           kind_names=KIND_NAMES, status_labels=STATUS_LABELS, result_url=result_url,
                           args=request.args), 400 if error else 200
