"""The OpenAPI 3 document, assembled from the operations each API module declares.

Routes register their operation next to their code (see `operation`), so a new route without an
entry is caught by the test that compares this document with the URL map.
"""

from collections.abc import Callable

_OPERATIONS: dict[tuple[str, str], dict] = {}

ERROR = {
    "type": "object",
    "properties": {"error": {"type": "string"}},
    "required": ["error"],
}


def operation(path: str, method: str, summary: str, *, responses: dict, body: dict | None = None,
              params: list | None = None, public: bool = False) -> Callable:
    """Decorator recording an operation; `path` uses OpenAPI's {name} syntax."""

    def record(view: Callable) -> Callable:
        op: dict = {"summary": summary, "operationId": view.__name__, "responses": _responses(responses)}
        if body is not None:
            op["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
        if params:
            op["parameters"] = params
        if public:
            op["security"] = []
        _OPERATIONS[(path, method.lower())] = op
        return view

    return record


def _responses(responses: dict) -> dict:
    out = {}
    for status, (description, schema) in responses.items():
        entry: dict = {"description": description}
        if schema is not None:
            entry["content"] = {"application/json": {"schema": schema}}
        out[str(status)] = entry
    for status, description in (("401", "Not authenticated"), ("default", "Error")):
        out.setdefault(status, {"description": description, "content": {"application/json": {"schema": ERROR}}})
    return out


def path_param(name: str, kind: str = "integer", description: str = "") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}, "description": description}


def query_param(name: str, kind: str = "integer", description: str = "") -> dict:
    return {"name": name, "in": "query", "required": False, "schema": {"type": kind}, "description": description}


def document(server_url: str) -> dict:
    paths: dict = {}
    for (path, method), op in sorted(_OPERATIONS.items()):
        paths.setdefault(path, {})[method] = op
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Strategy wiki API",
            "version": "1",
            "description": "Offsets are Python string indices (Unicode code points) into the Markdown.",
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "Personal API token"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session",
                            "description": "Browser session; writes also need the X-CSRFToken header"},
            }
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }
