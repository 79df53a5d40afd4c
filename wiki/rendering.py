"""Markdown → sanitised HTML, table of contents, plain text and stable block ids (text of HTML: wiki/plaintext.py).

PURE (stdlib + Python-Markdown + nh3), so it is tested alone and reused by publishing, search, diffs.
Pipeline: Markdown → our treeprocessor (block ids, heading ids, table alignment) → nh3 allowlist, last,
so nothing an extension emits bypasses it. Raw HTML in the source is *escaped*, not passed through: a
raw ``<p data-block=…>`` or ``<a id=…>`` could spoof block ids or clobber page ids, and raw blocks
would carry no block id.
"""

from __future__ import annotations

import functools
import hashlib
import html
import re
import threading
import xml.etree.ElementTree as etree
from dataclasses import dataclass

import markdown
from markdown.extensions import Extension
from markdown.extensions.footnotes import NBSP_PLACEHOLDER
from markdown.extensions.toc import slugify_unicode
from markdown.inlinepatterns import LinkInlineProcessor
from markdown.treeprocessors import Treeprocessor
from markdown.util import ETX, HTML_PLACEHOLDER_RE, STX, AtomicString

from wiki.plaintext import BLOCK_TAGS, SPACE_RE, TEXT_BREAK_TAGS, text_lines
from wiki.sanitiser import BLOCK_ID_RE, COMMENT_CLEANER, DOCUMENT_CLEANER, HEADINGS, sanitize_html, sanitize_snippet

__all__ = ["Rendered", "TocEntry", "render_comment", "render_document", "sanitize_html",
           "sanitize_snippet"]


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    title: str  # plain text


@dataclass(frozen=True)
class Rendered:
    html: str  # sanitised HTML fragment
    toc: tuple[TocEntry, ...]
    text: str  # plain text, one block a line (search indexing, snippets)
    block_ids: tuple[str, ...]  # data-block values in document order


_ESCAPED_CHAR_RE = re.compile(STX + r"(\d+)" + ETX)  # backslash escapes, before ``unescape`` runs
_SLUG_LENGTH = 80
_TOC_MARKER = "[TOC]"


def _resolve(text: str, md: markdown.Markdown, atomic: bool, in_pre: bool) -> str:
    """Tree text as the reader sees it (entities and escapes are still placeholders here, code
    spans hold escaped text); outside ``pre``, newlines are left only at block boundaries."""
    if STX in text:
        stash = md.htmlStash.rawHtmlBlocks

        def from_stash(m: re.Match[str]) -> str:
            raw = stash[int(m.group(1))] if int(m.group(1)) < len(stash) else ""
            return html.unescape(raw) if isinstance(raw, str) else ""

        text = HTML_PLACEHOLDER_RE.sub(from_stash, text)
        text = _ESCAPED_CHAR_RE.sub(lambda m: chr(int(m.group(1))), text)
        text = text.replace(NBSP_PLACEHOLDER, "\xa0")
    text = html.unescape(text) if atomic else text
    return text if in_pre else SPACE_RE.sub(" ", text)


def _skip_in_text(el: etree.Element) -> bool:
    """Footnote numbers change when an earlier footnote is added; keep them out of block
    keys (so such an edit does not change the ids of unrelated paragraphs) and out of text."""
    return (el.tag == "sup" and el.get("id", "").startswith("fnref")) or el.get("class") == "footnote-backref"


def _collect(el: etree.Element, md: markdown.Markdown, out: list, in_pre: bool = False) -> str:
    """Text of ``el`` (newline at block boundaries); appends (element, text) for every block in
    document order. One pass: nested blocks reuse their children's text, so cost stays linear."""
    if el.tag == "p" and not len(el) and (el.text or "").strip() == _TOC_MARKER:
        return ""  # ``toc`` replaces this paragraph with the generated contents box
    slot = len(out)
    if el.tag in BLOCK_TAGS:
        out.append(None)
    in_pre = in_pre or el.tag == "pre"
    parts = ["\n" if el.tag in TEXT_BREAK_TAGS else " " if el.tag in ("td", "th") else ""]
    if el.text:
        parts.append(_resolve(el.text, md, isinstance(el.text, AtomicString), in_pre))
    if el.tag == "img":
        parts.append(el.get("alt", ""))
    for child in el:
        if not _skip_in_text(child):
            parts.append(_collect(child, md, out, in_pre))
        if child.tail:
            parts.append(_resolve(child.tail, md, False, in_pre))
    parts.append(parts[0])
    text = "".join(parts)
    if el.tag in BLOCK_TAGS:
        out[slot] = (el, text)
    return text


def _unique(base: str, used: dict[str, int]) -> str:
    """``base``, then ``base-2``, ``base-3``… skipping values already taken."""
    candidate, n = base, used.get(base, 1)
    while candidate in used:
        n += 1
        candidate = f"{base}-{n}"
    used[base], used[candidate] = n, used.get(candidate, 1)
    return candidate


