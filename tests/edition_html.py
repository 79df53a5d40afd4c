"""Reading an edition file the way a browser would, for the publishing tests (unit, web and CLI)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"meta", "link", "br", "hr", "img", "input", "source", "area", "base", "col", "embed", "wbr"}
URL_ATTRIBUTES = {"src", "srcset", "data", "poster", "background", "action", "formaction", "xlink:href",
                  "lowsrc", "dynsrc", "codebase", "longdesc", "usemap", "ping", "cite"}


@dataclass
class Element:
    tag: str
    attrs: dict
    text: list = field(default_factory=list)
    parents: tuple = ()

    @property
    def content(self) -> str:
        return " ".join(" ".join(self.text).split())


class EditionParser(HTMLParser):
    """Every element with its attributes, text and ancestors' tags, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.stack: list[Element] = []

    def handle_starttag(self, tag, attrs):
        element = Element(tag, dict(attrs), parents=tuple(e.tag for e in self.stack))
        self.elements.append(element)
        if tag not in VOID:
            self.stack.append(element)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index].tag == tag:
                del self.stack[index:]
                return

    def handle_data(self, data):
        for element in self.stack:
            element.text.append(data)


def parse(document: str) -> EditionParser:
    parser = EditionParser()
    parser.feed(document)
    parser.close()
    return parser


def ids(parser: EditionParser) -> list[str]:
    return [e.attrs["id"] for e in parser.elements if e.attrs.get("id")]


def fragment_links(parser: EditionParser) -> list[str]:
    hrefs = (e.attrs.get("href") or "" for e in parser.elements if e.tag == "a")
    return [href[1:] for href in hrefs if href.startswith("#")]


def by_id(parser: EditionParser, element_id: str) -> Element:
    return next(e for e in parser.elements if e.attrs.get("id") == element_id)


def numbered_headings(parser: EditionParser) -> list[tuple[str, str]]:
    """(id, visible text) of the text's numbered headings (those with an ``s-…`` permalink)."""
    return [(e.attrs["id"], e.content) for e in parser.elements
            if re.fullmatch(r"h[1-6]", e.tag) and re.fullmatch(r"s-\d+(-\d+)*", e.attrs.get("id", ""))]


def toc_entries(parser: EditionParser) -> list[tuple[str, str]]:
    """(target id, visible text) of the contents' links to sections."""
    return [(e.attrs["href"][1:], e.content) for e in parser.elements
            if e.tag == "a" and "nav" in e.parents and re.fullmatch(r"#s-\d+(-\d+)*", e.attrs.get("href", ""))]


def external_asset_urls(document: str, parser: EditionParser) -> list[str]:
    """Anything that would make the browser fetch something when the file is opened."""
    found = [f"<{e.tag} {name}={value}>" for e in parser.elements for name, value in e.attrs.items()
             if name in URL_ATTRIBUTES and value]
    found += [f"<link {e.attrs}>" for e in parser.elements if e.tag == "link"]
    found += re.findall(r"url\s*\(|@import|@font-face", document, flags=re.I)
    return found
