"""Plain text of sanitised HTML: one block a line, for search entries, snippets and the rendered
document's text.

PURE (stdlib + the sanitiser's tag names). Split from wiki/rendering.py, which builds the same text
from its element tree while rendering; both break lines at the same tags (TEXT_BREAK_TAGS).
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from wiki.sanitiser import HEADINGS

BLOCK_TAGS = HEADINGS | {"p", "li", "blockquote", "table", "pre", "dl"}
TEXT_BREAK_TAGS = BLOCK_TAGS | {"br", "hr", "div", "section", "nav", "figure", "figcaption", "caption",
                                "tr", "dt", "dd", "ul", "ol", "thead", "tbody", "tfoot"}
SPACE_RE = re.compile(r"\s+")


def text_lines(text: str) -> str:
    """One block a line, no blank lines, no edge whitespace."""
    lines = (line.strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


class _TextExtractor(HTMLParser):
    """Collects text with a newline at every block boundary. Skips the ``[TOC]`` box and
    footnote back-links: they repeat text found elsewhere and would skew search snippets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.in_pre, self.skip_tag, self.skip_depth = 0, "", 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if self.skip_tag:
            self.skip_depth += tag == self.skip_tag
        elif {"toc", "footnote-backref"} & set((dict(attrs).get("class") or "").split()):
            self.skip_tag, self.skip_depth = tag, 1
        else:
            self.parts.append("\n" if tag in TEXT_BREAK_TAGS else " " if tag in ("td", "th") else "")
            self.in_pre += tag == "pre"

    def handle_endtag(self, tag: str) -> None:
        if self.skip_tag:
            self.skip_depth -= tag == self.skip_tag
            self.skip_tag = self.skip_tag if self.skip_depth else ""
        elif tag in TEXT_BREAK_TAGS:
            self.parts.append("\n")
            self.in_pre -= tag == "pre" and self.in_pre > 0

    def handle_data(self, data: str) -> None:
        if not self.skip_tag:
            self.parts.append(data if self.in_pre else SPACE_RE.sub(" ", data))


# A tag as sanitised HTML writes it (a quoted attribute value may hold ">"); groups: "/" of an end
# tag, the name, "/" of a self-closing tag.
_TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^>\"']|\"[^\"]*\"|'[^']*')*?(/?)>")
# What only the full parser reads right: boxes skipped by class, <pre> whitespace, comments and
# declarations, raw-text elements, a "<" that opens no tag.
_NOT_PLAIN_RE = re.compile(r"class|<pre|<!|<\?|<script|<style|<textarea|<title|<(?![a-zA-Z/])|</(?![a-zA-Z])", re.I)


def plain_text(html_fragment: str) -> str:
    """Text content for search indexing and snippets: entities unescaped, one block a line.

    The search index reads every document and comment through this (a rebuild: ~150,000 fragments),
    so fragments of plain tags and text — nearly all of them — are read by one regular expression,
    the same way ``_TextExtractor`` reads them (tests/unit/test_rendering.py checks both agree);
    anything else goes through the extractor."""
    tags = [] if _NOT_PLAIN_RE.search(html_fragment) else list(_TAG_RE.finditer(html_fragment))
    if len(tags) != html_fragment.count("<"):
        parser = _TextExtractor()
        parser.feed(html_fragment)
        parser.close()
        return text_lines("".join(parser.parts))
    parts, position = [], 0
    for tag in tags:
        if tag.start() > position:
            parts.append(SPACE_RE.sub(" ", html.unescape(html_fragment[position:tag.start()])))
        name, position = tag.group(2).lower(), tag.end()
        if not tag.group(1):
            parts.append("\n" if name in TEXT_BREAK_TAGS else " " if name in ("td", "th") else "")
        if (tag.group(1) or tag.group(3)) and name in TEXT_BREAK_TAGS:  # "<br/>": a start and an end
            parts.append("\n")
    parts.append(SPACE_RE.sub(" ", html.unescape(html_fragment[position:])))
    return text_lines("".join(parts))
