"""PURE: what goes into the search index, and who may find it.

An ``Entry`` is one searchable thing (a document, one section of it, a comment…). Entries come in
*groups* that are always rebuilt together from the database — a document with its sections, a
comment thread with its comments — so a section that disappears from a document, or a comment that
is withdrawn, leaves the index with its group's next refresh. Each group carries a *stamp* made from
the facts it was built from; ``search check`` compares stamps with the database to find stale ones.

Who may find an entry is written into it as access tokens, computed with the comment rules
themselves (wiki.comments.rules): for each kind of viewer the app can produce (anonymous, signed-in,
contributor, editor, facilitator — see ``viewer_token``), the entry holds that viewer's token if the
rules let such a viewer see its text, plus ``u<id>`` for its author. The searcher holds, per space it
may read, ``all``, its own viewer token and its ``u<id>``. Whether the space itself is readable is
never stored: it is asked of the permissions at query time, so a space turning private hides its
entries at once.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser

from wiki.comments import rules
from wiki.plaintext import plain_text
from wiki.timeutil import as_utc

ALL = "all"  # every reader of the space
PUBLIC = "public"  # everyone, whatever spaces they may read (published editions)
DOCUMENT, SECTION, COMMENT, RESPONSE, EDITION, ROUND = "document", "section", "comment", "response", "edition", "round"
KINDS = {
    DOCUMENT: "Documents",
    SECTION: "Sections",
    COMMENT: "Comments",
    RESPONSE: "Responses",
    EDITION: "Published editions",
    ROUND: "Consultation rounds",
}
KIND_NAMES = {DOCUMENT: "Document", SECTION: "Section", COMMENT: "Comment", RESPONSE: "Response",
              EDITION: "Published edition", ROUND: "Consultation round"}


@dataclass(frozen=True)
class Entry:
    key: str  # unique: "document:12", "section:12:peer-support", "comment:55"
    kind: str
    object_id: int
    group: str  # rebuilt together: "document:12" (with its sections), "thread:7" (its comments)
    space_id: int
    title: str
    body: str
    document_id: int | None = None
    headings: str = ""  # secondary titles (a document's headings), ranked between title and body
    status: str = ""
    date: datetime | None = None
    access: frozenset[str] = field(default_factory=lambda: frozenset({ALL}))
    anchor: str = ""  # the URL fragment that lands on it
    author_id: int | None = None  # found again when the account is erased
    stamp: str = ""  # the group's stamp


GROUP = "group"  # the marker entry every group has, even one with nothing to find (all withdrawn)


def group_of(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def marker(group: str, mark: str, space_id: int, document_id: int | None) -> Entry:
    """Records that ``group`` is indexed and from which facts (``search check`` reads these);
    no access token, no text: nobody ever finds it."""
    return Entry(key=f"{GROUP}:{group}", kind=GROUP, object_id=0, group=group, space_id=space_id, title="",
                 body="", document_id=document_id, access=frozenset(), stamp=mark)


def stamp(*facts) -> str:
    """A short fingerprint of the facts a group was built from."""
    return hashlib.sha1("\x1f".join(map(str, facts)).encode()).hexdigest()[:16]


# --- who may find it ---------------------------------------------------------------------------


def viewer_token(viewer: rules.Viewer) -> str:
    """The kind of viewer, as far as the comment rules can tell viewers apart (never who)."""
    flags = (viewer.facilitator, viewer.editor, viewer.can_comment, viewer.user_id is not None)
    return "v" + "".join("1" if flag else "0" for flag in flags)


def author_token(user_id: int) -> str:
    return f"u{user_id}"


def text_visible(facts: rules.CommentFacts, viewer: rules.Viewer) -> bool:
    """May this viewer find the comment by its words: it exists for them and its text is shown."""
    return rules.can_see(facts, viewer) and rules.body_shown(facts, viewer)


def comment_access(facts: rules.CommentFacts, viewers: Iterable[rules.Viewer]) -> frozenset[str]:
    """The tokens of the viewers who may find this comment's text (empty: nobody, e.g. withdrawn)."""
    tokens = {viewer_token(v) for v in viewers if text_visible(facts, v)}
    if facts.author_id is not None and text_visible(facts, rules.Viewer(user_id=facts.author_id)):
        tokens.add(author_token(facts.author_id))
    return frozenset(tokens)


def is_public(access: frozenset[str]) -> bool:
    return PUBLIC in access


def searcher_tokens(viewer: rules.Viewer) -> frozenset[str]:
    """What a searcher holds in one space it may read."""
    tokens = {ALL, viewer_token(viewer)}
    if viewer.user_id is not None:
        tokens.add(author_token(viewer.user_id))
    return frozenset(tokens)


# --- documents and their sections ------------------------------------------------------------------


@dataclass(frozen=True)
class Section:
    anchor: str  # the heading's id
    title: str
    text: str  # the section's own text, up to the next heading of any level


_HEADING_RE = re.compile(r"<h[1-6]\b[^>]*\bid=\"([^\"]+)\"[^>]*>")


class _HeadingText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _heading_title(tag_and_rest: str) -> str:
    parser = _HeadingText()
    parser.feed(tag_and_rest[: tag_and_rest.find("</h")])
    return " ".join("".join(parser.parts).split())


