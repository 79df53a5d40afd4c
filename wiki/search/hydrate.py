"""One page of hits made into results, each checked again against the live database.

The index may be a moment behind (a comment hidden a second ago); every hit is re-checked with the
same rules the pages use — space readable (``permissions.can_read``), comment text shown
(``rules.can_see`` and ``rules.body_shown``), responses visible (``reporting.may_see_report``) — and
dropped if they now say no; its group is then queued for a refresh. Titles, authors, statuses and
dates are read fresh from the database; only the snippet comes from the index.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from wiki.comments import rules
from wiki.comments.models import Comment
from wiki.comments.presenters import facts, settings_of, viewer_for
from wiki.consultations import gate
from wiki.consultations.models import Round
from wiki.consultations.reporting import may_see_report
from wiki.documents.models import Document
from wiki.publishing.models import Edition
from wiki.search import highlight
from wiki.search.backend import Hit
from wiki.search.entries import COMMENT, EDITION, RESPONSE, ROUND, SECTION, text_visible
from wiki.search.rounds import dispositions
from wiki.spaces.models import Space


@dataclass(frozen=True)
class Result:
    type: str
    id: int
    title: str
    title_html: str  # escaped, matches marked
    snippet_html: str  # escaped, matches marked
    space_slug: str
    space_title: str
    document_slug: str
    document_title: str
    anchor: str  # URL fragment of the section, comment or response
    status: str
    date: datetime | None
    author: str = ""  # comments: the name this searcher is shown (never an anonymous author's)
    highlight: tuple[str, ...] = ()  # the words marked, for the page the result leads to
    round_id: int | None = None  # found on a consultation round's page
    edition: int | None = None  # a published edition's number (its public page)


@dataclass(frozen=True)
class _Shown:
    """What a hit shows, once the live rules have agreed."""

    title: str
    status: str
    date: datetime | None
    author: str = ""
    round_id: int | None = None


class Hydrator:
    def __init__(self, session, user, readable: dict, actors: dict, matcher: highlight.Matcher):
        self.session, self.user, self.readable, self.actors, self.matcher = session, user, readable, actors, matcher
        self.stale: list[str] = []

    def results(self, hits: list[Hit]) -> list[Result]:
        self._load(hits)
        found = []
        for hit in hits:
            if hit.kind == EDITION:
                found += self._edition(hit)
                continue
            space, document = self.readable.get(hit.space_id), self.documents.get(hit.document_id)
            if space is None or document is None or document.space_id != space.id:
                self.stale.append(f"removed-document:{hit.document_id}" if document is None
                                  else f"document:{document.id}")
                continue
            shown = self._shown(hit, space, document)
            if shown is not None:
                found.append(self._result(hit, space, document, shown))
        return found

    def _load(self, hits: list[Hit]) -> None:
        """A query per kind of thing on the page (none for kinds it does not hold)."""
        session = self.session
        wanted = {h.document_id for h in hits if h.document_id}
        columns = (Document.id, Document.space_id, Document.slug, Document.title, Document.status, Document.updated_at)
        self.documents = {d.id: d for d in session.execute(select(*columns).where(Document.id.in_(wanted)))} \
            if wanted else {}
        commented = [h.object_id for h in hits if h.kind in (COMMENT, RESPONSE)]
        self.comments = {c.id: c for c in session.scalars(
            select(Comment).where(Comment.id.in_(commented))
            .options(joinedload(Comment.author), joinedload(Comment.thread)))} if commented else {}
        self.responses = dispositions(session, [h.object_id for h in hits if h.kind == RESPONSE])
        editions = [h.object_id for h in hits if h.kind == EDITION]
        self.editions = {e.id: (e, d, sp) for e, d, sp in session.execute(
            select(Edition, Document, Space).join(Document, Document.id == Edition.document_id)
            .join(Space, Space.id == Document.space_id).where(Edition.id.in_(editions)))} if editions else {}
        rounds = [h.object_id for h in hits if h.kind == ROUND]
        self.rounds = {r.id: r for r in session.scalars(select(Round).where(Round.id.in_(rounds)))} if rounds else {}

    def _shown(self, hit: Hit, space, document) -> _Shown | None:
        if hit.kind in (COMMENT, RESPONSE):
            return self._comment(hit, space, document)
        if hit.kind == ROUND:
            round_ = self.rounds.get(hit.object_id)
            if round_ is None:
                self.stale.append(f"round:{hit.object_id}")
                return None
            return _Shown(round_.title, gate.state_of(round_), round_.opens_at, round_id=round_.id)
        title = hit.title if hit.kind == SECTION else document.title
        return _Shown(title, document.status, document.updated_at)

    def _comment(self, hit: Hit, space, document) -> _Shown | None:
        comment, actor = self.comments.get(hit.object_id), self.actors[space.id]
        viewer = viewer_for(actor, self.user, space)
        pair = self.responses.get(hit.object_id) if hit.kind == RESPONSE else None
        visible = comment is not None and text_visible(facts(comment), viewer)
        if visible and hit.kind == RESPONSE:
            visible = pair is not None and may_see_report(pair[1], actor)
        if not visible:
            self.stale.append(f"thread:{comment.thread_id}" if comment is not None else f"document:{document.id}")
            return None
        if hit.kind == RESPONSE:
            disposition, round_ = pair
            return _Shown(f"Response to a comment on “{document.title}”", disposition.disposition,
                          disposition.set_at, round_id=round_.id)
        author = rules.author_label(facts(comment), viewer, settings_of(space))
        return _Shown(f"Comment on “{document.title}”", comment.thread.status, comment.created_at, author,
                      comment.thread.round_id)

    def _edition(self, hit: Hit) -> list[Result]:
        """A published edition is public (its page is readable by anyone, even from a private space);
        the space is named only to those who may read it."""
        found = self.editions.get(hit.object_id)
        if found is None:
            self.stale.append(f"edition:{hit.object_id}")
            return []
        edition, document, space = found
        title, snippet = highlight.mark(edition.title, self.matcher), highlight.snippet(hit.body, self.matcher)
        known = space.id in self.readable
        return [Result(type=EDITION, id=edition.id, title=edition.title, title_html=title.html,
                       snippet_html=snippet.html, space_slug=space.slug, space_title=space.title if known else "",
                       document_slug=document.slug, document_title=document.title, anchor="", status="published",
                       date=edition.published_at, edition=edition.number)]

    def _result(self, hit: Hit, space, document, shown: _Shown) -> Result:
        title, snippet = highlight.mark(shown.title, self.matcher), highlight.snippet(hit.body, self.matcher)
        words = {w.casefold(): w for w in title.words + snippet.words}
        return Result(type=hit.kind, id=hit.object_id, title=shown.title, title_html=title.html,
                      snippet_html=snippet.html, space_slug=space.slug, space_title=space.title,
                      document_slug=document.slug, document_title=document.title, anchor=hit.anchor,
                      status=shown.status, date=shown.date, author=shown.author, highlight=tuple(words.values()),
                      round_id=shown.round_id)