def _block_id(el: etree.Element, text: str, used: dict[str, int]) -> str:
    """Content hash, so an id only changes when its own block does. The key includes the
    element kind so a list item and its only paragraph do not collide on every loose list."""
    kind = "h" if el.tag in HEADINGS else el.tag
    return _unique("b-" + hashlib.sha1(f"{kind}\x1f{text}".encode()).hexdigest()[:8], used)


def _heading_slug(title: str, used: dict[str, int]) -> str:
    """Python-Markdown ``toc`` style Unicode slug; bounded, never empty, never block-id shaped."""
    slug = slugify_unicode(title, "-")[:_SLUG_LENGTH].strip("-") or "section"
    return _unique(f"h-{slug}" if BLOCK_ID_RE.fullmatch(slug) else slug, used)



def _align_to_class(root: etree.Element) -> None:
    """Tables emit ``align``; nh3 drops presentational attributes, so keep it as a class."""
    for cell in root.iter():
        align = cell.attrib.pop("align", None) if cell.tag in ("th", "td") else None
        if align in ("left", "center", "right"):
            cell.set("class", f"align-{align}")


def _unstash_code_blocks(root: etree.Element, md: markdown.Markdown) -> None:
    """``fenced_code`` stashes ``<pre>`` as raw HTML behind a ``<p>`` placeholder; put the real
    element in the tree so it receives a block id like any other block."""
    stash = md.htmlStash.rawHtmlBlocks
    if not any(isinstance(raw, str) and raw.startswith("<pre") for raw in stash):
        return
    for parent in list(root.iter()):
        for i, child in enumerate(parent):
            if child.tag != "p" or len(child) or STX not in (child.text or ""):
                continue
            match = HTML_PLACEHOLDER_RE.fullmatch(child.text.strip())
            raw = stash[int(match.group(1))] if match else None
            if not (isinstance(raw, str) and raw.startswith("<pre")):
                continue
            try:
                pre = etree.fromstring(raw)
            except etree.ParseError:
                continue
            for node in pre.iter():  # the serialiser leaves "&amp;" alone: re-escape ourselves
                node.text = AtomicString(html.escape(node.text, quote=False)) if node.text else None
            pre.tail = child.tail
            parent[i] = pre


class _WikiProcessor(Treeprocessor):
    """Results are read back from the processor after ``convert``; reset before each run."""

    def reset(self, text: str = "") -> None:
        self.toc, self.block_ids, self.text = (), (), text


class _DocumentProcessor(_WikiProcessor):
    """Assigns heading ids and ``data-block`` ids and records the TOC, before ``toc`` runs
    (``toc`` keeps existing ids, so its ``[TOC]`` marker links to ours)."""

    def run(self, root: etree.Element) -> None:
        _unstash_code_blocks(root, self.md)
        _align_to_class(root)
        blocks: list = []
        self.text = text_lines("".join(_collect(child, self.md, blocks) for child in root))
        used_blocks: dict[str, int] = {}
        used_ids: dict[str, int] = {}
        toc, block_ids = [], []
        for el, raw_text in blocks:
            text = SPACE_RE.sub(" ", raw_text).strip()
            block_ids.append(_block_id(el, text, used_blocks))
            el.set("data-block", block_ids[-1])
            if el.tag in HEADINGS:
                el.set("id", _heading_slug(text, used_ids))
                toc.append(TocEntry(int(el.tag[1]), el.get("id"), text))
        self.toc, self.block_ids = tuple(toc), tuple(block_ids)


class _CommentProcessor(_WikiProcessor):
    """Comments sit many to a page beside the document: no headings (they would pollute the
    page outline), no images (tracking pixels, layout abuse) — an image becomes a link."""

    def run(self, root: etree.Element) -> None:
        _align_to_class(root)
        for el in [el for el in root.iter() if el.tag in HEADINGS]:
            strong = etree.Element("strong")
            strong.text, strong[:], tail = el.text, list(el), el.tail
            el.clear()  # also drops attributes (ids) and the tail, restored below
            el.tag, el.tail = "p", tail
            el.append(strong)
        self._images_to_links(root, inside_link=False)

    def _images_to_links(self, el: etree.Element, inside_link: bool) -> None:
        for child in el:
            if child.tag != "img":
                self._images_to_links(child, inside_link or child.tag == "a")
                continue
            label, src, tail = child.get("alt") or child.get("src", ""), child.get("src", ""), child.tail
            child.clear()
            child.tag, child.text, child.tail = ("span" if inside_link else "a"), label, tail
            if not inside_link:
                child.set("href", src)


_LINK_LIMIT = 1000  # characters scanned for a link's ``[text]`` and for its ``(url "title")``
_LINK_MAX_BRACKETS = 16  # ``]`` allowed inside one link text, nested ones included


def _bounded_get_text(data: str, index: int) -> tuple[str, int, bool]:
    """Replacement for ``LinkInlineProcessor.getText``: same result for link texts under the
    limits. The original walks char by char to the end of the block for every unmatched ``[``
    (three times: link, image, reference), so 20 KB of ``[`` took over two minutes."""
    end = min(len(data), index + _LINK_LIMIT)
    depth, pos = 1, index
    for _ in range(_LINK_MAX_BRACKETS):  # also bounds ``[[]`` runs, where depth never drops
        close = data.find("]", pos, end)
        if close < 0:
            break
        depth += data.count("[", pos, close) - 1
        if depth == 0:
            return data[index:close], close + 1, True
        pos = close + 1
    return "", end, False


