"""Reading API input: a JSON object body checked against a small field spec, and integer query args.

One spec serves both sides of a route: `json_body(SPEC)` validates the request and `body_schema(SPEC)`
is the OpenAPI request schema, so the document cannot drift from what the view accepts.

    SAVE = {"text": Field(str), "base_revision": Field(int), "summary": Field(str, default="")}

    @operation(..., body=body_schema(SAVE))
    def save(...):
        data = json_body(SAVE)   # {"text": ..., "base_revision": ..., "summary": ""}

A body that is not JSON, or not a JSON object, is a 400; a missing required field, a field of the
wrong type or an unknown field is a 422 naming the field. Neither ever reaches the service.
"""

from dataclasses import dataclass
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest

from wiki.errors import InvalidInput

_MISSING = object()
INT_LIMIT = 2**31  # ids and numbers are 32-bit integer columns on PostgreSQL
_TYPES: dict[type, tuple[str, str]] = {  # Python type → (JSON Schema type, wording in messages)
    str: ("string", "a string"),
    int: ("integer", "an integer"),
    bool: ("boolean", "true or false"),
    float: ("number", "a number"),
    list: ("array", "a list"),
    dict: ("object", "an object"),
}


@dataclass(frozen=True)
class Field:
    """One body field: its type, and a default when optional (`nullable` also accepts null)."""

    kind: type
    default: Any = _MISSING
    nullable: bool = False
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is _MISSING

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if isinstance(value, bool):  # JSON true/false are not integers, whatever Python says
            return self.kind is bool
        if self.kind is float:
            return isinstance(value, int | float)
        return isinstance(value, self.kind)


def json_body(spec: dict[str, Field]) -> dict[str, Any]:
    """The request's JSON object, checked against `spec`, with defaults filled in."""
    data = request.get_json(force=True, silent=True)
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object (Content-Type: application/json).")
    unknown = sorted(set(data) - set(spec))
    if unknown:
        raise InvalidInput(f"Unknown field(s): {', '.join(unknown)}.", fields=unknown)
    values: dict[str, Any] = {}
    for name, field in spec.items():
        value = data.get(name, _MISSING)
        if value is _MISSING:
            if field.required:
                raise InvalidInput(f"'{name}' is required.", field=name)
            value = field.default
        elif not field.accepts(value):
            raise InvalidInput(f"'{name}' must be {_TYPES[field.kind][1]}.", field=name)
        elif isinstance(value, int) and not -INT_LIMIT < value < INT_LIMIT:
            raise InvalidInput(f"'{name}' is out of range.", field=name)
        values[name] = value
    return values


def body_schema(spec: dict[str, Field]) -> dict:
    """The OpenAPI schema of a body that `json_body(spec)` accepts."""
    properties = {}
    for name, field in spec.items():
        prop: dict[str, Any] = {"type": _TYPES[field.kind][0]}
        if field.nullable:
            prop["nullable"] = True
        if field.description:
            prop["description"] = field.description
        properties[name] = prop
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    required = [name for name, field in spec.items() if field.required]
    if required:
        schema["required"] = required
    return schema


def query_int(name: str, *, required: bool = True, default: int | None = None) -> int | None:
    """An integer query argument; missing (when required) or not an integer is a 400."""
    raw = request.args.get(name, "").strip()
    if not raw:
        if required:
            raise BadRequest(f"The query parameter '{name}' is required.")
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadRequest(f"The query parameter '{name}' must be an integer, not {raw[:40]!r}.") from None
    if not -INT_LIMIT < value < INT_LIMIT:
        raise BadRequest(f"The query parameter '{name}' is out of range.")
    return value
