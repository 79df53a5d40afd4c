"""The edition file (wiki.publishing.edition, sections, changes, provenance): pure, no app.

What a reader of the file would notice: numbered sections whose permalinks and contents entries
all lead somewhere, appendices that say what the data says, and a file that asks for nothing from
any server and runs nothing.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime

import pytest

from tests.edition_html import by_id, external_asset_urls, fragment_links, ids, numbered_headings, parse, toc_entries
from wiki.publishing import edition, sections
from wiki.publishing.changes import summarise
from wiki.publishing.provenance import (
    Contributor,
    Drafting,
    PerspectiveCount,
    RoundSummary,
    YouSaidRow,
    count_label,
    group_contributors,
    perspective_counts,
)
from wiki.rendering import render_comment, render_document

DRAFT = """# Northfield mental health concordat

An opening paragraph with a footnote.[^why]

## 1. Why we need a concordat

One in four people will experience a mental health problem. See [the priorities](#3-our-shared-priorities).

## What people told us

- People want to be **listened to once**.
- Carers want to be partners.

## 3. Our shared priorities

### 3.1 Prevention

| Priority | Lead | Target |
|:--|:-:|--:|
| Early help | Public health | 80% |

### Support while waiting

A named contact within two weeks. ![A chart](https://images.example.org/chart.png) and [a dead link](#nowhere).

#### A deeper point

Text.

## 9. Numbered differently

Kept as the author wrote it.

[^why]: Because the strategy group said so.
"""
WHEN = datetime(2026, 11, 23, 23, 30, tzinfo=UTC)  # London is on GMT in November: still the 23rd


def toc_of(rendered):
    return tuple((entry.level, entry.id, entry.title) for entry in rendered.toc)


def source(text: str = DRAFT, **overrides) -> edition.EditionSource:
    rendered = render_document(text)
    values = dict(number=1, title="Northfield concordat", space_title="Northfield", published_at=WHEN,
                  revision_number=7, revision_sha256=edition.revision_sha256(text), revision_html=rendered.html,
                  toc=toc_of(rendered), url="https://wiki.example.org/p/northfield/concordat/1/")
    values.update(overrides)
    return edition.EditionSource(**values)


@pytest.fixture(scope="module")
def built():
    document = edition.build(source())
    return document, parse(document)


# --- numbering -----------------------------------------------------------------------------------


def test_a_document_opening_with_its_only_top_heading_numbers_the_next_level():
    headings = sections.number_headings([(1, "t", "Title"), (2, "a", "Alpha"), (3, "b", "Beta"), (2, "c", "Gamma")])
    assert [(h.number, h.anchor) for h in headings] == [("", "t"), ("1", "s-1"), ("1.1", "s-1-1"), ("2", "s-2")]


def test_several_top_headings_are_all_numbered_and_level_jumps_nest_one_step():
    headings = sections.number_headings([(2, "a", "A"), (4, "b", "B"), (3, "c", "C"), (2, "d", "D"), (1, "e", "E")])
    assert [h.number for h in headings] == ["1", "1.1", "1.2", "2", "3"]


def test_an_authors_own_number_is_dropped_only_when_it_is_ours():
    headings = sections.number_headings([(1, "t", "T"), (2, "a", "1. Why"), (2, "b", "7 Other"), (2, "c", "3")])
    assert [h.title for h in headings] == ["T", "Why", "7 Other", "3"]


# --- the file's structure ------------------------------------------------------------------------


def test_contents_lists_exactly_the_numbered_headings_in_order(built):
    _, parser = built
    headings, entries = numbered_headings(parser), toc_entries(parser)
    assert [anchor for anchor, _ in entries] == [anchor for anchor, _ in headings]
    assert [text for _, text in entries] == [text for _, text in headings]
    assert [text for _, text in headings] == [
        "1 Why we need a concordat", "2 What people told us", "3 Our shared priorities", "3.1 Prevention",
        "3.2 Support while waiting", "3.2.1 A deeper point", "4 9. Numbered differently"]


def test_every_fragment_link_resolves_and_ids_are_unique(built):
    _, parser = built
    all_ids = ids(parser)
    assert len(all_ids) == len(set(all_ids))
    missing = sorted(set(fragment_links(parser)) - set(all_ids))
    assert not missing
    assert "nowhere" not in fragment_links(parser)  # the author's dead link is no longer a link
    assert "a dead link" in parser.elements[0].content


def test_sections_have_permalinks_and_keep_their_wiki_anchor(built):
    _, parser = built
    heading = by_id(parser, "s-3-1")
    assert heading.tag == "h3"
    number_link = next(e for e in parser.elements if e.tag == "a" and e.attrs.get("class") == "secnum"
                       and e.attrs["href"] == "#s-3-1")
    assert number_link.content == "3.1"
    assert by_id(parser, "3-our-shared-priorities")  # the author's internal link still lands
    assert "#3-our-shared-priorities" in {f"#{link}" for link in fragment_links(parser)}


def test_every_paragraph_and_list_item_has_its_stable_block_anchor(built):
    document, parser = built
    rendered = render_document(DRAFT)
    text_blocks = [e for e in parser.elements if e.tag in ("p", "li") and "article" in e.parents]
    assert text_blocks and all(re.fullmatch(r"b-[0-9a-f]{8}(-\d+)?|fn:\w+", e.attrs.get("id", "")) for e in text_blocks)
    block_ids = {e.attrs["id"] for e in text_blocks if e.attrs["id"].startswith("b-")}
    assert block_ids <= set(rendered.block_ids)
    assert "data-block" not in document


def test_footnotes_and_tables_survive(built):
    _, parser = built
    assert by_id(parser, "fn:why").content.startswith("Because the strategy group said so.")
    assert "fnref:why" in ids(parser) and "fn:why" in fragment_links(parser)
    cells = [e for e in parser.elements if e.tag == "td"]
    assert [c.content for c in cells[:3]] == ["Early help", "Public health", "80%"]
    assert cells[2].attrs["class"] == "align-right"
    group = next(e for e in parser.elements if e.attrs.get("class") == "table-scroll" and "article" in e.parents)
    assert group.attrs["role"] == "group" and group.attrs["tabindex"] == "0"


def test_the_file_fetches_nothing_and_runs_nothing(built):
    document, parser = built
    assert external_asset_urls(document, parser) == []
    assert "<script" not in document.lower()
    assert not any(name.startswith("on") for e in parser.elements for name in e.attrs)
    image_link = next(e for e in parser.elements if e.attrs.get("class") == "image-link")
    assert image_link.tag == "a" and image_link.attrs["href"] == "https://images.example.org/chart.png"
    assert image_link.content == "[Image: A chart]"


def test_the_policy_allows_only_the_files_own_stylesheet(built):
    document, parser = built
    head = [e for e in parser.elements if "head" in e.parents]
    policy = next(e.attrs["content"] for e in head if e.attrs.get("http-equiv") == "Content-Security-Policy")
    assert head.index(next(e for e in head if e.attrs.get("http-equiv"))) < head.index(
        next(e for e in head if e.tag == "style"))  # the policy comes before what it governs
    css = re.search(r"<style>(.*?)</style>", document, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(css.encode()).digest()).decode()
    assert policy == f"default-src 'none'; style-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    assert edition.policy_of(document) == policy
    assert len([e for e in parser.elements if e.tag == "style"]) == 1


def test_language_landmarks_and_title_page(built):
    _, parser = built
    html_element = parser.elements[0]
    assert html_element.tag == "html" and html_element.attrs["lang"] == "en-GB"
    tags = [e.tag for e in parser.elements if not {"header", "nav", "main", "footer"} & set(e.parents)]
    assert {"header", "nav", "main", "footer"} <= set(tags)
    title_page = by_id(parser, "ed:title").content
    assert "Edition 1, published 23 November 2026" in title_page
    assert edition.revision_sha256(DRAFT) in title_page and "revision 7" in title_page
    assert "https://wiki.example.org/p/northfield/concordat/1/" in title_page
    assert next(e for e in parser.elements if e.tag == "title").content == "Northfield concordat — edition 1"


def test_a_date_is_the_local_date():
    summer = edition.build(source(published_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC)))
    assert "published 1 July 2026" in summer  # 00:30 in London


def test_print_stylesheet_is_in_the_file(built):
    document, _ = built
    print_rules = document[document.index("@media print"):]
    for rule in (".skip-link { display: none; }", "break-before: page", "break-after: page", "@page"):
        assert rule in print_rules


# --- appendices ----------------------------------------------------------------------------------


def test_appendices_are_always_all_there_and_in_the_contents(built):
    _, parser = built
    for anchor, letter, title in edition.APPENDICES:
        assert by_id(parser, anchor).tag == "section"
        assert by_id(parser, f"{anchor}-title").content == f"Appendix {letter}: {title}"
        assert anchor in fragment_links(parser)
    assert "None of them asked to be named here" in by_id(parser, "ed:acknowledgements").content
    assert "No consultation round" in by_id(parser, "ed:how-made").content
    assert "This is the first edition." in by_id(parser, "ed:changes").content


def test_acknowledgements_group_people_as_they_agreed():
    people = [Contributor("Zoe", "Mind Northfield"), Contributor("adam", "mind northfield"),
              Contributor("Sam", perspectives=("Carer", "Lived experience")),
              Contributor("Lee", "", ("Lived experience",)), Contributor("Kim"),
              Contributor("Bo", "Northfield NHS Trust")]
    groups = group_contributors(people, ["Lived experience", "Carer"])
    assert [(g.label, g.kind, g.names) for g in groups] == [
        ("Mind Northfield", "organisation", ("adam", "Zoe")),
        ("Northfield NHS Trust", "organisation", ("Bo",)),
        ("Lived experience", "perspective", ("Lee",)),
        ("Carer", "perspective", ("Sam",)),
        ("Individual contributors", "individual", ("Kim",)),
    ]
    document = edition.build(source(acknowledgements=groups))
    section = by_id(parse(document), "ed:acknowledgements").content
    for line in ("Mind Northfield: adam, Zoe", "Carer: Sam", "Individual contributors: Kim"):
        assert line in section


def test_small_counts_in_breakdowns_are_not_shown_exactly():
    assert [count_label(n) for n in (0, 1, 4, 5, 1234)] == ["0", "fewer than 5", "fewer than 5", "5", "1,234"]
    rows = [("carer", 1), ("carer", 2), (None, 3), ("lived_experience", 4)] + [("lived_experience", 5)] * 5
    counts = perspective_counts(rows, {"lived_experience": "Lived experience", "carer": "Carer"})
    assert counts == (PerspectiveCount("Lived experience", 2, 6), PerspectiveCount("Carer", 2, 2),
                      PerspectiveCount("Not stated", 1, 1))


def test_how_this_was_made_and_you_said_we_did_show_the_data():
    drafting = Drafting(revisions=12, authors=3, started=datetime(2025, 1, 6, tzinfo=UTC),
                        last_change=datetime(2026, 11, 1, tzinfo=UTC), comments=240, commenters=61,
                        by_perspective=(PerspectiveCount("Lived experience", 30, 120), PerspectiveCount("Carer", 3, 4)))
    rounds = (RoundSummary("Spring consultation", datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 12, tzinfo=UTC),
                           48, 210, (PerspectiveCount("Carer", 9, 22),),
                           (YouSaidRow("3.2 Support while waiting", "within two weeks",
                                       render_comment("Two weeks is *too long*."), "Carer, online",
                                       "Partly accepted", render_comment("We now say ten days."), "Revision 11"),
                            YouSaidRow("1 Why", "", "", "", "Noted", "", ""))),)
    parser = parse(edition.build(source(drafting=drafting, rounds=rounds)))
    made = by_id(parser, "ed:how-made").content
    assert "written in 12 revisions by 3 co-authors, between 6 January 2025 and 1 November 2026" in made
    assert "240 comments were made on the document by 61 people" in made
    assert "Lived experience 30 120" in made and "Carer fewer than 5 fewer than 5" in made
    assert "Spring consultation 1 March 2026 12 April 2026 48 210" in made
    you_said = by_id(parser, "ed:you-said").content
    assert ("3.2 Support while waiting within two weeks Two weeks is too long . — Carer, online Partly accepted "
            "Revision 11 We now say ten days.") in you_said
    assert "1 Why (Shared with facilitators only.) Noted" in you_said


# --- what changed --------------------------------------------------------------------------------


def test_what_changed_names_sections_added_removed_renamed_and_changed():
    old = render_document(DRAFT)
    new_text = (DRAFT.replace("## What people told us", "## What we heard")
                .replace("Carers want to be partners.", "Carers want to be equal partners in care.")
                .replace("#### A deeper point\n\nText.\n", "")
                + "\n## 10. Next steps\n\nWe will report back every year.\n")
    new = render_document(new_text)
    changes = edition.compare(old.html, toc_of(old), new.html, toc_of(new), "Old title", "New title")
    assert [(s.number, s.title) for s in changes.added] == [("5", "10. Next steps")]
    assert [(s.number, s.title) for s in changes.removed] == [("3.2.1", "A deeper point")]
    assert [(r.old.title, r.new.anchor) for r in changes.renamed] == [("What people told us", "s-2")]
    assert [(c.section.anchor, c.words_added, c.words_removed) for c in changes.changed] == [("s-2", 3, 0)]
    previous = edition.PreviousEdition(1, datetime(2026, 1, 5, tzinfo=UTC), 5, "https://wiki.example.org/p/n/c/1/")
    parser = parse(edition.build(source(new_text, number=2, previous=previous, changes=changes)))
    text = by_id(parser, "ed:changes").content
    assert "What changed since edition 1" in text
    assert "1 section added, 1 removed, 1 changed, 1 renamed" in text
    assert "The title changed from “Old title” to “New title”." in text
    assert set(fragment_links(parser)) <= set(ids(parser))


def test_identical_texts_change_nothing():
    rendered = render_document(DRAFT)
    headings = sections.number_headings(toc_of(rendered))
    parts = sections.split_sections(rendered.html, headings)
    assert summarise(parts, parts).nothing


# --- notices around the stored file ----------------------------------------------------------------


def test_notices_go_in_the_slot_and_nowhere_else(built):
    document, _ = built
    notice = edition.superseded_notice(1, 2, "/p/n/c/2/", 4, "/p/n/c/4/")
    shown = edition.with_notice(document, notice)
    assert shown.replace(notice, edition.NOTICE_SLOT) == document
    parser = parse(shown)
    note = next(e for e in parser.elements if e.attrs.get("class") == "edition-notice")
    assert "header" in note.parents
    assert note.content == ("This edition has been superseded. Edition 1 was replaced by edition 2 . "
                            "The latest is edition 4 .")
    after = parser.elements[parser.elements.index(note):]
    assert [e.attrs.get("href") for e in after if e.tag == "a"][:2] == ["/p/n/c/2/", "/p/n/c/4/"]


def test_the_index_page_of_a_build_is_self_contained():
    entry = edition.IndexEntry("North<b>", 3, "Plan <i>", 2, WHEN, "document-3/edition-2.html", "ab" * 32, True)
    page = edition.build_index([entry], WHEN)
    parser = parse(page)
    assert external_asset_urls(page, parser) == [] and "<script" not in page
    assert "North&lt;b&gt;" in page and "document-3/edition-2.html" in fragment_links(parser) + [
        e.attrs.get("href") for e in parser.elements if e.tag == "a"]


def test_word_counts_only_look_at_the_changed_middle_but_count_the_same():
    """word_changes trims what both texts share before diffing words; the counts must equal a
    plain word diff of the whole texts, whatever the edit."""
    import random

    from wiki.documents.tokendiff import DELETE, INSERT, token_diff
    from wiki.publishing.changes import word_changes

    def reference(old: str, new: str) -> tuple[int, int]:
        words = lambda text: [t + "\x00" for t in re.findall(r"\w+|[^\w\s]+", text)]  # noqa: E731
        ops = token_diff(words(old), words(new))
        count = lambda kind: sum(1 for op, text in ops if op == kind  # noqa: E731
                                 for token in text.split("\x00") if re.match(r"\w", token))
        return count(INSERT), count(DELETE)

    rng = random.Random(8)
    vocabulary = ["care", "cares", "scare", "support", "the", "a", "peer", "wait", "weeks", ".", ",", "(x)"]
    for _ in range(400):
        old = " ".join(rng.choice(vocabulary) for _ in range(rng.randint(0, 30)))
        words = old.split(" ")
        for _ in range(rng.randint(1, 3)):
            position = rng.randint(0, len(words))
            words[position:position + rng.randint(0, 2)] = rng.choices(vocabulary, k=rng.randint(0, 2))
        new = " ".join(words)
        new = new + rng.choice(["", "s", " x"]) if rng.random() < 0.2 else new
        assert word_changes(old, new) == reference(old, new), (old, new)