def _bounded_get_link(original, data: str, index: int) -> tuple[str, str | None, int, bool]:
    """Wraps ``getLink`` (same char-by-char walk to the end of the block for each ``[x](``):
    scans a bounded window, and skips the walk when no ``)`` could close the link."""
    window = data[: index + _LINK_LIMIT]
    return original(window, index) if window.find(")", index) >= 0 else ("", None, index, False)


# What each inline pattern needs in a text to match at all (its regex cannot match without one).
_INLINE_TRIGGERS = {"backtick": "`", "escape": "\\", "footnote": "[", "reference": "[", "link": "[",
                    "image_link": "[", "image_reference": "[", "short_reference": "[", "short_image_ref": "[",
                    "autolink": "<", "automail": "<", "linebreak": "  \n", "entity": "&", "em_strong": "*_",
                    "em_strong2": "_", "not_strong": "*_"}


def _skip_plain_text(md: markdown.Markdown) -> None:
    """Let the inline processor pass over text that no inline pattern can match.

    Python-Markdown tries every inline pattern on every text node (~24,000 regex searches and
    registry look-ups for a 100 KB strategy, a third of its rendering time), though most
    sentences hold no ``*``, ``[``, `` ` ``… at all. The result is the same: a pattern that cannot
    match leaves the text as it is. Only with patterns whose triggers are known (an unknown one,
    say from a Markdown upgrade, turns the shortcut off)."""
    names = [item.name for item in md.inlinePatterns._priority]
    if not set(names) <= set(_INLINE_TRIGGERS):
        return
    triggers = {t for name in names for t in (_INLINE_TRIGGERS[name] if name != "linebreak" else ["  \n"])}
    needle = re.compile("|".join(re.escape(t) for t in sorted(triggers)))
    processor = md.treeprocessors["inline"]
    handle = processor._InlineProcessor__handleInline  # noqa: SLF001 (name-mangled, wrapped per instance)

    def handle_inline(data: str, pattern_index: int = 0) -> str:
        return handle(data, pattern_index) if needle.search(data) else data

    processor._InlineProcessor__handleInline = handle_inline


class _WikiExtension(Extension):
    def __init__(self, processor: type[_WikiProcessor]):
        super().__init__()
        self.processor_class = processor

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown API name)
        md.preprocessors.deregister("html_block")  # raw HTML is escaped, never passed through
        md.inlinePatterns.deregister("html")
        for pattern in md.inlinePatterns:  # per instance: never patch the library globally
            if isinstance(pattern, LinkInlineProcessor):
                pattern.getText = _bounded_get_text
                pattern.getLink = functools.partial(_bounded_get_link, pattern.getLink)
        # after inline (20), footnotes (15..50) and prettify (10); before abbr (7) and toc (5)
        md.treeprocessors.register(self.processor_class(md), "wiki", 8)
        _skip_plain_text(md)


_FLAVOURS = {  # attr_list (and extra, which includes it) stays off: it lets authors set on*/id
    "document": (["tables", "fenced_code", "footnotes", "sane_lists", "def_list", "abbr", "toc"],
                 _DocumentProcessor),
    "comment": (["tables", "fenced_code", "sane_lists"], _CommentProcessor),
}
_CONFIGS = {"tables": {"use_align_attribute": True}, "toc": {"slugify": slugify_unicode}}
_local = threading.local()  # a Markdown instance is stateful: one per thread, reset per call


def _convert(kind: str, source: str) -> tuple[str, _WikiProcessor]:
    md = getattr(_local, kind, None)
    if md is None:
        names, processor = _FLAVOURS[kind]
        md = markdown.Markdown(extensions=[*names, _WikiExtension(processor)],
                               extension_configs={n: c for n, c in _CONFIGS.items() if n in names})
        setattr(_local, kind, md)
    processor = md.treeprocessors["wiki"]
    processor.reset()  # the Markdown instance itself was reset after its previous use
    try:
        return md.convert(source), processor
    except RecursionError:  # pathological nesting: show the source as text rather than fail
        setattr(_local, kind, None)  # the parser's state stack is left inconsistent: rebuild
        processor.reset(text=source)
        return f"<pre>{html.escape(source)}</pre>", processor
    finally:
        md.reset()  # release the stash and footnotes of this document


def render_document(source: str) -> Rendered:
    """Render a wiki document: sanitised HTML with heading ids and block ids, TOC, text."""
    body, result = _convert("document", source)
    return Rendered(DOCUMENT_CLEANER.clean(body), result.toc, result.text, result.block_ids)


def render_comment(source: str) -> str:
    """Render a comment with the smaller allowlist (no headings, images, ids or footnotes)."""
    return COMMENT_CLEANER.clean(_convert("comment", source)[0])
