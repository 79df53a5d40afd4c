"""How a document was made, as plain data for the edition's appendices (PURE: stdlib only).

The service gathers these from the database; ``edition.build`` only lays them out. Keeping the
shapes here (rather than passing ORM rows) keeps the builder pure and lets the consultation rounds
feature hand over its published reports without the builder knowing its tables.

Privacy rules applied here, once, for every appendix:
- only contributors who agreed to be named appear (the service passes no one else), grouped by the
  organisation they gave, else by a perspective they agreed to be listed under, else as individuals;
- counts from 1 to 4 in a breakdown are shown as "fewer than 5" (as in round reports), so a small
  group cannot be picked out; totals are exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

SMALL_COUNT = 5
FEWER_THAN = f"fewer than {SMALL_COUNT}"
INDIVIDUALS = "Individual contributors"


@dataclass(frozen=True)
class Contributor:
    name: str
    organisation: str = ""
    perspectives: tuple[str, ...] = ()  # labels the person agreed to be listed under, canonical order


@dataclass(frozen=True)
class AcknowledgementGroup:
    label: str
    kind: str  # "organisation" | "perspective" | "individual"
    names: tuple[str, ...]


@dataclass(frozen=True)
class PerspectiveCount:
    label: str  # "Lived experience", … or "Not stated"
    respondents: int
    comments: int


@dataclass(frozen=True)
class Drafting:
    """The drafting of the published revision and the comments made on the document."""

    revisions: int
    authors: int
    started: datetime | None
    last_change: datetime | None
    comments: int
    commenters: int
    by_perspective: tuple[PerspectiveCount, ...] = ()


@dataclass(frozen=True)
class YouSaidRow:
    """One line of a published round report's "You said, we did" table."""

    section: str  # plain text: the section's title
    quote: str  # plain text: the passage commented on
    comment_html: str  # sanitised (wiki.rendering.render_comment); "" when for facilitators only
    who: str  # plain text, as the report describes the commenter: perspective, channel — never a name
    disposition: str  # label: "Accepted", "Partly accepted", …
    response_html: str  # sanitised
    change: str = ""  # plain text, e.g. "Revision 14"


@dataclass(frozen=True)
class RoundSummary:
    """A consultation round with a published report."""

    title: str
    opens_at: datetime | None
    closes_at: datetime | None
    respondents: int
    comments: int
    by_perspective: tuple[PerspectiveCount, ...] = ()
    you_said: tuple[YouSaidRow, ...] = field(default=())


def count_label(value: int) -> str:
    """A count in a breakdown: small non-zero counts are not shown exactly."""
    return FEWER_THAN if 0 < value < SMALL_COUNT else f"{value:,}"


def _clean(value: str) -> str:
    return " ".join((value or "").split())


def group_contributors(contributors: Iterable[Contributor],
                       perspective_order: Sequence[str] = ()) -> tuple[AcknowledgementGroup, ...]:
    """Organisations first (alphabetical, case-insensitive), then perspectives in their usual
    order, then individuals. A person with an organisation is listed under it; otherwise under
    the first perspective they agreed to be listed under. Each person appears once."""
    organisations: dict[str, tuple[str, list[str]]] = {}
    perspectives: dict[str, list[str]] = {}
    individuals: list[str] = []
    for person in contributors:
        name, organisation = _clean(person.name), _clean(person.organisation)
        if not name:
            continue
        if organisation:
            label, names = organisations.setdefault(organisation.casefold(), (organisation, []))
            names.append(name)
        elif person.perspectives:
            perspectives.setdefault(person.perspectives[0], []).append(name)
        else:
            individuals.append(name)
    rank = {label: index for index, label in enumerate(perspective_order)}
    groups = [AcknowledgementGroup(label, "organisation", _sorted(names))
              for _, (label, names) in sorted(organisations.items())]
    groups += [AcknowledgementGroup(label, "perspective", _sorted(names))
               for label, names in sorted(perspectives.items(), key=lambda item: (rank.get(item[0], 99), item[0]))]
    if individuals:
        groups.append(AcknowledgementGroup(INDIVIDUALS, "individual", _sorted(individuals)))
    return tuple(groups)


def _sorted(names: list[str]) -> tuple[str, ...]:
    return tuple(sorted(names, key=lambda name: (name.casefold(), name)))


def perspective_counts(rows: Iterable[tuple[str | None, int | None]], labels: dict[str, str],
                       not_stated: str = "Not stated") -> tuple[PerspectiveCount, ...]:
    """(perspective key or None, author id or None) per comment → counts per perspective, in the
    usual order of perspectives, "Not stated" last. Respondents are distinct author ids."""
    comments: dict[str | None, int] = {}
    people: dict[str | None, set] = {}
    for key, author in rows:
        key = key if key in labels else None
        comments[key] = comments.get(key, 0) + 1
        if author is not None:
            people.setdefault(key, set()).add(author)
    order = [key for key in labels if key in comments] + ([None] if None in comments else [])
    return tuple(PerspectiveCount(labels[key] if key else not_stated, len(people.get(key, ())), comments[key])
                 for key in order)
