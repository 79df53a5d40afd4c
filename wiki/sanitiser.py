"""The HTML allowlists every sink goes through (nh3): documents, comments, search snippets.

PURE (nh3 and the standard library). Rendering (wiki/rendering.py) cleans its output with the
document or comment cleaner last, so nothing an extension emits bypasses them; diff views, exports
and search snippets clean with them too.
"""

import re

import nh3

__all__ = ["BLOCK_ID_RE", "COMMENT_CLEANER", "DOCUMENT_CLEANER", "HEADINGS", "sanitize_html", "sanitize_snippet"]

HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK_ID_RE = re.compile(r"b-[0-9a-f]{8}(?:-\d+)?")
_ID_RE = re.compile(r"[\w:.-]{1,128}")  # heading slugs and footnote ids (fn:1, fnref:1)
_LANG_CLASS_RE = re.compile(r"language-[\w#+.-]{1,40}")
_SCHEME_RE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_ALLOWED_CLASSES = frozenset({"footnote", "footnote-ref", "footnote-backref", "toc",
                              "align-left", "align-center", "align-right"})


_COMMON_TAGS = {"p", "br", "hr", "strong", "em", "b", "i", "u", "s", "del", "ins", "sub", "sup", "code",
                "pre", "kbd", "blockquote", "ul", "ol", "li", "dl", "dt", "dd", "a", "table", "thead",
                "tbody", "tfoot", "tr", "th", "td", "caption", "abbr", "span", "div"}
_DOCUMENT_TAGS = _COMMON_TAGS | HEADINGS | {"img", "section", "nav", "figure", "figcaption"}
_CELL = {"colspan", "rowspan", "class"}
_COMMON_ATTRIBUTES = {"a": {"href", "title", "class"}, "abbr": {"title"}, "code": {"class"},
                      "div": {"class"}, "ol": {"start"}, "th": _CELL, "td": _CELL}
_DOCUMENT_ATTRIBUTES = {
    **_COMMON_ATTRIBUTES,
    **{tag: {"id", "data-block"} for tag in HEADINGS | {"li"}},
    **{tag: {"data-block"} for tag in ("p", "blockquote", "table", "pre", "dl")},
    "img": {"src", "alt", "title"},
    "sup": {"id"},
}


def _filter_attribute(tag: str, name: str, value: str) -> str | None:
    """Value checks nh3 cannot express: class tokens, id shapes, image URL schemes.
    (nh3 has already removed hrefs/srcs whose scheme is not http/https/mailto.)"""
    if name == "class":
        kept = [c for c in value.split() if c in _ALLOWED_CLASSES or _LANG_CLASS_RE.fullmatch(c)]
        return " ".join(kept) or None
    if name == "id":
        return value if _ID_RE.fullmatch(value) else None
    if name == "data-block":
        return value if BLOCK_ID_RE.fullmatch(value) else None
    if name == "start":
        return value if value.isdigit() and len(value) < 10 else None
    if tag == "img" and name == "src":
        scheme = _SCHEME_RE.match(value.strip())
        return value if scheme is None or scheme.group(1).lower() in ("http", "https") else None
    return value


def _cleaner(tags: set[str], attributes: dict[str, set[str]]) -> nh3.Cleaner:
    return nh3.Cleaner(tags=tags, attributes=attributes, attribute_filter=_filter_attribute,
                       strip_comments=True, link_rel="noopener noreferrer nofollow",
                       url_schemes={"http", "https", "mailto"})


DOCUMENT_CLEANER = _cleaner(_DOCUMENT_TAGS, _DOCUMENT_ATTRIBUTES)
COMMENT_CLEANER = _cleaner(_COMMON_TAGS, _COMMON_ATTRIBUTES)


def sanitize_html(html_fragment: str) -> str:
    """Clean an HTML fragment with the document allowlist (for diff views, exports…)."""
    return DOCUMENT_CLEANER.clean(html_fragment)


_SNIPPET_CLEANER = nh3.Cleaner(tags={"mark"}, attributes={}, strip_comments=True)


def sanitize_snippet(html_fragment: str) -> str:
    """Search snippets: escaped text with <mark> around matches, nothing else survives."""
    return _SNIPPET_CLEANER.clean(html_fragment)