def sections(html: str) -> tuple[str, list[Section]]:
    """(text before the first heading, the sections) of a revision's rendered HTML: one pass,
    cut at each heading the renderer gave an id."""
    cuts = [(m.start(), m.group(1)) for m in _HEADING_RE.finditer(html)]
    lead = plain_text(html[: cuts[0][0]] if cuts else html)
    found = []
    for i, (start, anchor) in enumerate(cuts):
        end = cuts[i + 1][0] if i + 1 < len(cuts) else len(html)
        chunk = html[start:end]
        close = chunk.find("</h")
        title = _heading_title(chunk)
        found.append(Section(anchor, title, plain_text(chunk[chunk.find(">", close) + 1:] if close >= 0 else "")))
    return lead, found


def document_entries(*, document_id: int, space_id: int, title: str, html: str, status: str,
                     date: datetime | None, head: int) -> list[Entry]:
    """The document itself (title, headings, all its text) and one entry per section."""
    group = group_of(DOCUMENT, document_id)
    lead, parts = sections(html)
    mark = stamp(head, status, title)
    common = dict(object_id=document_id, group=group, space_id=space_id, document_id=document_id,
                  status=status, date=date, stamp=mark)
    body = "\n".join([lead, *(f"{s.title}\n{s.text}" for s in parts)]).strip()
    entries = [marker(group, mark, space_id, document_id),
               Entry(key=group, kind=DOCUMENT, title=title, body=body,
                     headings="\n".join(s.title for s in parts), **common)]
    for s in parts:
        entries.append(Entry(key=f"{SECTION}:{document_id}:{s.anchor}", kind=SECTION, title=s.title or title,
                             body=s.text, anchor=s.anchor, **common))
    return entries


# --- comments --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CommentRow:
    """One comment as the index needs it (built by the service from the ORM object)."""

    id: int
    facts: rules.CommentFacts
    html: str  # its sanitised HTML (the text shown)
    edited_at: datetime | None = None
    author_erased: bool = False  # the account was erased: the entry keeps no link to it


def thread_stamp(status: str, comments: Iterable[tuple], responses: Iterable[tuple] = ()) -> str:
    """Stamp of a thread from (id, state, visibility, author_id, edited_at, author erased) of each
    comment and (comment id, disposition, set_at, round published) of each response: the facts that
    decide who finds which text."""
    return stamp(status, *sorted((c[0], c[1], c[2], c[3], _iso(c[4]), bool(c[5])) for c in comments),
                 *sorted((r[0], r[1], _iso(r[2]), r[3]) for r in responses))


def _iso(value: datetime | None) -> str:
    return as_utc(value).astimezone(UTC).isoformat(timespec="seconds") if value else ""


def comment_entries(*, thread_id: int, document_id: int, space_id: int, status: str, comments: list[CommentRow],
                    viewers: Iterable[rules.Viewer], responses: Iterable[tuple] = ()) -> list[Entry]:
    """One entry per comment someone may find by its words; withdrawn ones (nobody) are left out.
    ``responses``: the stamp facts of the thread's responses (their entries are made by the caller)."""
    viewers = tuple(viewers)
    group = group_of("thread", thread_id)
    mark = thread_stamp(status, [(c.id, c.facts.state, c.facts.visibility, c.facts.author_id, c.edited_at,
                                  c.author_erased) for c in comments], responses)
    entries = [marker(group, mark, space_id, document_id)]
    for c in comments:
        facts = dataclasses.replace(c.facts, author_id=None) if c.author_erased else c.facts
        access = comment_access(facts, viewers)
        if not access:
            continue
        entries.append(Entry(key=f"{COMMENT}:{c.id}", kind=COMMENT, object_id=c.id, group=group, space_id=space_id,
                             title="", body=plain_text(c.html), document_id=document_id, status=status,
                             date=c.facts.created_at, access=access, anchor=f"comment-{c.id}",
                             author_id=facts.author_id, stamp=mark))
    return entries


def response_entry(*, comment_id: int, thread_id: int, document_id: int, space_id: int, html: str, label: str,
                   themes: Iterable[str], disposition: str, date: datetime | None, access: frozenset[str],
                   mark: str) -> Entry:
    """A facilitator's public response to one comment; found by its words, its disposition
    ("accepted"…) and its themes. It lives in its thread's group."""
    return Entry(key=f"{RESPONSE}:{comment_id}", kind=RESPONSE, object_id=comment_id,
                 group=group_of("thread", thread_id), space_id=space_id, title="", body=plain_text(html),
                 document_id=document_id, headings="\n".join([label, *themes]), status=disposition, date=date,
                 access=access, anchor=f"response-{comment_id}", stamp=mark)


def round_entries(*, round_id: int, document_id: int, space_id: int, title: str, html: str, questions: list[str],
                  state: str, date: datetime | None) -> list[Entry]:
    """A consultation round: its title, guiding questions and introduction, for every reader."""
    group = group_of(ROUND, round_id)
    mark = stamp(title, state, html, *questions)
    return [marker(group, mark, space_id, document_id),
            Entry(key=group, kind=ROUND, object_id=round_id, group=group, space_id=space_id, title=title,
                  body="\n".join([plain_text(html), *questions]).strip(), document_id=document_id,
                  headings="\n".join(questions), status=state,
                  date=date, stamp=mark)]
