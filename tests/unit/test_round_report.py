"""The pure report core (wiki/consultations/report.py) and its SVG charts (charts.py): counts by
perspective, channel, section, theme and disposition, distinct people, the small-number rule of the
section × perspective table, answers per question, "You said, we did" order, and safe charts."""

from datetime import UTC, datetime
from xml.etree import ElementTree

from wiki.consultations import charts
from wiki.consultations.report import (
    FEWER_THAN,
    AnswerRow,
    Changes,
    CommentRow,
    Labels,
    QuestionInput,
    Report,
    cell,
    cross_table,
    tally,
)

LABELS = Labels(
    perspectives={"carer": "Carer", "practitioner": "Practitioner", "lived_experience": "Lived experience"},
    channels={"online": "Online", "workshop": "Workshop", "post": "Post"},
    dispositions={"accepted": "Accepted", "noted": "Noted"},
    sections=[("housing", "Housing"), ("transport", "Transport")],
)


def row(n: int, person: str, *, perspective=None, section="housing", channel="online", disposition=None,
        themes=(), group="", thread=None) -> CommentRow:
    return CommentRow(comment_id=n, thread_id=thread or n, respondent=person, channel=channel,
                      perspective=perspective, section=section, quote=f"passage {n}", body_html=f"<p>c{n}</p>",
                      disposition=disposition, response_html="<p>r</p>" if disposition else "", themes=themes,
                      group=group)


def test_counts_comments_and_distinct_people():
    rows = [row(1, "u1", perspective="carer"), row(2, "u1", perspective="carer"), row(3, "u2"),
            row(4, "o:workshop|g|p7", channel="workshop", group="Carers", perspective="carer"),
            row(5, "o:workshop|g|p7", channel="workshop", group="Carers", section="transport")]
    t = tally(rows, [], [], LABELS)
    assert (t.comments, t.respondents, t.answered) == (5, 3, 0)
    by_perspective = {c.key: (c.count, c.people) for c in t.by_perspective}
    assert by_perspective == {"carer": (3, 2), "": (2, 2)}
    assert [c.label for c in t.by_perspective] == ["Carer", "Not stated"]  # known order, then "not stated"
    assert [(c.key, c.count, c.people) for c in t.by_channel] == [("online", 3, 2), ("workshop", 2, 1)]
    assert [(c.label, c.count) for c in t.by_group] == [("Carers", 2)]
    assert [(c.label, c.count) for c in t.by_section] == [("Housing", 4), ("Transport", 1)]


def test_respondents_include_people_who_only_answered_questions():
    t = tally([row(1, "u1")], [AnswerRow(7, "u2", "online", None, "<p>a</p>"),
                               AnswerRow(7, "u1", "online", None, "<p>b</p>")], [QuestionInput(7, "Why?")], LABELS)
    assert t.respondents == 2 and t.answers == 2
    assert t.questions[0].count == 2 and t.questions[0].people == 2 and t.questions[0].section_title == ""


def test_themes_count_each_tag_and_sort_by_count():
    rows = [row(1, "u1", themes=("cost", "buses")), row(2, "u2", themes=("buses",)), row(3, "u3", themes=("access",))]
    t = tally(rows, [], [], LABELS)
    assert [(c.label, c.count) for c in t.by_theme] == [("buses", 2), ("access", 1), ("cost", 1)]


def test_dispositions_with_not_yet_answered():
    rows = [row(1, "u1", disposition="accepted"), row(2, "u2"), row(3, "u3", disposition="accepted")]
    t = tally(rows, [], [], LABELS)
    assert t.answered == 2
    assert [(c.label, c.count) for c in t.by_disposition] == [("Accepted", 2), ("Not yet answered", 1)]


def test_small_numbers_are_never_given_in_the_cross_table():
    assert cell(0) == cell(4) == cell(1)
    assert cell(4).count is None and cell(4).text == FEWER_THAN == "fewer than 5"
    assert cell(5).count == 5 and cell(5).text == "5"
    rows = [row(i, f"u{i}", perspective="carer") for i in range(6)] + [row(10, "u10", perspective="practitioner")]
    table = cross_table(rows, LABELS)
    assert [c.label for c in table.columns] == ["Carer", "Practitioner"]
    (section, cells), = table.rows
    assert section.label == "Housing" and [c.text for c in cells] == ["6", "fewer than 5"]
    assert [c.count for c in cells] == [6, None]


def test_you_said_we_did_follows_the_draft_order():
    rows = [row(3, "u3", section="transport"), row(1, "u1", section="housing", disposition="noted"),
            row(2, "u2", section="", perspective="carer")]
    said = tally(rows, [], [], LABELS).you_said_we_did
    assert [(s.comment_id, s.section_title) for s in said] == [(2, "Before the first heading"), (1, "Housing"),
                                                               (3, "Transport")]
    assert said[0].perspective == "Carer" and said[0].disposition_label == "Not yet answered"
    assert said[1].disposition_label == "Noted" and said[1].response_html == "<p>r</p>"


def test_an_empty_round():
    t = tally([], [], [QuestionInput(1, "Anything?", "transport")], LABELS)
    assert (t.comments, t.respondents, t.by_perspective, t.section_perspective.rows) == (0, 0, (), ())
    assert t.questions[0].count == 0 and t.questions[0].section_title == "Transport"


def test_the_report_as_json():
    at = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    report = Report(1, 1, 2, "Plan", "Spring", "published", "anyone", at, at, None, at, "Europe/London", 3,
                    "Consultation draft, round 1", 4, tally([row(1, "u1")], [], [], LABELS),
                    Changes(3, 4, 10, 2, ((0, "a"), (1, "b"))))
    data = report.as_json()
    assert data["opens_at"] == "2026-05-01T08:00:00+00:00" and data["responded_at"] is None
    assert [list(op) for op in data["changes"]["ops"]] == [[0, "a"], [1, "b"]]
    assert "ops" not in report.as_json(with_ops=False)["changes"]
    assert data["tallies"]["by_channel"][0] == {"key": "online", "label": "Online", "count": 1, "people": 1}


def test_charts_are_labelled_scaled_and_escaped():
    svg = charts.bar_chart([("Carer", 10), ('<script>x</script>"', 5), ("None", 0)], title="By <perspective>",
                           chart_id="c1", table_id="t1")
    tree = ElementTree.fromstring(svg)  # well-formed XML
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert tree.get("role") == "img" and tree.get("aria-labelledby") == "c1-title"
    assert tree.get("aria-describedby") == "t1"
    assert tree.find("s:title", ns).text == "By <perspective>"
    widths = [int(r.get("width")) for r in tree.iter("{http://www.w3.org/2000/svg}rect")]
    assert widths == [300, 150, 1]  # scaled to the largest; an empty bar still shows
    values = [t.text for t in tree.iter("{http://www.w3.org/2000/svg}text") if t.get("class") == "chart-value"]
    assert values == ["10", "5", "0"]  # every number is written, not told by length or colour alone
    assert "<script>" not in svg and "style=" not in svg
    assert charts.bar_chart([], title="x", chart_id="e") == ""


def test_long_labels_are_shortened():
    svg = charts.bar_chart([("A very long section title that goes on and on", 1)], title="t", chart_id="c")
    assert "A very long section title that…" in svg
