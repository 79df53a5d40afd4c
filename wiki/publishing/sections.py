"""Numbered sections and stable anchors for an edition's text (PURE: stdlib only).

Works on a revision's stored, sanitised HTML (rendered once when it was saved, never re-rendered
here) and its table of contents:

- ``number_headings`` gives every heading a number ("3.2") and a permalink id (``s-3-2``). A
  document that opens with its only top-level heading (its own title, as most drafts do) keeps that
  heading unnumbered, so sections read 1, 2, 3 rather than 1.1, 1.2, 1.3.
- ``prepare_body`` turns the HTML into the edition's text: numbered headings whose number links to
  itself, the heading's wiki slug kept as a second anchor (links inside the document still work),
  a paragraph anchor on every block from its stable block id (``b-…``, wiki/rendering.py), images
  turned into links (an edition makes no request of any kind), tables in a scrollable group, and
  fragment links that point nowhere made inert.
- ``split_sections`` cuts the text into (heading, plain text) pieces for the change summary.

Why a tag scanner rather than an HTML parser: the input is nh3's serialisation, which quotes every
attribute and escapes ``<``/``>`` inside values, so ``<[^>]*>`` finds exactly the tags; a 500 KB
document is scanned in a few tens of milliseconds, several times faster than ``html.parser``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_ATTR = re.compile(r'([^\s="]+)(?:="([^"]*)")?')
_AUTHOR_NUMBER = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3})*)\.?(?:\s+|$)")
_SECTION_ID = re.compile(r"s-\d+(?:-\d+)*")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_REWRITTEN = _HEADINGS | {"img", "table"}
_HEADING_TAG = re.compile(r"<(h[1-6])\b([^>]*)>")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Heading:
    level: int
    slug: str  # the wiki's heading id, kept as a second anchor
    title: str  # plain text as the reader sees it (an author's own matching number removed)
    number: str  # "3.2"; "" for the document's own title heading
    depth: int  # 1 for top-level sections

    @property
    def anchor(self) -> str:
        """The permalink id: ``s-3-2``; the slug for the unnumbered title heading."""
        return "s-" + self.number.replace(".", "-") if self.number else self.slug


@dataclass(frozen=True)
class TocNode:
    heading: Heading
    children: tuple[TocNode, ...]


@dataclass(frozen=True)
class Body:
    html: str
    ids: frozenset[str]  # every id in the text (for checks and for the appendices' own ids)


def strip_author_number(title: str, number: str) -> str:
    """ "3.2 Support" shown as section 3.2 would read "3.2 3.2 Support": drop the author's number
    when it is the same as ours; a different one is kept (the reader sees both, nothing is hidden)."""
    match = _AUTHOR_NUMBER.match(title)
    if number and match and match.group(1) == number and title[match.end():].strip():
        return title[match.end():]
    return title


def number_headings(toc: Iterable) -> list[Heading]:
    """Numbers for TOC entries ``(level, slug, title)`` in document order.

    A level deeper than its parent by more than one still nests one step (h2 → h4 is 1 → 1.1), so
    numbers never contain gaps or zeros."""
    entries = [(int(level), str(slug), str(title)) for level, slug, title in toc]
    title_heading = None
    if entries:
        top = min(level for level, _, _ in entries)
        if entries[0][0] == top and sum(1 for level, _, _ in entries if level == top) == 1 and len(entries) > 1:
            title_heading = 0
    stack: list[list[int]] = []  # [level, count] for each open depth
    out: list[Heading] = []
    for index, (level, slug, title) in enumerate(entries):
        if index == title_heading:
            out.append(Heading(level, slug, title, "", 0))
            continue
        popped = None  # a shallower heading after a deeper one continues the deeper one's count
        while stack and stack[-1][0] > level:
            popped = stack.pop()
        if stack and stack[-1][0] == level:
            stack[-1][1] += 1
        else:
            stack.append([level, popped[1] + 1 if popped else 1])
        number = ".".join(str(count) for _, count in stack)
        out.append(Heading(level, slug, strip_author_number(title, number), number, len(stack)))
    return out


def toc_tree(headings: list[Heading]) -> tuple[TocNode, ...]:
    """Numbered headings as a nested list (the title heading is the title page's, not listed)."""
    root: list = []
    path: list[tuple[int, list]] = [(0, root)]
    for heading in headings:
        if not heading.number:
            continue
        while path[-1][0] >= heading.depth:
            path.pop()
        children: list = []
        path[-1][1].append((heading, children))
        path.append((heading.depth, children))

    def freeze(items: list) -> tuple[TocNode, ...]:
        return tuple(TocNode(heading, freeze(children)) for heading, children in items)

    return freeze(root)


def _attrs(raw: str) -> dict[str, str]:
    return {name: value or "" for name, value in _ATTR.findall(raw)}


def _attr_text(attrs: dict[str, str]) -> str:
    """Values are re-emitted as nh3 escaped them (already safe inside double quotes)."""
    return "".join(f' {name}="{value}"' for name, value in attrs.items())


class _Transformer:
    """One pass over the tags; state for the heading being written and the tables seen."""

    def __init__(self, headings: list[Heading]):
        self.by_slug = {h.slug: h for h in headings}
        self.taken = {h.anchor for h in headings}
        self.out: list[str] = []
        self.ids: set[str] = set()
        self.strip_number = ""  # our number, to remove from the heading text that follows
        self.tables = 0

    def open_tag(self, tag: str, name: str, raw: str) -> str:
        if name not in _REWRITTEN and "id=" not in raw and "data-block" not in raw:
            return tag  # most tags (em, a, td…) pass through untouched
        attrs = _attrs(raw)
        if name in _HEADINGS and attrs.get("id") in self.by_slug:
            return self.heading(name, self.by_slug[attrs["id"]])
        if name == "img":
            return self.image(attrs)
        block = attrs.pop("data-block", None)
        if block and "id" not in attrs:
            attrs["id"] = block
        if "id" in attrs:
            self.ids.add(html.unescape(attrs["id"]))
        if name == "table":
            self.tables += 1
            return (f'<div class="table-scroll" role="group" tabindex="0" aria-label="Table {self.tables}">'
                    f"<table{_attr_text(attrs)}>")
        return f"<{name}{_attr_text(attrs)}>"

    def heading(self, name: str, heading: Heading) -> str:
        slug = heading.slug
        if slug != heading.anchor and (_SECTION_ID.fullmatch(slug) or slug in self.taken):
            slug = f"h-{slug}"  # a heading titled "S 1" must not take section 1's permalink
        self.ids.update({heading.anchor, slug})
        if not heading.number:
            return f'<{name} id="{heading.anchor}">'
        self.strip_number = heading.number
        return (f'<{name} id="{heading.anchor}"><span class="anchor" id="{html.escape(slug)}"></span>'
                f'<a class="secnum" href="#{heading.anchor}">{heading.number}</a> ')

    def image(self, attrs: dict[str, str]) -> str:
        """An image would be a request to another server: the edition links to it instead."""
        label = attrs.get("alt") or attrs.get("title") or "no description"
        src = attrs.get("src")
        if not src:
            return f'<span class="image-link">[Image: {label}]</span>'
        return f'<a class="image-link" href="{src}" rel="noopener noreferrer nofollow">[Image: {label}]</a>'

    def text(self, chunk: str) -> str:
        if self.strip_number and chunk:
            chunk = strip_author_number(chunk, self.strip_number)
            self.strip_number = ""
        return chunk


def prepare_body(revision_html: str, headings: list[Heading]) -> Body:
    """The edition's text from a revision's sanitised HTML (see the module docstring)."""
    state = _Transformer(headings)
    out = state.out
    position = 0
    for match in _TAG.finditer(revision_html):
        out.append(state.text(revision_html[position:match.start()]))
        position = match.end()
        closing, name, raw = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            state.strip_number = ""
            out.append("</table></div>" if name == "table" else match.group(0))
            continue
        out.append(state.open_tag(match.group(0), name, raw))
    out.append(state.text(revision_html[position:]))
    text = _inert_dead_links("".join(out), state.ids)
    return Body(text, frozenset(state.ids))


_FRAGMENT_HREF = re.compile(r'(<a\b[^>]*?) href="#([^"]*)"')


def _inert_dead_links(text: str, ids: set[str]) -> str:
    """A link to an anchor the document does not have (``[see](#nowhere)``) would jump nowhere:
    its text stays, the link goes (an ``<a>`` without href is not a link)."""

    def fix(match: re.Match[str]) -> str:
        return match.group(0) if html.unescape(match.group(2)) in ids else match.group(1)

    return _FRAGMENT_HREF.sub(fix, text)


@dataclass(frozen=True)
class Section:
    key: str  # what matches it across editions: its title without a leading number, or a marker
    heading: Heading | None  # None: the text before the first heading, or the footnotes
    text: str  # plain text of the section's own content (not its subsections), spaces collapsed


INTRO, FOOTNOTES = "\x00intro", "\x00footnotes"
_LEADING_NUMBER = re.compile(r"^\s*\d{1,3}(?:\.\d{1,3})*\.?\s+")
_FOOTNOTES = '<div class="footnote">'


def section_key(title: str) -> str:
    return " ".join(_LEADING_NUMBER.sub("", title).split()).casefold()


def split_sections(revision_html: str, headings: list[Heading]) -> list[Section]:
    """The text cut at every heading, each piece as plain text (for comparing editions). The
    footnotes, which Markdown gathers at the end, are a piece of their own rather than a part of
    whichever section happens to come last."""
    notes_at = revision_html.rfind(_FOOTNOTES)
    text = revision_html if notes_at < 0 else revision_html[:notes_at]
    by_slug = {h.slug: h for h in headings}
    sections: list[Section] = []
    current: Heading | None = None
    start = 0
    for match in _HEADING_TAG.finditer(text):
        name = match.group(1)
        heading = by_slug.get(_attrs(match.group(2)).get("id", ""))
        if heading is None:
            continue
        sections.append(_section(current, text[start:match.start()]))
        close = text.find(f"</{name}>", match.end())  # the heading's own text is its title
        current, start = heading, (close + len(name) + 3 if close >= 0 else match.end())
    sections.append(_section(current, text[start:]))
    if sections[0].heading is None and not sections[0].text:
        sections.pop(0)
    if notes_at >= 0:
        sections.append(Section(FOOTNOTES, None, _plain(revision_html[notes_at:])))
    return sections


def _section(heading: Heading | None, fragment: str) -> Section:
    return Section(section_key(heading.title) if heading else INTRO, heading, _plain(fragment))


def _plain(fragment: str) -> str:
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", fragment))).strip()
