"""Unit tests for the pure revisions core: diff, display models, three-way merge, attribution.

No Flask, no database: ``wiki.documents.revisions`` is stdlib + diff_match_patch only.
"""

import random

import pytest

from wiki.documents.revisions import (
    DELETE,
    EQUAL,
    INSERT,
    Block,
    attribute,
    attribute_blocks,
    carry_forward,
    diff,
    diff_stats,
    diff_with_report,
    hunks,
    line_diff,
    merge3,
    side_by_side,
    split_blocks,
)

# ---------------------------------------------------------------------------------------- helpers


def sides(ops):
    """(old, new) rebuilt from ops."""
    return "".join(t for op, t in ops if op != INSERT), "".join(t for op, t in ops if op != DELETE)


def resolve(result, pick):
    """Replace every conflict region (which holds theirs) by the chosen version."""
    text = result.text
    for c in reversed(result.conflicts):
        text = text[: c.start] + getattr(c, pick) + text[c.end :]
    return text


WORDS = ["people", "lived", "experience", "recovery", "support", "community", "service", "access", "housing",
         "peer", "carers", "crisis", "outcomes", "evidence", "consultation", "partners", "funding", "priority",
         "café", "naïve", "支援", "e\u0301", "🙂"]


def prose(rng, size):
    """Markdown-ish text of about ``size`` characters, every line unique."""
    out, n = [], 0
    while n < size:
        line = f"{len(out)}. " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 30)))
        out.append(line if len(out) % 7 else f"## Heading {len(out)}")
        out.append("")
        n += len(line) + 2
    return "\n".join(out)


def scatter_edits(rng, text, fraction):
    """Replace / insert / delete short runs at random places until ~fraction of text changed."""
    budget = int(len(text) * fraction)
    while budget > 0:
        i, n = rng.randrange(len(text)), rng.randint(1, 40)
        word = " " + rng.choice(WORDS) + " "
        text = rng.choice([text[:i] + word + text[i:], text[:i] + text[i + n :], text[:i] + word + text[i + n :]])
        budget -= n
    return text


# ------------------------------------------------------------------------------------------- diff

ROUND_TRIP_CASES = [
    ("", ""),
    ("", "new text"),
    ("old text", ""),
    ("same\n", "same\n"),
    ("The quick brown fox", "The slow brown fox"),
    ("line one\nline two\n", "line one\nline 2\nline three"),
    ("no newline at end", "no newline at end\n"),
    ("emoji 🙂 here", "emoji 🙃🙂 there"),
    ("支援サービス", "支援の サービス"),
    ("cafe\u0301 na\u00efve", "café naive"),  # combining accent vs precomposed
    ("crlf\r\nline\r\n", "crlf\r\nline changed\r\n"),
    ("\u2028separator\x0cform feed\n", "\u2028separator\x0c form feed\n"),
]


@pytest.mark.parametrize(("old", "new"), ROUND_TRIP_CASES)
def test_diff_round_trip(old, new):
    ops = diff(old, new)
    assert sides(ops) == (old, new)
    assert all(text for _, text in ops)
    assert all(op in (DELETE, EQUAL, INSERT) for op, _ in ops)


def test_diff_round_trip_random_unicode():
    rng = random.Random(11)
    alphabet = "ab \n.🙂é\u0301支\r"
    for _ in range(500):
        old = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        new = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80)))
        assert sides(diff(old, new)) == (old, new)
        assert sides(line_diff(old, new)) == (old, new)


def test_diff_is_minimal_for_a_small_edit():
    ops = diff("We will improve access to crisis care.", "We will expand access to crisis care.")
    assert diff_stats(ops) == (len("expand"), len("improve"))


def test_diff_shows_whole_words_replaced_but_keeps_typo_precision():
    assert diff("Acse acdeno by.", "Acaclone who acgabeno.") == [
        (DELETE, "Acse acdeno by"), (INSERT, "Acaclone who acgabeno"), (EQUAL, ".")]
    assert diff("We will improve care for people.", "We will expand care for young people.") == [
        (EQUAL, "We will "), (DELETE, "improve"), (INSERT, "expand"), (EQUAL, " care for "),
        (INSERT, "young "), (EQUAL, "people.")]
    assert diff_stats(diff("We recieve it", "We receive it")) == (1, 1)


def test_large_diff_is_complete_and_fine_grained():
    """100 KB with 5% scattered changes: exact, never cut short, and not one big replacement."""
    rng = random.Random(5)
    old = prose(rng, 100_000)
    new = scatter_edits(rng, old, 0.05)
    ops, coarse = diff_with_report(old, new)  # returns in tens of ms; timing is not asserted here
    assert sides(ops) == (old, new)
    assert coarse == 0
    added, removed = diff_stats(ops)
    assert added + removed < 0.25 * len(old)  # a cut-short diff would replace most of the text


