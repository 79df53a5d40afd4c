"""PURE report of a consultation round: from plain rows (one per comment that needed a response,
one per answer) to the counts, the section × perspective table, the answers to each question and
the "You said, we did" table.

No Flask, no database: reporting.py gathers the rows (with every privacy rule already applied:
no names, perspectives only where consented, facilitators-only text withheld) and this module only
counts and arranges, so it is tested alone and publishing can render the same structure.

Small numbers: in the section × perspective table a count under 5 is shown as "fewer than 5" and
its number is not given at all (``Cell.count`` is None), so a published table cannot single out
the few people of one perspective who commented on one section.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

SUPPRESS_BELOW = 5
FEWER_THAN = f"fewer than {SUPPRESS_BELOW}"
NOT_STATED = "Not stated"
NOT_ANSWERED = "Not yet answered"
BEFORE_FIRST_HEADING = "Before the first heading"


@dataclass(frozen=True)
class CommentRow:
    """One comment that needed a response, as the report may show it."""

    comment_id: int
    thread_id: int
    respondent: str  # who, as an opaque key: the same person (or offline respondent) → the same key
    channel: str  # online, workshop, …
    perspective: str | None  # a consented / recorded perspective key
    section: str  # heading id in the consulted draft ('' before the first heading)
    quote: str  # the passage commented on, as rendered text
    body_html: str  # sanitised; '' when the comment is for facilitators only
    disposition: str | None = None
    response_html: str = ""
    themes: tuple[str, ...] = ()
    change_revision: int | None = None
    group: str = ""  # offline: the workshop, event or group
    created_at: datetime | None = None
    body_text: str = ""  # the comment's Markdown source ('' when for facilitators only)
    response_text: str = ""  # the response's Markdown source


@dataclass(frozen=True)
class AnswerRow:
    question_id: int
    respondent: str
    channel: str
    perspective: str | None
    body_html: str


@dataclass(frozen=True)
class QuestionInput:
    id: int
    text: str
    section: str = ""


@dataclass(frozen=True)
class Labels:
    """Display names the counts use (kept out of this module's knowledge of the app)."""

    perspectives: dict[str, str]
    channels: dict[str, str]
    dispositions: dict[str, str]
    sections: list[tuple[str, str]]  # (heading id, title) in document order


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int  # comments (or answers)
    people: int  # distinct respondents among them


@dataclass(frozen=True)
class Cell:
    count: int | None  # None: suppressed (under 5)
    text: str


@dataclass(frozen=True)
class CrossTable:
    columns: tuple[Count, ...]  # perspectives, with their totals
    rows: tuple[tuple[Count, tuple[Cell, ...]], ...]  # (section with its total, one cell per column)


@dataclass(frozen=True)
class QuestionReport:
    id: int
    text: str
    section: str
    section_title: str
    count: int
    people: int
    by_perspective: tuple[Count, ...]
    answers: tuple[str, ...]  # sanitised HTML, no names


@dataclass(frozen=True)
class YouSaid:
    comment_id: int
    thread_id: int
    section: str
    section_title: str
    quote: str
    comment_html: str  # '' when shared with facilitators only
    perspective: str  # label ('' when not stated)
    channel: str  # label
    disposition: str | None
    disposition_label: str
    response_html: str
    themes: tuple[str, ...]
    change_revision: int | None
    comment_text: str = ""  # Markdown source of the comment ('' when shared with facilitators only)
    response_text: str = ""  # Markdown source of the response


@dataclass(frozen=True)
class Tallies:
    respondents: int
    comments: int
    answered: int
    answers: int
    by_perspective: tuple[Count, ...]
    by_channel: tuple[Count, ...]
    by_group: tuple[Count, ...]
    by_section: tuple[Count, ...]
    by_theme: tuple[Count, ...]
    by_disposition: tuple[Count, ...]
    section_perspective: CrossTable
    questions: tuple[QuestionReport, ...]
    you_said_we_did: tuple[YouSaid, ...] = field(default=())

    def as_dict(self) -> dict:
        return plain(self)


def cell(count: int) -> Cell:
    return Cell(None, FEWER_THAN) if count < SUPPRESS_BELOW else Cell(count, str(count))


def _tally(rows: Iterable, key, order: Sequence[tuple[str, str]], *, keep_empty: bool = False) -> tuple[Count, ...]:
    """Counts (and distinct respondents) by ``key(row)``, in ``order`` then any other keys by
    count; ``key`` may return several keys (themes)."""
    counts: Counter = Counter()
    people: dict[str, set] = defaultdict(set)
    for row in rows:
        keys = key(row)
        for k in keys if isinstance(keys, tuple) else (keys,):
            counts[k] += 1
            people[k].add(row.respondent)
    labels = dict(order)
    ordered = [k for k, _ in order if keep_empty or counts[k]]
    rest = sorted((k for k in counts if k not in labels), key=lambda k: (-counts[k], str(k).casefold()))
    return tuple(Count(k, labels.get(k, k), counts[k], len(people[k])) for k in ordered + rest)


def _perspective_order(labels: Labels) -> list[tuple[str, str]]:
    return [*labels.perspectives.items(), ("", NOT_STATED)]


def _section_order(labels: Labels) -> list[tuple[str, str]]:
    return [("", BEFORE_FIRST_HEADING), *labels.sections]


def cross_table(rows: Sequence[CommentRow], labels: Labels) -> CrossTable:
    """Sections (rows) × perspectives (columns) of comments, small counts suppressed; only the
    sections and perspectives that have comments appear."""
    columns = _tally(rows, lambda r: r.perspective or "", _perspective_order(labels))
    sections = _tally(rows, lambda r: r.section, _section_order(labels))
    grid = Counter((r.section, r.perspective or "") for r in rows)
    table_rows = tuple((section, tuple(cell(grid[(section.key, column.key)]) for column in columns))
                       for section in sections)
    return CrossTable(columns, table_rows)


def _questions(questions: Sequence[QuestionInput], answers: Sequence[AnswerRow], labels: Labels,
               section_titles: dict[str, str]) -> tuple[QuestionReport, ...]:
    by_question: dict[int, list[AnswerRow]] = defaultdict(list)
    for row in answers:
        by_question[row.question_id].append(row)
    out = []
    for q in questions:
        rows = by_question.get(q.id, [])
        out.append(QuestionReport(
            id=q.id, text=q.text, section=q.section,
            section_title=section_titles.get(q.section, "") if q.section else "",
            count=len(rows), people=len({r.respondent for r in rows}),
            by_perspective=_tally(rows, lambda r: r.perspective or "", _perspective_order(labels)),
            answers=tuple(r.body_html for r in rows)))
    return tuple(out)


def you_said_we_did(rows: Sequence[CommentRow], labels: Labels) -> tuple[YouSaid, ...]:
    """Every comment with what happened to it, in document order (sections as in the draft)."""
    titles = dict(_section_order(labels))
    position = {key: i for i, (key, _) in enumerate(_section_order(labels))}
    ordered = sorted(rows, key=lambda r: (position.get(r.section, len(position)), r.thread_id, r.comment_id))
    return tuple(YouSaid(
        comment_id=r.comment_id, thread_id=r.thread_id, section=r.section, section_title=titles.get(r.section, ""),
        quote=r.quote, comment_html=r.body_html,
        perspective=labels.perspectives.get(r.perspective, "") if r.perspective else "",
        channel=labels.channels.get(r.channel, r.channel), disposition=r.disposition,
        disposition_label=labels.dispositions.get(r.disposition, NOT_ANSWERED) if r.disposition else NOT_ANSWERED,
        response_html=r.response_html, themes=r.themes, change_revision=r.change_revision,
        comment_text=r.body_text, response_text=r.response_text,
    ) for r in ordered)


def tally(rows: Sequence[CommentRow], answers: Sequence[AnswerRow], questions: Sequence[QuestionInput],
          labels: Labels) -> Tallies:
    """Everything the report counts."""
    respondents = {r.respondent for r in rows} | {a.respondent for a in answers}
    disposition_order = [*labels.dispositions.items(), ("", NOT_ANSWERED)]
    offline = [r for r in rows if r.group]
    return Tallies(
        respondents=len(respondents),
        comments=len(rows),
        answered=sum(1 for r in rows if r.disposition),
        answers=len(answers),
        by_perspective=_tally([*rows], lambda r: r.perspective or "", _perspective_order(labels)),
        by_channel=_tally(rows, lambda r: r.channel, list(labels.channels.items())),
        by_group=_tally(offline, lambda r: r.group, []),
        by_section=_tally(rows, lambda r: r.section, _section_order(labels)),
        by_theme=_tally(rows, lambda r: r.themes, []),
        by_disposition=_tally(rows, lambda r: r.disposition or "", disposition_order),
        section_perspective=cross_table(rows, labels),
        questions=_questions(questions, answers, labels, dict(_section_order(labels))),
        you_said_we_did=you_said_we_did(rows, labels),
    )


# --- the whole report ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Changes:
    """What changed from the consulted draft to the current draft (ops: (op, text), op −1/0/1)."""

    from_revision: int
    to_revision: int
    added: int
    removed: int
    ops: tuple[tuple[int, str], ...] = ()


@dataclass(frozen=True)
class Report:
    """A round's report, the one structure behind the HTML page, the JSON, the CSV and the
    publishing appendices ("how this was made", "You said, we did"). Times are timezone-aware UTC;
    show them in ``timezone``."""

    round_id: int
    round_number: int
    document_id: int
    document_title: str
    title: str
    state: str
    audience: str
    opens_at: datetime
    closes_at: datetime
    responded_at: datetime | None
    published_at: datetime | None
    timezone: str
    consulted_revision: int
    consulted_version: str  # the named version the round froze
    current_revision: int
    tallies: Tallies
    changes: Changes

    def as_json(self, *, with_ops: bool = True) -> dict:
        """JSON-ready: ISO times, tuples as lists; ``with_ops`` False leaves out the diff's text."""
        data = plain(self)
        if not with_ops:
            data["changes"].pop("ops")
        return data


def plain(value):
    """Dataclasses → dicts, tuples → lists, times → ISO strings (like dataclasses.asdict, without its
    deep copies: a report holds thousands of rows)."""
    if hasattr(value, "__dataclass_fields__"):
        return {name: plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, tuple | list):
        return [plain(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    return value
