"""/api/v1/search: full-text search as the caller (only what they may read), JSON."""

from flask import jsonify, request
from werkzeug.exceptions import BadRequest

from wiki.api.openapi import ERROR, operation, query_param
from wiki.api.routes import bp
from wiki.search.routes import result_url, run_search

_INT, _STR = {"type": "integer"}, {"type": "string"}
RESULT = {"type": "object", "properties": {
    "type": {**_STR, "description": "document, section, comment, response, edition or round"},
    "id": {**_INT, "description": "The document, comment… id (a section's is its document's)"},
    "title": _STR,
    "url": {**_STR, "description": "The page, at the section or comment, with the matched words highlighted"},
    "snippet_html": {**_STR, "description": "Escaped text with <mark> around the matching words"},
    "space": {**_STR, "description": "The space's slug"},
}}
RESULTS = {"type": "object", "properties": {
    "total": _INT, "page": _INT, "pages": _INT, "per_page": _INT,
    "suggestion": {**_STR, "nullable": True, "description": "A corrected search (\"did you mean\"), if any"},
    "results": {"type": "array", "items": RESULT},
}, "required": ["total", "page", "results"]}
PARAMS = [
    {**query_param("q", "string", 'Words, "phrases", prefix*, -excluded, OR'), "required": True},
    query_param("type", "string", "document, section, comment, response, edition or round (repeatable)"),
    query_param("space", "string", "A space's slug (repeatable)"),
    query_param("status", "string", "e.g. draft, consultation, published, open, resolved (repeatable)"),
    query_param("from", "string", "Only results dated on or after (YYYY-MM-DD)"),
    query_param("to", "string", "Only results dated on or before (YYYY-MM-DD)"),
    query_param("page", "integer", "Page number, from 1"),
]


@bp.get("/search")
@operation("/search", "get", "Search documents, sections and comments the caller may read",
           params=PARAMS, public=True,
           responses={200: ("Results, best first", RESULTS), 400: ("The search cannot be understood", ERROR),
                      503: ("The index cannot be read just now", ERROR)})
def search():
    if not request.args.get("q", "").strip():
        raise BadRequest("The query parameter 'q' is required.")
    outcome = run_search(request.args)  # a BadQuery is a 400 with its message
    return jsonify(
        total=outcome.total, page=outcome.page, pages=outcome.pages, per_page=outcome.per_page,
        suggestion=outcome.suggestion,
        results=[{"type": r.type, "id": r.id, "title": r.title, "url": result_url(r, external=True),
                  "snippet_html": r.snippet_html, "space": r.space_slug} for r in outcome.results],
    )