def test_large_rewrite_is_complete():
    rng = random.Random(6)
    old, new = prose(rng, 30_000), prose(random.Random(7), 30_000)
    assert sides(diff(old, new)) == (old, new)


def test_line_diff_ops_are_whole_lines():
    rng = random.Random(8)
    old = prose(rng, 20_000)
    new = scatter_edits(rng, old, 0.02)
    ops = line_diff(old, new)
    assert sides(ops) == (old, new)
    old_pos = new_pos = 0
    for op, text in ops:
        if op != INSERT:
            old_pos += len(text)
            assert text.endswith("\n") or old_pos == len(old)
        if op != DELETE:
            new_pos += len(text)
            assert text.endswith("\n") or new_pos == len(new)


def test_diff_stats():
    assert diff_stats([(EQUAL, "ab"), (DELETE, "cde"), (INSERT, "🙂"), (INSERT, "xy")]) == (3, 3)
    assert diff_stats([]) == (0, 0)


# ------------------------------------------------------------------------------- hunks and rows

NUMBERED = "".join(f"line {i}\n" for i in range(1, 41))


def test_hunks_collapse_long_unchanged_runs_and_keep_context():
    new = NUMBERED.replace("line 20\n", "line twenty\n")
    result = hunks(diff(NUMBERED, new), context_lines=3)
    kinds = [(h.kind, h.collapsed, h.line_count) for h in result]
    assert kinds == [
        ("equal", True, 16),  # lines 1-16 hidden
        ("equal", False, 3),  # 17-19 context
        ("change", False, 1),  # line 20
        ("equal", False, 3),  # 21-23 context
        ("equal", True, 17),  # 24-40 hidden
    ]
    change = result[2]
    assert (change.old_start_line, change.new_start_line) == (20, 20)
    assert change.old_text == "line 20\n" and change.new_text == "line twenty\n"
    assert result[4].old_start_line == 24


def test_hunks_between_changes_collapse_only_beyond_twice_the_context():
    close = NUMBERED.replace("line 10\n", "x\n").replace("line 17\n", "y\n")  # 6 lines between
    assert not any(h.collapsed for h in hunks(diff(NUMBERED, close), 3)[1:-1])
    far = NUMBERED.replace("line 10\n", "x\n").replace("line 18\n", "y\n")  # 7 lines between
    middle = [h for h in hunks(diff(NUMBERED, far), 3)[1:-1] if h.collapsed]
    assert [h.line_count for h in middle] == [1]


def test_hunks_rebuild_the_ops_and_track_line_numbers():
    rng = random.Random(3)
    old = prose(rng, 5_000)
    new = scatter_edits(rng, old, 0.03)
    result = hunks(diff(old, new), context_lines=2)
    assert sides([op for h in result for op in h.ops]) == (old, new)
    for h in result:
        assert old[: sum(len(x.old_text) for x in result[: result.index(h)])].count("\n") + 1 == h.old_start_line
        assert h.kind == "change" or h.old_text == h.new_text


def test_hunks_start_at_line_starts_on_both_sides():
    rng = random.Random(12)
    for _ in range(400):
        old = "".join(rng.choice("ab\n") for _ in range(rng.randint(0, 30)))
        new = "".join(rng.choice("ab\n") for _ in range(rng.randint(0, 30)))
        result = hunks(diff(old, new), context_lines=1)
        assert sides([op for h in result for op in h.ops]) == (old, new)
        old_pos = new_pos = 0
        for h in result:
            assert old_pos == 0 or old[old_pos - 1] == "\n", (old, new, result)
            assert new_pos == 0 or new[new_pos - 1] == "\n", (old, new, result)
            assert h.old_start_line == old.count("\n", 0, old_pos) + 1
            assert h.new_start_line == new.count("\n", 0, new_pos) + 1
            old_pos, new_pos = old_pos + len(h.old_text), new_pos + len(h.new_text)
        rows = side_by_side(diff(old, new), context_lines=1)
        assert "".join(s.text for r in rows for s in r.old) == old
        assert "".join(s.text for r in rows for s in r.new) == new


def test_hunks_of_identical_texts_is_one_collapsed_run():
    assert [(h.kind, h.collapsed) for h in hunks(diff(NUMBERED, NUMBERED))] == [("equal", True)]
    assert hunks(diff("", "")) == []


