"""Unit tests for wiki.comments.anchoring: quote selectors, position mapping, re-anchoring (issue 5).

No Flask, no database: the module is stdlib + diff_match_patch + wiki.documents.revisions. Offsets
are code points into the Markdown source.
"""

import random

import pytest

from wiki.comments.anchoring import (
    ANCHORED,
    CONTEXT,
    ORPHANED,
    Anchor,
    PositionMap,
    Quote,
    anchor_all,
    make_quote,
    reanchor,
    verify,
)
from wiki.documents.revisions import DELETE, EQUAL, INSERT, diff

DOC = """# Mental health strategy 2025–2030

## 1. Access

We will make it easier for people to reach support when they need it, wherever they live. Waiting \
times for a frist appointment will fall below four weeks by 2027, and every practice will offer \
evening sessions.

## 2. Crisis care

A crisis line staffed around the clock will connect callers with a trained responder within \
minutes. Partners will share one referral form so nobody has to tell their story twice.

## 3. Housing

Stable housing is part of recovery: we will fund forty supported tenancies each year and work with \
landlords on early warning signs before a tenancy fails.
"""


def anchor(text, passage, occurrence=0):
    """An anchored thread on the ``occurrence``-th appearance of ``passage`` in ``text``."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(passage, start + 1)
    return Anchor(start, start + len(passage), make_quote(text, start, start + len(passage)))


def reads(text, a):
    return text[a.start : a.end]


def assert_valid(text, placed):
    for a in placed:
        assert 0 <= a.start <= a.end <= len(text)
        if a.state == ANCHORED:
            assert reads(text, a) == a.quote.exact
            assert a.quote == make_quote(text, a.start, a.end)  # context refreshed from the new text


# ------------------------------------------------------------------------------ make_quote / verify


def test_make_quote_takes_32_characters_of_context():
    start = DOC.index("Partners will share")
    quote = make_quote(DOC, start, start + 19)
    assert quote.exact == "Partners will share"
    assert quote.prefix == DOC[start - CONTEXT : start] and len(quote.prefix) == CONTEXT
    assert quote.suffix == DOC[start + 19 : start + 19 + CONTEXT]


def test_make_quote_context_is_cut_at_the_text_edges():
    assert make_quote("Hello world", 0, 5) == Quote("Hello", "", " world")
    assert make_quote("Hello world", 6, 11) == Quote("world", "Hello ", "")


@pytest.mark.parametrize(("start", "end"), [(-1, 3), (0, 12), (5, 5), (6, 2), (0.0, 3), (True, 3), (0, None)])
def test_make_quote_rejects_bad_ranges_and_empty_selections(start, end):
    with pytest.raises(ValueError):
        make_quote("Hello world", start, end)


def test_make_quote_and_verify_count_code_points():
    text = "Plan 🙂 支援サービス for cafe\u0301 users"
    start = text.index("支援")
    quote = make_quote(text, start, start + 6)
    assert quote.exact == "支援サービス" and quote.prefix == "Plan 🙂 " and start == 7
    accent = text.index("cafe\u0301")
    assert make_quote(text, accent, accent + 5).exact == "cafe\u0301"  # the combining accent is 1 code point
    assert verify(text, start, start + 6, quote)
    assert not verify(text, start + 1, start + 7, quote)


def test_verify_accepts_the_real_selection_with_full_or_shorter_context():
    start = DOC.index("one referral form")
    end = start + len("one referral form")
    quote = make_quote(DOC, start, end)
    assert verify(DOC, start, end, quote)
    assert verify(DOC, start, end, Quote(quote.exact, quote.prefix[-5:], quote.suffix[:3]))
    assert verify(DOC, start, end, Quote(quote.exact))


@pytest.mark.parametrize(
    ("shift", "quote"),
    [
        (0, Quote("one referral farm")),  # the text says otherwise
        (1, Quote("one referral form")),  # right quote, wrong position
        (0, Quote("one referral form", prefix="will swap ")),  # a prefix that is not the real one
        (0, Quote("one referral form", suffix=" to nobody")),
        (0, Quote("one referral")),  # the quote is shorter than the selection
    ],
)
def test_verify_rejects_a_mismatching_quote(shift, quote):
    start = DOC.index("one referral form") + shift
    assert not verify(DOC, start, start + 17, quote)


@pytest.mark.parametrize(("start", "end"), [(-1, 4), (10, 10), (12, 11), (0, 10**6), ("0", 4)])
def test_verify_rejects_bad_ranges(start, end):
    assert not verify(DOC, start, end, Quote("x"))


# ------------------------------------------------------------------------------------ PositionMap


def test_position_map_insertion_inside_with_bias():
    pm = PositionMap(diff("abcdef", "abXYcdef"))
    assert [pm.map(i) for i in range(7)] == [0, 1, 2, 5, 6, 7, 8]
    assert [pm.map(i, "right") for i in range(7)] == [0, 1, 4, 5, 6, 7, 8]


def test_position_map_insertion_before_and_after_everything():
    before = PositionMap([(INSERT, "> "), (EQUAL, "abc")])
    assert (before.map(0), before.map(0, "right"), before.map(2), before.map(3)) == (0, 2, 4, 5)
    after = PositionMap([(EQUAL, "abc"), (INSERT, "!!")])
    assert (after.map(3), after.map(3, "right"), after.map(1)) == (3, 5, 1)
    empty = PositionMap([(INSERT, "new")])
    assert (empty.map(0), empty.map(0, "right")) == (0, 3)


def test_position_map_deletion_spanning_positions():
    pm = PositionMap([(EQUAL, "a"), (DELETE, "bcde"), (EQUAL, "f")])
    assert [pm.map(i) for i in range(7)] == [0, 1, 1, 1, 1, 1, 2]
    assert [pm.map(i, "right") for i in range(7)] == [0, 1, 1, 1, 1, 1, 2]


def test_position_map_replacement_left_is_before_and_right_after_the_new_text():
    pm = PositionMap([(EQUAL, "a"), (DELETE, "bcde"), (INSERT, "XY"), (EQUAL, "f")])
    assert (pm.map(3), pm.map(3, "right"), pm.map(1), pm.map(1, "right"), pm.map(5, "right")) == (1, 3, 1, 3, 3)
    assert pm.span(1, 5) == (1, 3)  # the whole replaced passage is now "XY"
    assert pm.span(0, 6) == (0, 4)
    assert pm.kept(0, 6) == 2 and pm.kept(1, 5) == 0


def test_position_map_trimmed_span_leaves_out_replacements_straddling_its_ends():
    pm = PositionMap([(EQUAL, "a"), (DELETE, "bcde"), (INSERT, "XY"), (EQUAL, "f")])
    assert pm.span(3, 6) == (2, 4)  # best guess: halfway through the replacement
    assert pm.span(3, 6, trim=True) == (3, 4)  # only the surviving "f"
    assert pm.span(1, 6, trim=True) == (1, 4)  # the replacement of the span's own start is kept
    assert pm.span(0, 3, trim=True) == (0, 1)
    assert pm.span(0, 5, trim=True) == (0, 3)


def test_position_map_identity_and_errors():
    pm = PositionMap([(EQUAL, "hello")])
    assert [pm.map(i, b) for b in ("left", "right") for i in range(6)] == [*range(6), *range(6)]
    with pytest.raises(ValueError):
        pm.map(6)
    with pytest.raises(ValueError):
        pm.map(-1)
    with pytest.raises(ValueError):
        pm.map(2, "middle")


def test_position_map_agrees_with_the_diff_on_random_unicode_edits():
    rng = random.Random(3)
    alphabet = "ab c\n🙂支e\u0301"
    for _ in range(200):
        old = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        new = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        ops = diff(old, new)
        pm = PositionMap(ops)
        a = 0
        b = 0
        for op, text in ops:  # every kept character maps onto the same character
            if op == EQUAL:
                for k in range(len(text)):
                    assert pm.map(a + k, "right") == b + k and pm.map(a + k + 1) == b + k + 1
            a += len(text) if op != INSERT else 0
            b += len(text) if op != DELETE else 0
        assert pm.map(len(old)) <= len(new) and pm.map(0, "right") >= 0


# --------------------------------------------------------------------------------------- reanchor


def test_unchanged_text_keeps_every_anchor_as_is():
    anchors = [anchor(DOC, "Waiting times"), anchor(DOC, "# Mental"), anchor(DOC, "fails.\n")]
    placed = reanchor(DOC, DOC, anchors)
    assert all(p is a for p, a in zip(placed, anchors, strict=True))


def test_insertion_before_shifts_the_anchor():
    a = anchor(DOC, "one referral form")
    new = DOC.replace("## 1. Access", "## 1. Access to care 🙂 支援")
    (placed,) = reanchor(DOC, new, [a])
    assert placed.state == ANCHORED and placed.start == a.start + len(" to care 🙂 支援")
    assert reads(new, placed) == "one referral form" and placed.quote == a.quote


def test_insertion_right_at_the_boundaries_stays_outside_the_quote():
    a = anchor(DOC, "one referral form")
    new = DOC.replace("one referral form", "just one referral form today")
    (placed,) = reanchor(DOC, new, [a])
    assert reads(new, placed) == "one referral form"
    assert placed.quote.prefix.endswith("share just ") and placed.quote.suffix.startswith(" today so")


def test_small_typo_fix_inside_the_quote_re_anchors_to_the_fixed_passage():
    a = anchor(DOC, "Waiting times for a frist appointment")
    new = DOC.replace("frist", "first")
    (placed,) = reanchor(DOC, new, [a])
    assert placed.state == ANCHORED and reads(new, placed) == "Waiting times for a first appointment"
    assert placed.quote == make_quote(new, placed.start, placed.end)


def test_rewrite_straddling_the_quote_keeps_it_on_what_survived():
    a = anchor(DOC, "evening sessions.\n\n## 2. Crisis care\n\nA crisis line staffed around the clock")
    start = DOC.index("We will make it")
    new = DOC[:start] + "Clinics open late on Thursdays, and the web booking form replaces phone queues." + DOC[
        DOC.index("\n\n## 2.") :
    ]
    (placed,) = reanchor(DOC, new, [a])
    assert placed.state == ANCHORED
    assert reads(new, placed).lstrip(".") == "\n\n## 2. Crisis care\n\nA crisis line staffed around the clock"


def test_text_typed_inside_the_quote_widens_it():
    a = anchor(DOC, "Partners will share one referral form")
    new = DOC.replace("share one", "share, from April 2026 onwards, one")
    (placed,) = reanchor(DOC, new, [a])
    assert reads(new, placed) == "Partners will share, from April 2026 onwards, one referral form"


def test_moved_paragraph_is_found_at_its_new_place():
    crisis = DOC[DOC.index("## 2.") : DOC.index("## 3.")]
    moved = DOC.replace(crisis, "") + "\n" + crisis
    anchors = [anchor(DOC, "connect callers with a trained responder"), anchor(DOC, "## 2. Crisis care\n\nA crisis")]
    placed = reanchor(DOC, moved, anchors)
    assert [p.state for p in placed] == [ANCHORED, ANCHORED]
    assert [reads(moved, p) for p in placed] == [a.quote.exact for a in anchors]
    assert placed[0].start > moved.index("## 3.")


def test_duplicate_phrase_elsewhere_picks_the_one_with_matching_context():
    text = DOC.replace("Stable housing is", "We will share one referral form with landlords. Stable housing is")
    a = anchor(text, "one referral form", occurrence=0)  # in the crisis section
    crisis = text[text.index("## 2.") : text.index("## 3.")]
    moved = text.replace(crisis, "") + "\n" + crisis  # crisis section now last; the housing copy is nearer
    (placed,) = reanchor(text, moved, [a])
    assert placed.state == ANCHORED and placed.start == moved.rindex("one referral form")


def test_deleted_passage_is_orphaned_with_its_original_quote():
    a = anchor(DOC, "Partners will share one referral form so nobody has to tell their story twice.")
    new = DOC.replace(" Partners will share one referral form so nobody has to tell their story twice.", "")
    (placed,) = reanchor(DOC, new, [a])
    assert placed.state == ORPHANED and placed.quote == a.quote
    assert 0 <= placed.start <= placed.end <= len(new)
    assert abs(placed.start - new.index("## 3.")) < 10  # where the passage was


def test_heavy_rewrite_of_the_passage_orphans_it():
    a = anchor(DOC, "fund forty supported tenancies each year")
    new = DOC.replace(
        "Stable housing is part of recovery: we will fund forty supported tenancies each year and work with "
        "landlords on early warning signs before a tenancy fails.",
        "Homes matter. A new council scheme, run by the housing team, replaces the tenancy programme entirely.",
    )
    (placed,) = reanchor(DOC, new, [a])
    assert placed.state == ORPHANED and placed.quote == a.quote


def test_a_short_phrase_that_only_recurs_elsewhere_does_not_keep_a_thread():
    a = anchor(DOC, "support", occurrence=0)
    new = DOC.replace("people to reach support when they need it", "everyone to get help quickly")
    assert "support" in new
    (placed,) = reanchor(DOC, new, [a])
    assert placed.state == ORPHANED


def test_orphan_re_attaches_when_its_quote_reappears_with_context():
    a = anchor(DOC, "one referral form so nobody has to tell")
    cut = DOC.replace(" Partners will share one referral form so nobody has to tell their story twice.", "")
    (orphan,) = reanchor(DOC, cut, [a])
    (still,) = reanchor(cut, cut.replace("# Mental", "# Our mental"), [orphan])
    assert still.state == ORPHANED and still.quote == a.quote
    restored = cut.replace("within minutes.", "within minutes. Partners will share one referral form so nobody has "
                                              "to tell their story twice.")
    (back,) = reanchor(cut, restored, [orphan])
    assert back.state == ANCHORED and reads(restored, back) == a.quote.exact
    assert back.start == restored.index(a.quote.exact)


def test_orphan_does_not_re_attach_to_its_quote_without_its_context():
    a = anchor(DOC, "Partners will share one referral form")
    cut = DOC.replace("Partners will share one referral form so nobody has to tell their story twice.", "")
    (orphan,) = reanchor(DOC, cut, [a])
    elsewhere = cut.replace("# Mental health", "Partners will share one referral form\n\n# Mental health")
    (placed,) = reanchor(cut, elsewhere, [orphan])
    assert placed.state == ORPHANED


def test_fuzzy_match_when_the_diff_is_coarse():
    """A diff showing everything replaced leaves the passage to diff-match-patch's bitap (head and
    tail matched separately for a quote over 32 characters)."""
    a = anchor(DOC, "Partners will share one referral form so nobody has to tell their story twice.")
    new = DOC.replace("share one referral form", "share one refferal form")
    (placed,) = reanchor(DOC, new, [a], ops=[(DELETE, DOC), (INSERT, new)])
    assert placed.state == ANCHORED
    assert reads(new, placed) == "Partners will share one refferal form so nobody has to tell their story twice."
    short = anchor(DOC, "evening sessions")
    new = DOC.replace("evening sessions", "evenings sessions")
    (placed,) = reanchor(DOC, new, [short], ops=[(DELETE, DOC), (INSERT, new)])
    assert placed.state == ANCHORED and reads(new, placed) == "evenings sessions"


def test_fuzzy_match_rejects_a_rewritten_middle_even_with_matching_ends():
    a = anchor(DOC, "Partners will share one referral form so nobody has to tell their story twice.")
    new = DOC.replace("share one referral form so nobody has to tell", "keep separate files, as agreed, and ask about")
    (placed,) = reanchor(DOC, new, [a], ops=[(DELETE, DOC), (INSERT, new)])
    assert placed.state == ORPHANED and placed.quote == a.quote


def test_the_fast_path_needs_no_search(monkeypatch):
    """After an edit elsewhere every thread is placed by the position map alone: no match_main."""

    def refuse(*args):
        raise AssertionError("match_main called")

    monkeypatch.setattr("diff_match_patch.diff_match_patch.match_main", refuse)
    anchors = [anchor(DOC, "Waiting times"), anchor(DOC, "trained responder"), anchor(DOC, "early warning")]
    new = DOC.replace("## 1. Access", "## 1. Access and choice").replace("fails.", "fails. More later.")
    assert [reads(new, p) for p in reanchor(DOC, new, anchors)] == ["Waiting times", "trained responder",
                                                                     "early warning"]


def test_unicode_edits_around_and_inside_the_quote():
    text = "Intro 🙂 paragraph.\n\nWe offer 支援サービス to cafe\u0301 owners and naïve newcomers alike, every day.\n"
    a = anchor(text, "支援サービス to cafe\u0301 owners")
    shifted = text.replace("Intro 🙂", "Intro 🙂🙂 支援")
    (placed,) = reanchor(text, shifted, [a])
    assert placed.start == a.start + 4 and reads(shifted, placed) == a.quote.exact
    edited = text.replace("cafe\u0301", "café")  # combining accent to precomposed: one code point fewer
    (placed,) = reanchor(text, edited, [a])
    assert placed.state == ANCHORED and reads(edited, placed) == "支援サービス to café owners"


def test_results_keep_order_and_ops_must_match_the_texts():
    anchors = [anchor(DOC, "Housing"), anchor(DOC, "Access"), anchor(DOC, "Crisis")]
    new = DOC.replace("## 1.", "## One.")
    assert [reads(new, p) for p in reanchor(DOC, new, anchors)] == ["Housing", "Access", "Crisis"]
    with pytest.raises(ValueError):
        reanchor(DOC, new, anchors, ops=[(EQUAL, DOC)])


def test_anchor_all_repairs_stale_positions_and_orphans_missing_quotes():
    good = anchor(DOC, "trained responder")
    stale = Anchor(good.start + 7, good.end + 7, good.quote)
    missing = Anchor(10, 20, Quote("a passage nobody ever wrote", "", ""))
    placed = anchor_all(DOC, [good, stale, missing])
    assert placed[0] is good and (placed[1].start, placed[1].end) == (good.start, good.end)
    assert placed[2].state == ORPHANED and placed[2].quote == missing.quote


def test_anchor_positions_outside_the_old_text_are_clamped():
    a = Anchor(len(DOC) + 50, len(DOC) + 60, Quote("nowhere at all in this text"), ORPHANED)
    (placed,) = reanchor(DOC, DOC + "More.", [a])
    assert placed.state == ORPHANED and placed.start == placed.end <= len(DOC) + 5


# ------------------------------------------------------------------------- scale and property tests

WORDS = ["people", "lived", "experience", "recovery", "support", "community", "service", "access", "housing",
         "peer", "carers", "crisis", "outcomes", "evidence", "consultation", "partners", "funding", "priority",
         "café", "naïve", "支援", "e\u0301", "🙂", "the", "and", "we", "will", "for", "of"]


def prose(rng, size):
    """Paragraphs of random words, about ``size`` characters."""
    paragraphs, n = [], 0
    while n < size:
        words = [rng.choice(WORDS) for _ in range(rng.randint(20, 80))]
        paragraph = " ".join(words).capitalize() + "."
        paragraphs.append(paragraph if len(paragraphs) % 6 else f"## {paragraph[:30]}")
        n += len(paragraphs[-1]) + 2
    return "\n\n".join(paragraphs) + "\n"


def random_anchors(rng, text, count, lengths=(10, 200)):
    anchors = []
    for _ in range(count):
        n = rng.randint(*lengths)
        start = rng.randrange(len(text) - n)
        anchors.append(Anchor(start, start + n, make_quote(text, start, start + n)))
    return anchors


def test_500_threads_on_100_kb_after_a_1_percent_edit_stay_valid():
    rng = random.Random(2024)
    old = prose(rng, 100_000)
    anchors = random_anchors(rng, old, 500)
    new, budget = old, len(old) // 100
    while budget > 0:
        i, n = rng.randrange(len(new)), rng.randint(1, 40)
        word = f" {rng.choice(WORDS)} "
        new = rng.choice([new[:i] + word + new[i:], new[:i] + new[i + n :], new[:i] + word + new[i + n :]])
        budget -= n
    placed = reanchor(old, new, anchors)
    assert len(placed) == 500
    assert_valid(new, placed)
    assert sum(p.state == ANCHORED for p in placed) >= 450


def edit_away_from(rng, text, anchors, margin):
    """One random insert / delete / replace at least ``margin`` characters from every anchor; returns
    the new text and the anchors' true new starts, or None if no room was found."""
    for _ in range(50):
        i, n = rng.randrange(len(text) + 1), rng.randint(0, 30)
        word = rng.choice(["", f" {rng.choice(WORDS)} ", "\n\nNew paragraph 🙂.\n\n"])
        j = min(len(text), i + n)
        if not word and i == j:
            continue
        if all(j + margin <= a.start or a.end + margin <= i for a in anchors):
            delta = len(word) - (j - i)
            return text[:i] + word + text[j:], [a.start + delta if a.start >= j else a.start for a in anchors]
    return None


