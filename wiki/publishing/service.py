"""Publishing use cases: plan an edition (for the preview), publish it, find editions to serve.

An edition is built once, when it is published, and stored with its SHA-256; it is never rebuilt or
changed. Publishing is a facilitator's explicit act on one revision. The file is built outside any
write lock (a large document takes a good part of a second), then the document is locked, the
edition number checked again and the row written, so two facilitators publishing at once get
editions n and n+1 or a clear conflict, never two edition n.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from wiki import signals
from wiki.auth.perspectives import PERSPECTIVES
from wiki.documents import service as documents
from wiki.documents.models import ARCHIVED, PUBLISHED, Document, Revision
from wiki.errors import Closed, Conflict, NotFound, TooLarge
from wiki.publishing import edition as builder
from wiki.publishing import sources
from wiki.publishing.models import Edition
from wiki.publishing.provenance import group_contributors
from wiki.rendering import render_comment
from wiki.spaces.models import Space
from wiki.timeutil import as_utc, utcnow

NOTES_MAX = 2000
TIMEZONE = "Europe/London"  # dates in the file are local dates, in the space's time zone (else this one)
NO_EDITION = "No published edition at this address."
_MAX_NUMBER = 2**31 - 1


@dataclass(frozen=True)
class Plan:
    """What publishing would create: shown on the confirmation page, built for the preview."""

    number: int
    revision: Revision
    previous: Edition | None
    notes: str
    source: builder.EditionSource


def latest_edition(session, document: Document) -> Edition | None:
    return session.scalar(select(Edition).where(Edition.document_id == document.id)
                          .order_by(Edition.number.desc()).limit(1))


def editions_query(document: Document):
    """A document's editions, newest first, without their files (for paginate)."""
    return select(Edition).where(Edition.document_id == document.id).order_by(Edition.number.desc())


def _clean_notes(notes: str | None) -> str:
    notes = (notes or "").replace("\r\n", "\n").strip()
    if len(notes) > NOTES_MAX:
        raise TooLarge(f"The note is too long ({len(notes):,} characters); the limit is {NOTES_MAX:,}.")
    return notes


def plan(session, space: Space, document: Document, revision_number, notes: str | None,
         edition_url: Callable[[int], str]) -> Plan:
    """Check that the revision can be published and gather everything the file will show.

    `edition_url(n)` is the permanent address of edition n (the route knows the host)."""
    if document.status == ARCHIVED:
        raise Closed("This document is archived. Change its status before publishing it.")
    revision = documents.get_revision(session, document, revision_number or document.head_number)
    previous = latest_edition(session, document)
    if previous is not None and revision.number <= previous.revision_number:
        raise Conflict(f"Edition {previous.number} already publishes revision {previous.revision_number}. "
                       "Publish a later revision (after more drafting) to make a new edition.")
    notes = _clean_notes(notes)
    number = previous.number + 1 if previous else 1
    now = utcnow()
    source = builder.EditionSource(
        number=number, title=revision.title, space_title=space.title, published_at=now,
        revision_number=revision.number, revision_sha256=builder.revision_sha256(revision.text),
        revision_html=revision.html, toc=tuple(tuple(entry) for entry in revision.toc or ()),
        url=edition_url(number), notes_html=render_comment(notes) if notes else "",
        acknowledgements=group_contributors(sources.contributors(session, document, revision.number, now),
                                            list(PERSPECTIVES.values())),
        drafting=sources.drafting(session, document, revision.number, now),
        rounds=sources.round_summaries(session, document, now),
        timezone=space.timezone or TIMEZONE,
    )
    if previous is not None:
        source = _with_previous(session, document, previous, revision, source, edition_url)
    return Plan(number, revision, previous, notes, source)


def _with_previous(session, document: Document, previous: Edition, revision: Revision, source, edition_url):
    """The previous edition's facts and what changed since its revision."""
    old = documents.get_revision(session, document, previous.revision_number, load=documents.PAGE)
    changes = builder.compare(old.html, old.toc or (), revision.html, revision.toc or (), old.title, revision.title)
    facts = builder.PreviousEdition(previous.number, as_utc(previous.published_at), previous.revision_number,
                                    edition_url(previous.number))
    return replace(source, previous=facts, changes=changes)


def publish(session, space: Space, document: Document, user, revision_number, notes: str | None,
            edition_url: Callable[[int], str]) -> Edition:
    """Publish a revision as the next edition; the document's status becomes published."""
    planned = plan(session, space, document, revision_number, notes, edition_url)
    document_id, expected = document.id, planned.previous.number if planned.previous else 0
    session.commit()  # nothing is pending: this ends the read transaction before the slow build
    html = builder.build(planned.source)
    document = documents.lock_document(session, document_id)
    current = session.scalar(select(func.max(Edition.number)).where(Edition.document_id == document_id)) or 0
    if current != expected:
        session.rollback()
        raise Conflict(f"Edition {current} was published while you were preparing this one. "
                       "Look at it, then publish again if a new edition is still needed.")
    row = Edition(document_id=document_id, number=planned.number, revision_number=planned.revision.number,
                  revision_sha256=planned.source.revision_sha256, title=planned.source.title, notes=planned.notes,
                  html=html, sha256=builder.file_sha256(html), size=len(html.encode("utf-8")),
                  published_by_id=getattr(user, "id", None), published_at=planned.source.published_at)
    session.add(row)
    document.status = PUBLISHED
    session.commit()
    signals.edition_published.send(current_app._get_current_object(), edition_id=row.id,
                                   document_id=document_id, number=row.number)
    return row


def find_published(session, space_slug: str, slug: str, number: int | None = None):
    """(space, document, edition, latest number) for anyone, signed in or not, even in a private
    space: publishing made the edition public. A document without editions is not found, with the
    same words as a missing one, so nothing else about a private space shows through."""
    found = session.execute(
        select(Space, Document).join(Document, Document.space_id == Space.id)
        .where(Space.slug == space_slug, Document.slug == slug)
    ).first()
    latest = None
    if found is not None:
        latest = session.scalar(select(func.max(Edition.number)).where(Edition.document_id == found[1].id))
    if found is None or latest is None or (number is not None and not 1 <= number <= min(latest, _MAX_NUMBER)):
        raise NotFound(NO_EDITION)
    space, document = found
    edition = session.scalar(select(Edition).options(undefer(Edition.html))
                             .where(Edition.document_id == document.id, Edition.number == (number or latest)))
    if edition is None:
        raise NotFound(NO_EDITION)
    return space, document, edition, latest