def test_unchanged_last_line_without_newline_is_not_part_of_the_change():
    result = hunks(diff("a\nb", "x\nb"))
    assert [(h.kind, h.old_text, h.new_text) for h in result] == [("change", "a\n", "x\n"), ("equal", "b", "b")]


def test_change_inside_a_line_takes_the_whole_line():
    (change,) = [h for h in hunks(diff("a\nThe quick fox\nb\n", "a\nThe slow fox\nb\n")) if h.kind == "change"]
    assert change.old_text == "The quick fox\n" and change.new_text == "The slow fox\n"


def test_side_by_side_rows_rebuild_both_texts():
    rng = random.Random(4)
    for _ in range(30):
        old = prose(rng, 2_000)
        new = scatter_edits(rng, old, 0.05)
        rows = side_by_side(diff(old, new), context_lines=1)
        assert "".join(s.text for r in rows for s in r.old) == old
        assert "".join(s.text for r in rows for s in r.new) == new
        assert all(s.kind in ("equal", "delete") for r in rows for s in r.old)
        assert all(s.kind in ("equal", "insert") for r in rows for s in r.new)
        numbered = [r.old_line for r in rows if r.old_line is not None]
        assert numbered == list(range(1, len(numbered) + 1))


def test_side_by_side_inserted_line_faces_an_empty_cell():
    rows = side_by_side(diff("intro\nThe x end\n", "intro\nNew line\nThe y end\n"))
    change = [r for r in rows if r.kind == "change"]
    assert [(r.old_line, r.new_line) for r in change] == [(None, 2), (2, 3)]
    assert change[0].old == () and change[0].new == (("insert", "New line\n"),)
    assert ("delete", "x") in change[1].old and ("insert", "y") in change[1].new


def test_side_by_side_marks_collapsed_rows():
    rows = side_by_side(diff(NUMBERED, NUMBERED.replace("line 20\n", "line twenty\n")), context_lines=3)
    assert sum(r.collapsed for r in rows) == 16 + 17
    assert [r.old_line for r in rows if r.kind == "change"] == [20]


# ----------------------------------------------------------------------------------------- merge3

BASE = "# Plan\n\nFirst paragraph.\n\nSecond paragraph.\n\n- item one\n- item two\n"


def test_merge_edits_in_different_paragraphs_cleanly():
    theirs = BASE.replace("First paragraph.", "First paragraph, revised.")
    mine = BASE.replace("Second paragraph.", "Second paragraph, mine.")
    result = merge3(BASE, theirs, mine)
    assert result.clean
    assert result.text == BASE.replace("First paragraph.", "First paragraph, revised.").replace(
        "Second paragraph.", "Second paragraph, mine.")


def test_merge_edits_on_adjacent_lines_cleanly():
    result = merge3(BASE, BASE.replace("item one", "item 1"), BASE.replace("item two", "item 2"))
    assert result.clean and result.text.endswith("- item 1\n- item 2\n")


def test_merge_applies_identical_edits_once():
    edited = BASE.replace("- item two\n", "- item two\n- item three\n")
    result = merge3(BASE, edited, edited)
    assert result.clean and result.text == edited
    both = merge3(BASE, edited.replace("# Plan", "# Our plan"), edited)
    assert both.clean and both.text.count("item three") == 1 and both.text.startswith("# Our plan")


def test_merge_insertions_at_the_same_place_conflict():
    theirs = BASE.replace("- item two\n", "- item two\n- theirs\n")
    mine = BASE.replace("- item two\n", "- item two\n- mine\n")
    result = merge3(BASE, theirs, mine)
    assert not result.clean
    assert result.text == theirs
    (c,) = result.conflicts
    assert (c.base, c.theirs, c.mine) == ("", "- theirs\n", "- mine\n")
    assert result.text[c.start : c.end] == c.theirs
    assert resolve(result, "mine") == mine


def test_merge_different_edits_of_one_line_conflict_and_keep_theirs():
    theirs = BASE.replace("Second paragraph.", "Second paragraph (theirs).")
    mine = BASE.replace("Second paragraph.", "Second paragraph (mine).")
    result = merge3(BASE, theirs, mine)
    assert result.text == theirs  # the saved text stays authoritative
    (c,) = result.conflicts
    assert (c.base, c.theirs, c.mine) == ("Second paragraph.\n", "Second paragraph (theirs).\n",
                                         "Second paragraph (mine).\n")
    assert result.text[c.start : c.end] == c.theirs


