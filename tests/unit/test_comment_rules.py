"""PURE comment rules (wiki/comments/rules.py), block alignment (blocks.py) and finding a rendered
selection in the Markdown (selection.py): no app, no database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from wiki.comments import blocks, rules, selection
from wiki.comments.rules import CommentFacts, SpaceSettings, Viewer
from wiki.rendering import render_document

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
AUTHOR_ID = 7
VIEWERS = {
    "anonymous": Viewer(),
    "participant": Viewer(user_id=1, can_comment=True),
    "editor": Viewer(user_id=2, editor=True, can_comment=True),
    "facilitator": Viewer(user_id=3, editor=True, facilitator=True, can_comment=True),
    "author": Viewer(user_id=AUTHOR_ID, can_comment=True),
}


def facts(visibility="named", state="published", **kw) -> CommentFacts:
    values = {"author_id": AUTHOR_ID, "author_name": "Aisha", "visibility": visibility, "state": state,
              "perspective": "carer", "author_perspectives": ("carer",), "created_at": NOW, **kw}
    return CommentFacts(**values)


# --- who sees what ----------------------------------------------------------------------------------

@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("visibility", ["named", "anonymous", "facilitators"])
@pytest.mark.parametrize("state", ["published", "pending", "hidden", "withdrawn"])
def test_who_sees_a_comment(viewer, visibility, state):
    privileged = viewer in ("facilitator", "author")
    expected = privileged or (visibility != "facilitators" and state != "pending")
    assert rules.can_see(facts(visibility, state), VIEWERS[viewer]) == expected


@pytest.mark.parametrize("reveal", [False, True])
@pytest.mark.parametrize("viewer", VIEWERS)
def test_anonymous_authors_are_named_only_to_facilitators_of_a_revealing_space(viewer, reveal):
    comment, settings = facts("anonymous"), SpaceSettings(facilitators_see_anonymous=reveal)
    written_under_setting = replace(comment, revealable=reveal)
    named = reveal and viewer == "facilitator"
    assert rules.reveals_author(written_under_setting, VIEWERS[viewer], settings) == named
    # written before the space revealed anonymous authors: never revealed afterwards
    assert rules.reveals_author(replace(comment, revealable=False), VIEWERS[viewer], settings) is False
    label = rules.author_label(written_under_setting, VIEWERS[viewer], settings)
    assert ("Aisha" in label) == named
    if not named:
        assert label == "Community member"


@pytest.mark.parametrize("viewer", VIEWERS)
def test_named_and_facilitators_only_labels(viewer):
    settings = SpaceSettings()
    assert rules.author_label(facts("named"), VIEWERS[viewer], settings) == "Aisha"
    privileged = viewer in ("facilitator", "author")
    assert rules.reveals_author(facts("facilitators"), VIEWERS[viewer], settings) == privileged
    assert rules.author_label(facts("named", author_name=None), VIEWERS[viewer], settings) == "deleted participant"


def test_perspective_needs_the_authors_current_consent():
    assert rules.perspective_shown(facts()) == "carer"
    assert rules.perspective_shown(facts(author_perspectives=())) is None  # consent withdrawn
    assert rules.perspective_shown(facts(perspective=None)) is None
    assert rules.allowed_perspective("carer", ["carer"]) == "carer"
    assert rules.allowed_perspective("", ["carer"]) is None
    assert rules.allowed_perspective("statutory", ["carer"]) == ""  # refused


def test_placeholders_and_bodies():
    hidden = facts(state="hidden")
    assert rules.placeholder(hidden, VIEWERS["participant"], "Off topic") == "Hidden by a facilitator"
    assert rules.placeholder(hidden, VIEWERS["facilitator"], "Off topic") == "Hidden by a facilitator: Off topic"
    assert not rules.body_shown(hidden, VIEWERS["participant"]) and rules.body_shown(hidden, VIEWERS["facilitator"])
    assert rules.placeholder(facts(state="withdrawn"), VIEWERS["facilitator"]) == "comment withdrawn"
    assert not rules.body_shown(facts(state="withdrawn"), VIEWERS["author"])
    assert rules.placeholder(facts(state="pending"), VIEWERS["author"]) == "Awaiting approval"
    assert rules.placeholder(facts(), VIEWERS["author"]) == ""


def test_edit_window_is_fifteen_minutes_and_only_for_the_author():
    author = VIEWERS["author"]
    assert rules.can_edit(facts(), author, NOW + timedelta(minutes=15))
    assert not rules.can_edit(facts(), author, NOW + timedelta(minutes=15, seconds=1))
    assert not rules.can_edit(facts(), VIEWERS["facilitator"], NOW)
    assert not rules.can_edit(facts(state="withdrawn"), author, NOW)
    assert rules.can_withdraw(facts(), author) and not rules.can_withdraw(facts(), VIEWERS["facilitator"])


def test_moderation_agreeing_flagging_and_resolving():
    facilitator, participant, author = VIEWERS["facilitator"], VIEWERS["participant"], VIEWERS["author"]
    assert rules.can_hide(facts(), facilitator) and not rules.can_hide(facts(), participant)
    assert rules.can_unhide(facts(state="hidden"), facilitator) and not rules.can_unhide(facts(), facilitator)
    assert rules.can_approve(facts(state="pending"), facilitator) and not rules.can_approve(facts(), facilitator)
    assert rules.can_agree(facts(), participant) and not rules.can_agree(facts(), author)
    assert not rules.can_agree(facts(), VIEWERS["anonymous"])
    assert not rules.can_agree(facts(state="hidden"), participant)
    assert rules.can_flag(facts(), participant) and not rules.can_flag(facts(), VIEWERS["anonymous"])
    assert rules.can_resolve(AUTHOR_ID, author) and rules.can_resolve(AUTHOR_ID, VIEWERS["editor"])
    assert not rules.can_resolve(AUTHOR_ID, participant)


def test_premoderation_and_replies_in_private_threads():
    assert rules.initial_state(SpaceSettings(premoderation=True), author_is_facilitator=False) == "pending"
    assert rules.initial_state(SpaceSettings(premoderation=True), author_is_facilitator=True) == "published"
    assert rules.initial_state(SpaceSettings(), author_is_facilitator=False) == "published"
    assert rules.reply_visibility("facilitators", "named") == "facilitators"
    assert rules.reply_visibility("anonymous", "named") == "named"


@pytest.mark.parametrize(("value", "cell"), [("=SUM(A1)", "'=SUM(A1)"), ("+1", "'+1"), ("-2", "'-2"), ("@x", "'@x"),
                                             ("plain", "plain"), (None, ""), (3, "3")])
def test_csv_cells_never_run_as_formulas(value, cell):
    assert rules.csv_cell(value) == cell


# --- blocks: rendered blocks ↔ Markdown ------------------------------------------------------------

SOURCE = """# Strategy

