"""The document pages (issue 3, versioned documents) through the HTML routes, without JavaScript.

Create, view (never rendering on GET), edit with preview / save / merge / conflict, limits and bad
input, history, old revisions, compare, revert, named versions, attribution, status, live preview.
Each test runs on SQLite and on PostgreSQL (see the `app` fixture).
"""

import html
import re
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from tests.factories import add_member, login, make_document, make_space, make_user
from wiki.documents import service
from wiki.documents.models import Document, NamedVersion, Revision
from wiki.extensions import db

PLAN = (
    "# Plan\n\n"
    "Housing comes first in this plan.\n\n"
    "Transport links the towns together.\n\n"
    "Jobs follow from both of these.\n"
)


@pytest.fixture
def site(app, client):
    """A public space with two editors, a facilitator and a contributor; the first editor is logged in."""
    space = make_space("strategy", title="Strategy")
    people = {
        "editor": make_user("Edna Editor"),
        "editor2": make_user("Bea Second"),
        "editor3": make_user("Cal Third"),
        "facilitator": make_user("Fay Facilitator"),
        "contributor": make_user("Con Contributor"),
    }
    for key, person in people.items():
        add_member(space, person, key.rstrip("23"))
    login(client, people["editor"])
    return SimpleNamespace(space=space, client=client, **people)


def text_of(response) -> str:
    """The page as a reader sees it (entities decoded), for message checks."""
    return html.unescape(response.get_data(as_text=True))


