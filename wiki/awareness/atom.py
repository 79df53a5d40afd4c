"""PURE: an Atom 1.0 feed (RFC 4287) from plain entries.

Built with ElementTree, so every title and summary is escaped by the serializer (no HTML is ever
embedded: entries carry plain text). Required elements are always present: feed id/title/updated,
entry id/title/updated, and an author at feed level (entries inherit it unless they name one).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree as ET

NS = "http://www.w3.org/2005/Atom"


@dataclass(frozen=True)
class Entry:
    id: str  # a stable URI (tag: URI)
    title: str
    updated: datetime
    link: str
    summary: str = ""
    author: str = ""
    category: str = ""


def tag_uri(authority: str, date: str, specific: str) -> str:
    """RFC 4151 tag URI: stable across renames and hosts' URL changes."""
    return f"tag:{authority},{date}:{specific}"


def _text(parent, name: str, value: str, **attrs) -> ET.Element:
    element = ET.SubElement(parent, f"{{{NS}}}{name}", attrs)
    element.text = value
    return element


def _date(value: datetime) -> str:
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def build(*, feed_id: str, title: str, self_url: str, page_url: str, updated: datetime, entries: list[Entry],
          author: str = "Strategy wiki") -> bytes:
    """The feed document, UTF-8, with an XML declaration."""
    ET.register_namespace("", NS)
    feed = ET.Element(f"{{{NS}}}feed")
    _text(feed, "id", feed_id)
    _text(feed, "title", title)
    _text(feed, "updated", _date(max([updated, *(e.updated for e in entries)])))
    author_el = ET.SubElement(feed, f"{{{NS}}}author")
    _text(author_el, "name", author)
    ET.SubElement(feed, f"{{{NS}}}link", {"rel": "self", "href": self_url, "type": "application/atom+xml"})
    ET.SubElement(feed, f"{{{NS}}}link", {"rel": "alternate", "href": page_url, "type": "text/html"})
    for entry in entries:
        item = ET.SubElement(feed, f"{{{NS}}}entry")
        _text(item, "id", entry.id)
        _text(item, "title", entry.title)
        _text(item, "updated", _date(entry.updated))
        ET.SubElement(item, f"{{{NS}}}link", {"rel": "alternate", "href": entry.link, "type": "text/html"})
        if entry.author:
            _text(ET.SubElement(item, f"{{{NS}}}author"), "name", entry.author)
        if entry.category:
            ET.SubElement(item, f"{{{NS}}}category", {"term": entry.category})
        if entry.summary:
            _text(item, "summary", entry.summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