Intro with **bold** and a [link](https://example.org "t").

## Housing

> Quoted first paragraph.
>
> Quoted second paragraph.

- First item
- Second item with `code`

1. Step one[^1]
2. Step two

| Measure | Target |
|:--|--:|
| Homes | 90% |

```python
print("hi")
```

Setext heading
--------------

Text after &amp; entity.

[^1]: The footnote text.
"""


def test_every_block_with_text_is_aligned_with_its_markdown():
    rendered = render_document(SOURCE)
    mapped = blocks.block_map(SOURCE, rendered.html)
    assert [b.id for b in mapped.blocks] == list(rendered.block_ids)
    for block in mapped.blocks:
        assert block.start >= 0, block
        source = SOURCE[block.start:block.end]
        if block.text:
            assert blocks.plain_key(block.text) in blocks.source_key(source), (block, source)
    by_text = {b.text: SOURCE[b.start:b.end] for b in mapped.blocks if b.text}
    assert by_text["The footnote text."] == "[^1]: The footnote text."  # rendered at the end, found anyway
    assert by_text["Quoted second paragraph."].startswith("> Quoted first")  # one source block, two paragraphs


def test_sections_follow_the_toc_ids():
    rendered = render_document(SOURCE)
    toc = [[e.level, e.id, e.title] for e in rendered.toc]
    heads = blocks.heading_starts(SOURCE, toc)
    assert [h for _, h in heads] == [e.id for e in rendered.toc] == ["strategy", "housing", "setext-heading"]
    assert blocks.section_at(heads, 0) == "strategy"
    assert blocks.section_at(heads, SOURCE.index("First item")) == "housing"
    assert blocks.section_at(heads, SOURCE.index("Text after")) == "setext-heading"
    assert blocks.section_at([], 5) == ""


def test_marking_blocks_adds_ids_and_links_without_breaking_tables():
    rendered = render_document(SOURCE)
    mapped = blocks.block_map(SOURCE, rendered.html)
    para = mapped.block_at(SOURCE.index("Intro"))
    table = mapped.block_at(SOURCE.index("| Homes"))
    heading = mapped.block_at(SOURCE.index("## Housing"))
    marked = blocks.mark_blocks(rendered.html, {para.id: [4, 5], table.id: [6], heading.id: [7]})
    assert f'data-block="{para.id}" id="{para.id}" class="has-comments" data-thread-ids="4 5">' \
           f'<a class="comment-marker" href="#thread-4" data-comment-ui>2' in marked
    assert f'<a class="comment-marker" href="#thread-6" data-comment-ui>1<span class="visually-hidden"> comment ' \
           f'thread on this passage</span></a><table data-block="{table.id}"' in marked
    assert f'data-block="{heading.id}" id="housing" class="has-comments" data-thread-ids="7">' in marked
    assert marked.count(' id="housing"') == 1  # a heading keeps its own id
    assert blocks.mark_blocks(rendered.html, {}) == rendered.html


def test_block_choices_are_the_blocks_with_text():
    choices = blocks.block_choices(SOURCE, render_document(SOURCE).html)
    texts = [b.text for b in choices]
    assert "Intro with bold and a link." in texts and "Strategy" in texts
    assert all(b.text for b in choices)


# --- finding a rendered selection in the Markdown -----------------------------------------------------

@pytest.mark.parametrize(("selected", "expected"), [
    ("with bold and a link", "with **bold** and a [link"),
    ("Quoted first paragraph. Quoted second", "Quoted first paragraph.\n>\n> Quoted second"),
    ("First item Second item with code", "First item\n- Second item with `code"),
    ("Homes 90%", "Homes | 90%"),
    ("after & entity", "after &amp; entity"),
    ("Step one", "Step one"),
])
def test_rendered_selections_map_back_to_the_markdown(selected, expected):
    found = selection.find_rendered(SOURCE, 0, len(SOURCE), selected)
    assert found is not None and SOURCE[found[0]:found[1]] == expected


def test_context_chooses_between_repeated_phrases():
    text = "The plan says yes. Later the budget says yes. Finally the board says yes."
    found = selection.find_rendered(text, 0, len(text), "says yes", prefix="the budget ", suffix=". Finally")
    assert found == (text.index("says yes", 20), text.index("says yes", 20) + 8)
    assert selection.find_rendered(text, 0, len(text), "not here") is None
    assert selection.find_rendered(text, 0, len(text), "   ") is None


def test_visible_text_and_trimmed_blocks():
    assert selection.visible_text("Intro with **bold** and a [link](https://x.org).") == "Intro with bold and a link."
    text = "## Housing first\n"
    assert text[slice(*selection.trim_block(text, 0, len(text)))] == "Housing first"
    text = "- an item  \n"
    assert text[slice(*selection.trim_block(text, 0, len(text)))] == "an item"