def words(response) -> str:
    """The page's visible words: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def textarea(response, name: str = "text") -> str:
    found = re.search(rf'<textarea[^>]*\bname="{name}"[^>]*>(.*?)</textarea>', response.get_data(as_text=True), re.S)
    assert found, f"no textarea {name!r}"
    return html.unescape(found.group(1)).removeprefix("\r\n").removeprefix("\n")


def input_value(response, name: str) -> str:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', response.get_data(as_text=True))
    assert tag, f"no input {name!r}"
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


def fresh(document) -> Document:
    db.session.expire_all()
    return db.session.get(Document, document.id)


def revision_count(document) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Revision).where(Revision.document_id == document.id))


def head_text(document) -> str:
    document = fresh(document)
    return service.head(db.session, document).text


def document_count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Document))


def url(document, suffix: str = "") -> str:
    return f"/s/{document.space.slug}/{document.slug}{suffix}"


def save(site, document, text: str, base, summary: str = "", **extra):
    data = {"title": extra.pop("title", document.title), "text": text, "base_revision": str(base),
            "summary": summary, "action": extra.pop("action", "save")}
    return site.client.post(url(document, "/edit"), data=data, **extra)


# --- create ----------------------------------------------------------------------------------------


def test_an_editor_creates_a_document_and_lands_on_it(site):
    form = site.client.get("/s/strategy/new")
    assert form.status_code == 200
    assert "New document" in text_of(form)
    assert "Create document" in text_of(form)

    response = site.client.post("/s/strategy/new", data={
        "title": "Café stratégie", "text": "# Vision\n\nA **bold** plan.\n", "summary": "First outline",
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/s/strategy/cafe-strategie")

    page = site.client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Document created." in text_of(page)
    assert "Café stratégie" in text_of(page)
    assert "<strong>bold</strong>" in page.get_data(as_text=True)

    document = db.session.scalar(select(Document).where(Document.slug == "cafe-strategie"))
    assert document.title == "Café stratégie" and document.head_number == 1
    first = service.head(db.session, document)
    assert first.summary == "First outline"
    assert first.text == "# Vision\n\nA **bold** plan.\n"
    assert [a.display_name for a in first.authors] == ["Edna Editor"]


def test_reserved_page_names_and_duplicate_titles_get_a_suffix(site):
    made = {}
    for title in ("Members", "New", "History", "Café stratégie", "Café stratégie", "Café Stratégie!"):
        response = site.client.post("/s/strategy/new", data={"title": title, "text": f"About {title}."})
        assert response.status_code == 302
        made.setdefault(title, []).append(response.headers["Location"].rsplit("/", 1)[1])
    assert made == {
        "Members": ["members-2"], "New": ["new-2"], "History": ["history-2"],
        "Café stratégie": ["cafe-strategie", "cafe-strategie-2"], "Café Stratégie!": ["cafe-strategie-3"],
    }
    assert document_count() == 6
    page = site.client.get("/s/strategy/members-2")
    assert page.status_code == 200
    assert "About Members." in text_of(page)


def test_the_create_form_previews_without_saving(site):
    response = site.client.post("/s/strategy/new", data={
        "title": "Draft", "text": "# Heading\n\nSome *emphasis*.", "action": "preview",
    })
    assert response.status_code == 200
    assert '<em>emphasis</em>' in response.get_data(as_text=True)
    assert textarea(response) == "# Heading\n\nSome *emphasis*."
    assert input_value(response, "title") == "Draft"
    assert document_count() == 0


def test_a_document_needs_a_title(site):
    response = site.client.post("/s/strategy/new", data={"title": "  ", "text": "Orphan text"})
    assert response.status_code == 422
    assert "There is a problem" in text_of(response)
    assert textarea(response) == "Orphan text"
    assert document_count() == 0


def test_titles_summaries_and_version_names_are_escaped_everywhere(site):
    evil = '<script>alert("x")</script>'
    created = site.client.post("/s/strategy/new", data={"title": f"Plan {evil}", "text": "Body.", "summary": evil})
    assert created.status_code == 302
    document = db.session.scalar(select(Document))
    tagged = site.client.post(url(document, "/versions"), data={"name": evil, "revision": "1"}, follow_redirects=True)
    assert tagged.status_code == 200
    assert f"Revision 1 is now named '{evil}'." in text_of(tagged)  # the flash message, shown as text
    for suffix in ("", "/history", "/versions", "/r/1", "/compare", "/attribution", "/edit", "/r/1/revert"):
        response = site.client.get(url(document, suffix))
        assert response.status_code == 200, suffix
        assert "<script>alert" not in response.get_data(as_text=True), suffix
        assert "&lt;script&gt;alert" in response.get_data(as_text=True), suffix


# --- view ------------------------------------------------------------------------------------------


def test_the_page_shows_rendered_html_with_contents_ids_and_status(site):
    document = make_document(site.space, site.editor, "Housing plan",
                             "# Introduction\n\nOpening words.\n\n## Next steps\n\n<script>alert(1)</script>\n")
    response = site.client.get(url(document))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.search(r'<h1 data-block="b-[0-9a-f]+" id="introduction">Introduction</h1>', body)
    assert re.search(r'<h2 data-block="b-[0-9a-f]+" id="next-steps">Next steps</h2>', body)
    assert re.search(r'<p data-block="b-[0-9a-f]+">Opening words.</p>', body)
    toc = re.search(r'<nav class="toc".*?</nav>', body, re.S).group(0)
    assert '<a href="#introduction">Introduction</a>' in toc and '<a href="#next-steps">Next steps</a>' in toc
    assert '<span class="status status-draft">Draft</span>' in body
    assert "<script>alert(1)</script>" not in body
    assert "Revision 1 by Edna Editor" in text_of(response)


def _explode(*_args, **_kwargs):
    raise AssertionError("Markdown was rendered during a GET")


def test_reading_pages_never_render_markdown(site, monkeypatch):
    """The HTML is rendered once per revision when it is saved; every GET serves the stored copy."""
    document = make_document(site.space, site.editor, "Plan", PLAN)
    service.save(db.session, document, site.editor2, PLAN.replace("Jobs", "Good jobs"), 1, "jobs")
    stored = {r.number: r.html for r in db.session.scalars(
        select(Revision).where(Revision.document_id == document.id)).all()}
    assert "Good jobs" in stored[2]
    for target in ("wiki.rendering.render_document", "wiki.documents.service.render_document"):
        monkeypatch.setattr(target, _explode)

    for suffix, expected in [("", stored[2]), ("/r/1", stored[1]), ("/r/2", stored[2])]:
        response = site.client.get(url(document, suffix))
        assert response.status_code == 200, suffix
        assert expected in response.get_data(as_text=True), suffix
    for suffix, shown in [("/history", "History of"), ("/compare", "Compare revision 1 with revision 2"),
                          ("/attribution", "Who wrote what"), ("/versions", "Named versions of"),
                          ("/edit", "You are editing revision 2")]:
        response = site.client.get(url(document, suffix))
        assert response.status_code == 200, suffix
        assert shown in text_of(response), suffix
    # the patch does bite: anything that renders now fails
    assert site.client.post("/s/strategy/preview", data={"text": "# x"}).status_code == 500


def test_an_unknown_document_is_a_404(site):
    for path in ("/s/strategy/no-such-doc", "/s/strategy/no-such-doc/history", "/s/strategy/no-such-doc/edit"):
        response = site.client.get(path)
        assert response.status_code == 404, path
        assert "No such document, or you do not have access to it." in text_of(response)


# --- edit ------------------------------------------------------------------------------------------


def test_the_edit_form_is_prefilled_with_the_head(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    service.save(db.session, document, site.editor2, PLAN + "\nMore <b>tags</b> & ampersands.\n", 1)
    response = site.client.get(url(document, "/edit"))
    assert response.status_code == 200
    assert textarea(response) == PLAN + "\nMore <b>tags</b> & ampersands.\n"
    assert input_value(response, "base_revision") == "2"
    assert input_value(response, "title") == "Plan"
    assert "You are editing revision 2" in text_of(response)


def test_preview_shows_the_rendered_text_keeps_it_and_saves_nothing(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    mine = PLAN + "\n## Added section\n\nWith **strong** words.\n"
    response = save(site, document, mine, 1, action="preview")
    assert response.status_code == 200
    preview = re.search(r'<div class="doc-body" id="preview-body"[^>]*>(.*?)</div>', response.get_data(as_text=True),
                        re.S).group(1)
    assert "<strong>strong</strong>" in preview and 'id="added-section"' in preview
    assert textarea(response) == mine
    assert input_value(response, "base_revision") == "1"
    assert revision_count(document) == 1
    assert head_text(document) == PLAN


def test_saving_creates_the_next_revision(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    mine = PLAN.replace("Housing comes first", "Affordable housing comes first")
    response = save(site, document, mine, 1, "Stress affordability", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == url(document)
    assert "Saved as revision 2." in text_of(response)
    assert "Affordable housing comes first" in text_of(response)
    assert revision_count(document) == 2
    second = service.head(db.session, fresh(document))
    assert (second.number, second.text, second.summary) == (2, mine, "Stress affordability")
    assert [a.display_name for a in second.authors] == ["Edna Editor"]
    assert second.parent_number == 1


def test_saving_the_same_text_creates_no_revision(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    response = save(site, document, PLAN, 1, "nothing really", follow_redirects=True)
    assert response.status_code == 200
    assert "No changes to save" in text_of(response)
    assert "Saved as revision" not in text_of(response)
    assert revision_count(document) == 1


def test_a_stale_save_that_does_not_overlap_is_merged(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    theirs = PLAN.replace("Jobs follow", "Skilled jobs follow")
    service.save(db.session, document, site.editor2, theirs, 1, "jobs")
    mine = PLAN.replace("Housing comes", "Social housing comes")
    response = save(site, document, mine, 1, "housing", follow_redirects=True)
    assert response.status_code == 200
    assert "Saved as revision 3, merged with changes by Bea Second." in text_of(response)
    assert revision_count(document) == 3
    merged = head_text(document)
    assert "Social housing comes" in merged and "Skilled jobs follow" in merged
    assert merged == PLAN.replace("Jobs follow", "Skilled jobs follow").replace("Housing comes", "Social housing comes")


def test_an_overlapping_stale_save_shows_both_versions_and_keeps_the_users_text(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    theirs = PLAN.replace("Housing comes first in this plan.", "Housing is our second priority.")
    service.save(db.session, document, site.editor2, theirs, 1, "reorder")
    mine = PLAN.replace("Housing comes first in this plan.", "Housing comes first, always.")

    response = save(site, document, mine, 1, "my wording")
    assert response.status_code == 409
    page = text_of(response)
    assert "Your changes overlap with someone else’s" in page
    theirs_shown = re.search(r'<pre class="conflict-text theirs">(.*?)</pre>', response.get_data(as_text=True), re.S)
    mine_shown = re.search(r'<pre class="conflict-text mine">(.*?)</pre>', response.get_data(as_text=True), re.S)
    assert "Housing is our second priority." in html.unescape(theirs_shown.group(1))
    assert "Housing comes first, always." in html.unescape(mine_shown.group(1))
    assert textarea(response) == mine
    assert input_value(response, "base_revision") == "2"
    assert input_value(response, "summary") == "my wording"
    assert revision_count(document) == 2
    assert head_text(document) == theirs

    # retrying from the conflict page (now based on the head) saves the user's version
    retry = save(site, document, textarea(response), input_value(response, "base_revision"), follow_redirects=True)
    assert "Saved as revision 3." in text_of(retry)
    assert head_text(document) == mine


def test_a_title_can_be_changed_by_an_edit(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    response = save(site, document, PLAN, 1, title="Plan for 2030", follow_redirects=True)
    assert "Saved as revision 2." in text_of(response)
    assert fresh(document).title == "Plan for 2030"
    assert fresh(document).slug == document.slug  # addresses do not move


# --- limits and bad input --------------------------------------------------------------------------


def test_a_text_over_the_size_limit_is_refused_with_413_and_nothing_saved(site, app):
    app.config["DOCUMENT_MAX_BYTES"] = 100
    document = make_document(site.space, site.editor, "Small", "Short text.\n")
    too_big = "é" * 60  # 60 characters but 120 bytes: the limit counts UTF-8 bytes
    response = save(site, document, too_big, 1)
    assert response.status_code == 413
    assert "The document is too large (120 bytes); the limit is 100 bytes." in text_of(response)
    assert textarea(response) == too_big
    assert revision_count(document) == 1 and head_text(document) == "Short text.\n"

    created = site.client.post("/s/strategy/new", data={"title": "Big", "text": "x" * 101})
    assert created.status_code == 413
    assert "the limit is 100 bytes" in text_of(created)
    assert document_count() == 1

    exactly = save(site, document, "y" * 100, 1)
    assert exactly.status_code == 302
    assert revision_count(document) == 2


def test_a_title_over_200_characters_is_refused_with_422(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    long_title = "T" * 201
    response = save(site, document, PLAN + "more\n", 1, title=long_title)
    assert response.status_code == 422
    assert "cannot be longer than 200 characters" in text_of(response)
    assert revision_count(document) == 1 and fresh(document).title == "Plan"

    created = site.client.post("/s/strategy/new", data={"title": long_title, "text": "x"})
    assert created.status_code == 422
    assert "cannot be longer than 200 characters" in text_of(created)
    assert document_count() == 1

    fits = site.client.post("/s/strategy/new", data={"title": "T" * 200, "text": "x"})
    assert fits.status_code == 302
    assert document_count() == 2


def test_control_characters_are_stripped_and_newlines_normalised(site):
    response = site.client.post("/s/strategy/new", data={
        "title": "Nul\x00 title\x07", "text": "Line one\r\nLine\x00 two\x0c\rLine three\r\n", "summary": "A\x00B",
    })
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/s/strategy/nul-title")
    document = db.session.scalar(select(Document))
    first = service.head(db.session, document)
    assert first.text == "Line one\nLine two\nLine three\n"
    assert first.title == document.title == "Nul title"
    assert first.summary == "AB"

    response = save(site, document, "Tab\tkept\r\n\x1b[31mno escape\r\n", 1)
    assert response.status_code == 302
    assert head_text(document) == "Tab\tkept\n[31mno escape\n"


NOT_A_REVISION = ("does not exist", "No such revision", "requested URL was not found")  # the last: beyond 32 bits


def test_unknown_revision_numbers_are_404(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    for number in ("999", "0", "2147483648", "99999999999999999999999"):
        for suffix in (f"/r/{number}", f"/r/{number}/revert", f"/compare?from={number}", f"/compare?to={number}"):
            response = site.client.get(url(document, suffix))
            assert response.status_code == 404, suffix
            assert "Page not found" in text_of(response), suffix
            assert any(message in text_of(response) for message in NOT_A_REVISION), suffix
        assert site.client.post(url(document, f"/r/{number}/revert")).status_code == 404
    assert "Revision 999 of this document does not exist." in text_of(site.client.get(url(document, "/r/999")))
    assert site.client.get(url(document, "/r/abc")).status_code == 404
    assert revision_count(document) == 1


def test_compare_with_garbage_numbers_is_404_not_500(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    for query in ("from=abc", "to=abc", "from=1.5", "from=&to=zz", "to=-1", "from=1e3", "from=%00"):
        response = site.client.get(url(document, f"/compare?{query}"))
        assert response.status_code == 404, query
        assert "does not exist" in text_of(response), query


def test_a_bad_base_revision_is_refused_without_a_500(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    for base in ("garbage", "", "0", "-1", "7", "1; DROP TABLE revisions", "2147483648", "9" * 30):
        response = save(site, document, PLAN + "changed\n", base)
        assert response.status_code in (404, 422), base
        assert "There is a problem" in text_of(response), base
        assert any(message in text_of(response) for message in NOT_A_REVISION), base
        assert textarea(response) == PLAN + "changed\n", base  # the user's text is not lost
    assert revision_count(document) == 1


# --- history ---------------------------------------------------------------------------------------


def test_history_is_paginated_newest_first(site):
    document = make_document(site.space, site.editor, "Plan", "start\n")
    authors = [site.editor, site.editor2, site.editor3]
    for n in range(2, 31):
        service.save(db.session, document, authors[n % 3], f"start\nline {n}\n", n - 1, f"summary {n}")
    assert revision_count(document) == 30

    def numbers(response):
        return [int(n) for n in re.findall(r'/r/(\d+)">\d+</a>', response.get_data(as_text=True))]

    first = site.client.get(url(document, "/history"))
    assert first.status_code == 200
    assert "30 revisions." in text_of(first)
    assert numbers(first) == list(range(30, 5, -1))
    assert "Page 1 of 2" in text_of(first)
    assert 'rel="next"' in first.get_data(as_text=True)

    second = site.client.get(url(document, "/history?page=2"))
    assert second.status_code == 200
    assert numbers(second) == [5, 4, 3, 2, 1]
    assert "Page 2 of 2" in text_of(second)
    assert "summary 2" in text_of(second) and "summary 30" not in text_of(second)

    for odd in ("zzz", "-4", "0", ""):
        fallback = site.client.get(url(document, f"/history?page={odd}"))
        assert fallback.status_code == 200
        assert numbers(fallback) == list(range(30, 5, -1)), odd


def test_history_shows_author_summary_and_size_change(site):
    document = make_document(site.space, site.editor, "Plan", "0123456789")  # 10 characters
    service.save(db.session, document, site.editor2, "0123456789abcde", 1, "grew by five")
    service.save(db.session, document, site.editor3, "0123456789ab", 2, "shrank by three")
    response = site.client.get(url(document, "/history"))
    assert response.status_code == 200
    rows = re.findall(r"<tr>(.*?)</tr>", response.get_data(as_text=True), re.S)[1:]  # skip the header row
    assert len(rows) == 3
    cells = [[html.unescape(re.sub(r"<[^>]+>", "", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
             for row in rows]
    # columns: from, to, revision, authors, saved, summary, size change, actions
    assert [(c[2].split()[0], c[3], c[5], c[6]) for c in cells] == [
        ("3", "Cal Third", "shrank by three", "−3 characters"),
        ("2", "Bea Second", "grew by five", "+5 characters"),
        ("1", "Edna Editor", "Created the document", "+10 characters"),
    ]
    assert "current" in cells[0][2]


# --- old revisions and compare ---------------------------------------------------------------------


def test_an_old_revision_shows_its_own_text_with_a_notice(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    service.save(db.session, document, site.editor2, PLAN.replace("Transport", "Rail"), 1)
    old = site.client.get(url(document, "/r/1"))
    assert old.status_code == 200
    assert "You are reading revision 1 from" in words(old)
    assert "Transport links the towns" in text_of(old) and "Rail links" not in text_of(old)
    assert "Read the current revision (2)" in text_of(old)

    current = site.client.get(url(document, "/r/2"))
    assert current.status_code == 200
    assert "Rail links the towns" in text_of(current)
    assert "You are reading" not in text_of(current)


def test_a_facilitator_can_open_the_head_revision_by_number(site):
    """/r/<head> shows the status form to facilitators, which needs the list of statuses."""
    document = make_document(site.space, site.editor, "Plan", PLAN)
    login(site.client, site.facilitator)
    response = site.client.get(url(document, "/r/1"))
    assert response.status_code == 200
    assert '<option value="consultation">In consultation</option>' in response.get_data(as_text=True)


def _long(changed: str = "") -> str:
    lines = [f"Line {n} stays the same." for n in range(1, 31)]
    if changed:
        lines[24] = changed
    return "\n".join(lines) + "\n"


def test_compare_defaults_to_the_head_and_its_parent(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    service.save(db.session, document, site.editor2, PLAN.replace("Transport", "Rail"), 1)
    service.save(db.session, document, site.editor3, PLAN.replace("Transport", "Rail").replace("Jobs", "Work"), 2)
    response = site.client.get(url(document, "/compare"))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Compare revision 2 with revision 3" in text_of(response)
    assert '<del class="diff-del">Jobs</del>' in body and '<ins class="diff-ins">Work</ins>' in body
    assert "Transport" not in body.split('class="diff"', 1)[1]  # the older change is not in this diff

    only_to = site.client.get(url(document, "/compare?to=2"))  # "what changed in revision 2"
    assert only_to.status_code == 200
    assert "Compare revision 1 with revision 2" in text_of(only_to)
    assert '<ins class="diff-ins">Rail</ins>' in only_to.get_data(as_text=True)

    explicit = site.client.get(url(document, "/compare?from=1&to=3"))
    assert explicit.status_code == 200
    assert "Compare revision 1 with revision 3" in text_of(explicit)
    diff = explicit.get_data(as_text=True)
    assert '<ins class="diff-ins">Rail</ins>' in diff and '<ins class="diff-ins">Work</ins>' in diff


def test_compare_side_by_side_renders_a_table_and_collapses_unchanged_lines(site):
    document = make_document(site.space, site.editor, "Long", _long())
    service.save(db.session, document, site.editor2, _long("Line 25 has been rewritten."), 1)

    inline = site.client.get(url(document, "/compare"))
    assert inline.status_code == 200
    assert "21 unchanged lines (lines 1–21)" in text_of(inline)
    assert "<table" not in inline.get_data(as_text=True)

    side = site.client.get(url(document, "/compare?from=1&to=2&mode=side"))
    assert side.status_code == 200
    body = side.get_data(as_text=True)
    assert '<table class="side-by-side">' in body
    assert "Unchanged lines hidden" in body
    assert '<td class="ln">25</td><td class="old">Line 25 <del class="diff-del">stays the same</del>.' in body
    assert '<td class="ln">25</td><td class="new">Line 25 <ins class="diff-ins">has been rewritten</ins>.' in body
    assert "Line 10 stays the same." not in re.sub(r"<details.*?</details>", "", body, flags=re.S)


def test_comparing_a_revision_with_itself_says_so(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    response = site.client.get(url(document, "/compare"))  # only one revision: 1 against 1
    assert response.status_code == 200
    assert "The two revisions have the same text." in text_of(response)


# --- revert ----------------------------------------------------------------------------------------


def test_revert_asks_then_restores_the_old_text_as_a_new_revision(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    service.save(db.session, document, site.editor2, PLAN.replace("Transport", "Rail"), 1)

    confirm = site.client.get(url(document, "/r/1/revert"))
    assert confirm.status_code == 200
    assert "Revert “Plan” to revision 1?" in text_of(confirm)
    assert revision_count(document) == 2

    done = site.client.post(url(document, "/r/1/revert"), follow_redirects=True)
    assert done.status_code == 200
    assert "Reverted: revision 3 restores revision 1." in text_of(done)
    head = service.head(db.session, fresh(document))
    assert (head.number, head.text, head.summary, head.reverted_to) == (3, PLAN, "Reverted to revision 1", 1)
    assert [a.display_name for a in head.authors] == ["Edna Editor"]

    again = site.client.post(url(document, "/r/1/revert"), follow_redirects=True)
    assert "Revision 1 is already the current text; nothing changed." in text_of(again)
    assert revision_count(document) == 3


# --- named versions --------------------------------------------------------------------------------


def version_names(document) -> list[tuple[str, int]]:
    db.session.expire_all()
    return [(v.name, v.revision_number) for v in db.session.scalars(
        select(NamedVersion).where(NamedVersion.document_id == document.id).order_by(NamedVersion.id))]


def test_naming_a_revision_lists_it_on_versions_and_in_history(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    service.save(db.session, document, site.editor2, PLAN + "More.\n", 1)

    form = site.client.get(url(document, "/versions?revision=1"))
    assert form.status_code == 200
    assert "No revision has a name yet." in text_of(form)
    assert input_value(form, "revision") == "1"

    response = site.client.post(url(document, "/versions"), data={"name": "Consultation draft 1", "revision": "1"},
                                follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == url(document, "/versions")
    assert "Revision 1 is now named 'Consultation draft 1'." in text_of(response)
    listed = re.search(r"<tbody>(.*?)</tbody>", response.get_data(as_text=True), re.S).group(1)
    assert "Consultation draft 1" in listed and "Revision 1" in listed and "Edna Editor" in listed
    assert version_names(document) == [("Consultation draft 1", 1)]

    history = site.client.get(url(document, "/history"))
    assert '<span class="badge">Consultation draft 1</span>' in history.get_data(as_text=True)


def test_a_duplicate_version_name_is_refused(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    assert site.client.post(url(document, "/versions"), data={"name": "Board", "revision": "1"}).status_code == 302
    response = site.client.post(url(document, "/versions"), data={"name": "  Board ", "revision": "1"})
    assert response.status_code == 422
    assert "There is already a version called 'Board'." in text_of(response)
    assert version_names(document) == [("Board", 1)]


def test_naming_an_unknown_revision_is_a_404(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    for number in ("999", "2147483648"):
        response = site.client.post(url(document, "/versions"), data={"name": "Ghost", "revision": number})
        assert response.status_code == 404, number
        assert any(message in text_of(response) for message in NOT_A_REVISION), number
    assert version_names(document) == []


# --- attribution -----------------------------------------------------------------------------------


def test_attribution_credits_each_paragraph_to_its_revision_and_author(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    second = PLAN.replace("Transport links the towns together.", "Buses and trains link the towns.")
    service.save(db.session, document, site.editor2, second, 1)
    third = second.replace("Jobs follow from both of these.", "Good jobs follow from both.")
    service.save(db.session, document, site.editor3, third, 2)

    response = site.client.get(url(document, "/attribution"))
    assert response.status_code == 200
    credits = {}
    for block in re.findall(r'<li class="attribution-block">(.*?)</li>', response.get_data(as_text=True), re.S):
        source = html.unescape(re.search(r'<pre class="block-source">(.*?)</pre>', block, re.S).group(1))
        credit = " ".join(html.unescape(re.sub(r"<[^>]+>", "", block.split("</pre>", 1)[1])).split())
        credits[source] = re.search(r"revision (\d+) by (.+?),", credit).groups()
    assert credits == {
        "# Plan": ("1", "Edna Editor"),
        "Housing comes first in this plan.": ("1", "Edna Editor"),
        "Buses and trains link the towns.": ("2", "Bea Second"),
        "Good jobs follow from both.": ("3", "Cal Third"),
    }


@pytest.mark.parametrize("word", ["apples", "oranges"])
def test_attribution_is_never_served_from_another_databases_cache(site, word):
    """Both runs have document 1 at revision 2 in a fresh database; each must see its own text."""
    document = make_document(site.space, site.editor, "Fruit", f"About {word}.\n")
    service.save(db.session, document, site.editor2, f"About {word}, really.\n", 1)
    response = site.client.get(url(document, "/attribution"))
    assert response.status_code == 200
    assert f"About {word}, really." in text_of(response)


# --- status ----------------------------------------------------------------------------------------


def test_a_facilitator_sets_the_status(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    login(site.client, site.facilitator)
    response = site.client.post(url(document, "/status"), data={"status": "consultation"}, follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == url(document)
    assert "Status set to In consultation." in text_of(response)
    assert '<span class="status status-consultation">In consultation</span>' in response.get_data(as_text=True)
    assert fresh(document).status == "consultation"


def test_an_invalid_status_is_422(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    login(site.client, site.facilitator)
    for bad in ("bogus", "", "Draft"):
        response = site.client.post(url(document, "/status"), data={"status": bad})
        assert response.status_code == 422, bad
        assert "Choose a status" in text_of(response)
    assert fresh(document).status == "draft"


def test_editors_and_contributors_cannot_set_the_status(site):
    document = make_document(site.space, site.editor, "Plan", PLAN)
    for who in (site.editor, site.contributor):
        login(site.client, who)
        response = site.client.post(url(document, "/status"), data={"status": "published"})
        assert response.status_code == 403
        assert "Only facilitators can do this." in text_of(response)
        assert fresh(document).status == "draft"
        page = site.client.get(url(document))
        assert "class=\"status-form\"" not in page.get_data(as_text=True)  # no status form offered either


# --- live preview endpoint -------------------------------------------------------------------------


def _tags(fragment: str) -> list[tuple[str, list]]:
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(fragment)
    return found


def test_the_live_preview_returns_sanitised_html(site):
    source = "# Title\n\n**bold** <script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
    response = site.client.post("/s/strategy/preview", data={"text": source})
    assert response.status_code == 200
    assert response.is_json
    rendered = response.get_json()["html"]
    assert 'id="title"' in rendered and "<strong>bold</strong>" in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered  # raw HTML is shown as text, never run
    tags = _tags(rendered)
    assert {tag for tag, _ in tags} <= {"h1", "p", "strong", "a"}
    attributes = {name: value for _, attrs in tags for name, value in attrs}
    assert not [name for name in attributes if name.startswith("on")]
    assert attributes.get("href") is None  # the javascript: link lost its href
    assert document_count() == 0


def test_previews_respect_the_size_limit(site, app):
    """A preview renders what a save would store, so the same limit applies (rendering is slow)."""
    app.config["DOCUMENT_MAX_BYTES"] = 100
    live = site.client.post("/s/strategy/preview", data={"text": "ü" * 51})  # 102 bytes
    assert live.status_code == 413
    assert "html" not in live.get_json()
    assert "the limit is 100 bytes" in live.get_json()["error"]
    assert site.client.post("/s/strategy/preview", data={"text": "u" * 100}).status_code == 200

    form = site.client.post("/s/strategy/new", data={"title": "Big", "text": "x" * 101, "action": "preview"})
    assert form.status_code == 413
    assert "the limit is 100 bytes" in text_of(form)
    assert textarea(form) == "x" * 101
    assert document_count() == 0

    document = make_document(site.space, site.editor, "Plan", "Short.\n")
    edit = save(site, document, "y" * 101, 1, action="preview")
    assert edit.status_code == 413
    assert "the limit is 100 bytes" in text_of(edit)
    assert textarea(edit) == "y" * 101
    assert revision_count(document) == 1


def test_the_live_preview_is_for_editors_only(site):
    login(site.client, site.contributor)
    response = site.client.post("/s/strategy/preview", data={"text": "# Title"}, headers={"Accept": "application/json"})
    assert response.status_code == 403
    assert "html" not in (response.get_json() or {})
    assert "Only editors and facilitators can change documents." in response.get_json()["error"]