def test_merge_delete_versus_edit_conflicts():
    theirs = BASE.replace("First paragraph.\n\n", "")
    mine = BASE.replace("First paragraph.", "First paragraph, improved.")
    result = merge3(BASE, theirs, mine)
    assert not result.clean and result.text == theirs
    (c,) = result.conflicts
    assert "First paragraph.\n" in c.base and c.theirs == "" and "improved" in c.mine
    assert resolve(result, "mine") == mine
    reverse = merge3(BASE, mine, theirs)
    assert not reverse.clean and reverse.text == mine


def test_merge_one_side_unchanged_returns_the_other():
    edited = BASE.replace("Plan", "Strategy")
    assert merge3(BASE, BASE, edited).text == edited
    assert merge3(BASE, edited, BASE).text == edited
    assert merge3(BASE, edited, edited).clean
    assert merge3(BASE, BASE, BASE).text == BASE


def test_merge_empty_base():
    assert merge3("", "", "mine").text == "mine"
    assert merge3("", "same", "same").text == "same"
    result = merge3("", "theirs\n", "mine\n")
    assert not result.clean and result.text == "theirs\n"
    assert resolve(result, "mine") == "mine\n"


def test_merge_without_trailing_newline():
    base = "alpha\nbeta"
    result = merge3(base, "alpha\nbeta\ngamma", "alpha\nBETA")  # append vs edit of the last line
    assert result.clean and result.text == "alpha\nBETA\ngamma"
    deleted = merge3(base, "alpha", "alpha\nBETA")  # last line deleted vs edited
    (c,) = deleted.conflicts
    assert deleted.text == "alpha" and resolve(deleted, "mine") == "alpha\nBETA"


def test_merge_unicode():
    base = "支援 line\ncafe\u0301 line\n🙂 line\n"
    result = merge3(base, base.replace("支援", "支援サービス"), base.replace("🙂", "🙃"))
    assert result.clean and result.text == "支援サービス line\ncafe\u0301 line\n🙃 line\n"


def test_merge_crlf_texts():
    base = "one\r\ntwo\r\nthree\r\n"
    result = merge3(base, base.replace("one", "ONE"), base.replace("three", "THREE"))
    assert result.clean and result.text == "ONE\r\ntwo\r\nTHREE\r\n"


def _edit_lines(rng, lines, chosen, tag):
    """One random edit per chosen line: {index: (replacement lines, lines inserted after)}."""
    edits = {}
    for i in chosen:
        marker = f"<{tag}{i}>"
        edits[i] = rng.choice([
            ([marker], []),  # replace the line
            ([lines[i] + " " + marker], []),  # edit inside the line
            ([lines[i]], [marker]),  # insert a line after it
            ([], []),  # delete it
        ])
    return edits


def _apply(lines, *edit_sets):
    out = []
    for i, line in enumerate(lines):
        replaced, after = next((e[i] for e in edit_sets if i in e), ([line], []))
        out += replaced + after
    return out


def test_merge_property_disjoint_line_edits_are_clean():
    """~200 random cases: edits on disjoint lines (adjacent ones included) always merge cleanly,
    into exactly the text with both sets applied, each unique marker exactly once."""
    rng = random.Random(2024)
    for case in range(200):
        lines = [f"line {i} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 6)))
                 for i in range(rng.randint(2, 30))]
        ending = rng.choice(["", "\n"])
        indexes = list(range(len(lines)))
        rng.shuffle(indexes)
        cut = rng.randint(1, len(indexes) - 1)
        theirs_edits = _edit_lines(rng, lines, indexes[:cut][: rng.randint(1, 6)], "T")
        mine_edits = _edit_lines(rng, lines, indexes[cut:][: rng.randint(1, 6)], "M")
        base = "\n".join(lines) + ending
        theirs = "\n".join(_apply(lines, theirs_edits)) + ending
        mine = "\n".join(_apply(lines, mine_edits)) + ending
        result = merge3(base, theirs, mine)
        assert result.clean, (case, base, theirs, mine, result)
        assert result.text == "\n".join(_apply(lines, theirs_edits, mine_edits)) + ending, case
        added = [line for e in (theirs_edits, mine_edits) for r, a in e.values() for line in r + a]
        markers = [line.split(" ")[-1] for line in added if line.endswith(">")]
        for marker in markers:
            assert result.text.count(marker) == 1, (case, marker)


