"""A published edition as one self-contained HTML file (PURE: stdlib + Jinja2, no Flask, no database).

``build(EditionSource)`` → the file's text. Everything the file shows arrives in the source: the
revision's sanitised HTML and table of contents, and the appendices' data (see provenance.py). The
file

- inlines its stylesheet (screen, phone, dark scheme and print) and carries a Content-Security-Policy
  ``<meta>`` that allows that one stylesheet (by its hash) and nothing else: no script, no image, no
  font, no frame, no request of any kind, wherever the file is opened from;
- numbers its sections with permalinks (``#s-3-2``), keeps paragraph anchors from the stable block
  ids (``#b-…``), and lists sections and appendices in a table of contents;
- re-sanitises the revision HTML with the wiki's allowlist before use (the stored HTML may predate
  a stricter allowlist), escapes every other value, and marks as safe only HTML that was sanitised.

A stored edition never changes. What the wiki adds around it when serving (a "superseded by edition
n+1" notice, or "preview") goes into the one slot the file keeps for it (``with_notice``).
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jinja2 import Environment, FileSystemLoader, StrictUndefined, pass_context
from markupsafe import Markup

from wiki.publishing import sections
from wiki.publishing.changes import ChangeSummary, summarise
from wiki.publishing.provenance import AcknowledgementGroup, Drafting, RoundSummary, count_label
from wiki.rendering import sanitize_html

ASSETS = Path(__file__).resolve().parent / "assets"
NOTICE_SLOT = "<!--edition-notice-->"
APPENDICES = (
    ("ed:acknowledgements", "A", "Acknowledgements"),
    ("ed:how-made", "B", "How this was made"),
    ("ed:you-said", "C", "You said, we did"),
    ("ed:changes", "D", "What changed"),
)


@dataclass(frozen=True)
class PreviousEdition:
    number: int
    published_at: datetime
    revision_number: int
    url: str = ""


@dataclass(frozen=True)
class EditionSource:
    """Everything one edition file shows."""

    number: int
    title: str
    space_title: str
    published_at: datetime
    revision_number: int
    revision_sha256: str
    revision_html: str  # the revision's stored HTML (sanitised again here)
    toc: tuple  # ((level, slug, title), …) in document order, as stored with the revision
    url: str = ""  # the permanent address of this edition
    notes_html: str = ""  # the publisher's note, already sanitised (render_comment)
    previous: PreviousEdition | None = None
    changes: ChangeSummary | None = None
    acknowledgements: tuple[AcknowledgementGroup, ...] = ()
    drafting: Drafting | None = None
    rounds: tuple[RoundSummary, ...] = ()
    language: str = "en-GB"
    timezone: str = "Europe/London"


def revision_sha256(text: str) -> str:
    """The hash printed on the title page: of the revision's Markdown, as stored (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(document: str) -> str:
    return hashlib.sha256(document.encode("utf-8")).hexdigest()


def compare(old_html: str, old_toc, new_html: str, new_toc, old_title: str = "", new_title: str = "") -> ChangeSummary:
    """The change summary between two revisions' stored HTML and TOCs (see changes.py). Only
    plain text is taken from the HTML here (nothing of it reaches the file), so it is not
    sanitised again."""
    old_headings, new_headings = sections.number_headings(old_toc), sections.number_headings(new_toc)
    return summarise(sections.split_sections(old_html, old_headings),
                     sections.split_sections(new_html, new_headings), old_title, new_title)


@functools.cache
def stylesheet() -> str:
    return (ASSETS / "edition.css").read_text(encoding="utf-8")


def content_security_policy(css: str | None = None) -> str:
    """Nothing but this file's own stylesheet: no script, image, font, frame, form or connection."""
    digest = base64.b64encode(hashlib.sha256((css or stylesheet()).encode("utf-8")).digest()).decode()
    return f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"


_POLICY = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')


def policy_of(document: str) -> str:
    """The policy a stored file carries (its stylesheet's hash as it was built, which a later
    stylesheet would not match), to send as the HTTP header too when the wiki serves the file."""
    match = _POLICY.search(document, 0, 2000)
    return html.unescape(match.group(1)) if match else content_security_policy()


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@pass_context
def _longdate(context, value: datetime) -> str:
    """ "23 November 2026", in the edition's time zone (a date near midnight is the local one)."""
    return _aware(value).astimezone(context["zone"]).strftime("%-d %B %Y")


@functools.cache
def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(ASSETS), autoescape=True, undefined=StrictUndefined,
                      keep_trailing_newline=True)
    env.filters.update(small_count=count_label, count_exact=lambda value: f"{value:,}", longdate=_longdate,
                       iso=lambda value: _aware(value).isoformat())
    return env


def build(source: EditionSource) -> str:
    """The edition file's text."""
    headings = sections.number_headings(source.toc)
    body = sections.prepare_body(sanitize_html(source.revision_html), headings)
    css = stylesheet()
    return _environment().get_template("edition.html.j2").render(
        e=source, body=Markup(body.html), toc=sections.toc_tree(headings), appendices=APPENDICES,
        acknowledgements=source.acknowledgements, css=Markup(css), csp=content_security_policy(css),
        notice_slot=Markup(NOTICE_SLOT), zone=_zone(source.timezone),
    )


@dataclass(frozen=True)
class IndexEntry:
    """One file written by the build command, for its index page."""

    space_title: str
    document_key: int  # groups a document's editions (titles may repeat)
    document_title: str
    number: int
    published_at: datetime
    href: str  # relative path of the file, made from ids and numbers only
    sha256: str
    latest: bool


def build_index(entries: list[IndexEntry], written: datetime, timezone: str = "Europe/London") -> str:
    """A self-contained page listing the written files (same stylesheet and policy as an edition)."""
    css = stylesheet()
    return _environment().get_template("index.html.j2").render(
        entries=sorted(entries, key=lambda e: (e.space_title.casefold(), e.document_title.casefold(),
                                               e.document_key)),
        written=written, css=Markup(css), csp=content_security_policy(css), zone=_zone(timezone))


def with_notice(document: str, notice_html: str) -> str:
    """The stored file with a notice in its slot (the stored text itself is never changed)."""
    return document.replace(NOTICE_SLOT, notice_html, 1)


def superseded_notice(number: int, next_number: int, next_url: str, latest_number: int, latest_url: str) -> str:
    """ "Superseded by edition n+1" (and which edition is the latest, when that is a later one)."""
    text = Markup('<div class="edition-notice" role="note"><p><strong>This edition has been superseded.</strong> '
                  'Edition {n} was replaced by <a href="{next_url}">edition {next}</a>.').format(
        n=number, next=next_number, next_url=next_url)
    if latest_number != next_number:
        text += Markup(' The latest is <a href="{url}">edition {latest}</a>.').format(url=latest_url,
                                                                                         latest=latest_number)
    return str(text + Markup("</p></div>"))


def preview_notice(number: int, back_url: str) -> str:
    return str(Markup('<div class="edition-notice" role="note"><p><strong>Preview: not published.</strong> '
                      'This is how edition {n} will look. <a href="{url}">Back to publishing</a>.</p></div>')
               .format(n=number, url=back_url))