def test_random_edits_away_from_anchors_never_orphan_them():
    rng = random.Random(7)
    for case in range(100):
        old = prose(rng, rng.randint(1500, 4000))
        anchors = random_anchors(rng, old, 8, lengths=(5, 80))
        new, starts = old, [a.start for a in anchors]
        for _ in range(rng.randint(1, 5)):
            moved = [Anchor(s, s + len(a.quote.exact), a.quote) for s, a in zip(starts, anchors, strict=True)]
            step = edit_away_from(rng, new, moved, margin=CONTEXT + 1)
            if step:
                new, starts = step
        placed = reanchor(old, new, anchors)
        assert [p.state for p in placed] == [ANCHORED] * len(anchors), case
        assert [p.start for p in placed] == starts, case
        assert_valid(new, placed)


def test_random_edits_anywhere_always_give_valid_anchors():
    rng = random.Random(8)
    for _ in range(100):
        old = prose(rng, rng.randint(500, 3000))
        anchors = random_anchors(rng, old, 10, lengths=(1, 60))
        new = old
        for _ in range(rng.randint(1, 8)):
            i, n = rng.randrange(len(new)), rng.randint(1, 120)
            new = new[:i] + rng.choice(["", f" {rng.choice(WORDS)} ", prose(rng, 50)]) + new[i + n :]
        placed = reanchor(old, new, anchors)
        assert len(placed) == len(anchors)
        assert_valid(new, placed)
        again = reanchor(new, new, placed)  # placing on the same text again changes nothing
        assert again == placed