def test_merge_property_conflicts_are_consistent():
    """Random edits, repeated lines included: regions hold theirs, never overlap, and taking
    mine in every conflict equals merging the other way round (nothing of mine is lost)."""
    rng = random.Random(99)
    pool = ["a", "b", "c", "", "d e", "支援", "🙂"]

    def edit(lines):
        lines = list(lines)
        for _ in range(rng.randint(0, 3)):
            k, r = rng.randint(0, len(lines)), rng.random()
            if r < 0.3 and lines:
                del lines[min(k, len(lines) - 1)]
            elif r < 0.6:
                lines.insert(k, rng.choice(pool + ["new"]))
            elif lines:
                lines[min(k, len(lines) - 1)] = rng.choice(pool + ["X", "Y"])
        return "\n".join(lines) + rng.choice(["", "\n"])

    for _ in range(2000):
        lines = [rng.choice(pool) for _ in range(rng.randint(0, 8))]
        base, theirs, mine = "\n".join(lines) + rng.choice(["", "\n"]), edit(lines), edit(lines)
        result, other_way = merge3(base, theirs, mine), merge3(base, mine, theirs)
        end = 0
        for c in result.conflicts:
            assert result.text[c.start : c.end] == c.theirs and c.start >= end
            end = c.end
        assert resolve(result, "mine") == other_way.text
        assert len(result.conflicts) == len(other_way.conflicts)
        assert resolve(result, "theirs") == result.text


# ------------------------------------------------------------------------------------ attribution

REV1 = "# Strategy\n\nWe support people.\n\n- access\n- housing\n\nClosing words here.\n"
REV2 = "# Strategy\n\nWe support people and carers.\n\n- access\n- housing\n- peer support\n\nClosing words here.\n"
REV5 = "# Our strategy\n\nWe support people and carers.\n\n- access\n- housing\n- peer support\n\nClosing here.\n"


def by_text(attributions):
    return {a.block.text: a.revision for a in attributions}


def test_attribute_three_revisions():
    result = attribute([(1, REV1), (2, REV2), (5, REV5)])
    assert by_text(result) == {
        "# Our strategy": 5,
        "We support people and carers.": 2,
        "- access": 1,
        "- housing": 1,
        "- peer support": 2,
        "Closing here.": 5,  # a deleted word changes its paragraph
    }
    assert all(REV5[a.block.start : a.block.end] == a.block.text for a in result)


def test_attribute_unchanged_revisions_keep_old_numbers():
    assert set(by_text(attribute([(1, REV1), (2, REV1), (3, REV1)])).values()) == {1}
    assert attribute([]) == []
    assert attribute([(4, "")]) == []


def test_attribute_deleting_a_list_item_leaves_neighbours_alone():
    result = by_text(attribute([(1, REV1), (2, REV1.replace("- access\n", ""))]))
    assert result["- housing"] == 1


def test_carry_forward_incrementally_matches_attribute():
    spans = [(len(REV1), 1)]
    spans = carry_forward(spans, line_diff(REV1, REV2), 2)
    spans = carry_forward(spans, line_diff(REV2, REV5), 5)
    assert sum(length for length, _ in spans) == len(REV5)
    assert attribute_blocks(REV5, spans) == attribute([(1, REV1), (2, REV2), (5, REV5)])


def test_carry_forward_with_character_ops():
    spans = carry_forward([(11, 1)], diff("hello world", "hello big world"), 2)
    per_char = "".join(str(rev) * length for length, rev in spans)
    assert per_char == "111111222211111"
    with pytest.raises(ValueError):
        carry_forward([(3, 1)], diff("hello", "help"), 2)


# --------------------------------------------------------------------------------------- blocks


def test_split_blocks_headings_lists_code_and_tables():
    text = (
        "# Title\n"
        "Intro line one\nintro line two\n"
        "\n"
        "- first\n"
        "* second\n  continued\n"
        "+ third\n"
        "1. numbered\n"
        "2) also numbered\n"
        "\n"
        "```python\n"
        "code = 1\n"
        "\n"
        "more = 2\n"
        "```\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
        "\n"
        "## Next\n"
        "~~~\n\n~~~\n"
        "Last paragraph"
    )
    blocks = split_blocks(text)
    assert [b.text for b in blocks] == [
        "# Title",
        "Intro line one\nintro line two",
        "- first",
        "* second\n  continued",
        "+ third",
        "1. numbered",
        "2) also numbered",
        "```python\ncode = 1\n\nmore = 2\n```",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "## Next",
        "~~~\n\n~~~",
        "Last paragraph",
    ]
    assert all(text[b.start : b.end] == b.text for b in blocks)


def test_split_blocks_edge_cases():
    assert split_blocks("") == []
    assert split_blocks("\n\n  \n") == []
    assert split_blocks("para\r\n\r\nnext\r\n") == [Block(0, 4, "para"), Block(8, 12, "next")]
    assert [b.text for b in split_blocks("```\nunclosed\n\nfence")] == ["```\nunclosed\n\nfence"]
    assert [b.text for b in split_blocks("#hashtag is text\n---")] == ["#hashtag is text\n---"]
