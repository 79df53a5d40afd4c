"""PURE text hygiene for documents: slugs, newline normalisation and control characters."""

import re
import unicodedata

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NON_SLUG = re.compile(r"[^a-z0-9]+")
RESERVED_SLUGS = frozenset(
    {"new", "members", "changes", "search", "settings", "rounds", "feed", "edit", "history", "attribution",
     "moderation"}
)


def normalise_text(text: str) -> str:
    """One newline convention and no invisible control characters (they break diffs and offsets).

    Tabs and newlines are kept; a NUL or a stray form feed pasted from another program is removed,
    since it carries no meaning in Markdown.
    """
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def single_line(value: str) -> str:
    """A title, summary or name: control characters removed, whitespace runs made one space.

    PostgreSQL refuses a NUL in any text column, so one pasted into a title must not reach it.
    """
    return " ".join(_CONTROL.sub("", value or "").split())


def slugify(title: str, max_length: int = 80) -> str:
    """An ASCII address from a title ("Café strategy" → "cafe-strategy"); never empty."""
    ascii_title = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    slug = _NON_SLUG.sub("-", ascii_title.lower()).strip("-")[:max_length].strip("-")
    return slug or "document"


def unique_slug(base: str, taken: set[str]) -> str:
    """The first of base, base-2, base-3 … that is neither taken nor reserved for a page."""
    candidate, n = base, 1
    while candidate in taken or candidate in RESERVED_SLUGS:
        n += 1
        candidate = f"{base[: 80 - len(str(n)) - 1]}-{n}"
    return candidate
