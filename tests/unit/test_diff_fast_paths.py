"""The diff's fast paths (issue 3's "any diff <= 50 ms"): token Myers, sentence pairing, and
showing unrelated passages replaced. Each must stay exact (both texts rebuilt, never cut short)
and readable: an edited sentence shows its changed words, a rewritten one shows replaced."""

import random

import pytest

from wiki.documents import likeness, tokendiff
from wiki.documents.revisions import DELETE, EQUAL, INSERT, diff, diff_stats, diff_with_report


def sides(ops):
    return "".join(t for op, t in ops if op != INSERT), "".join(t for op, t in ops if op != DELETE)


def changes(ops):
    return [(op, text) for op, text in ops if op != EQUAL]


def test_token_myers_is_exact_and_minimal():
    """Same edit length as diff-match-patch's own (timeout-free, so minimal) diff, on many grids."""
    rng = random.Random(11)
    for _ in range(3000):
        a = "".join(rng.choice("abcde") for _ in range(rng.randint(0, 30)))
        b = "".join(rng.choice("abcde") for _ in range(rng.randint(0, 30)))
        ops = tokendiff._myers(a, b)
        assert sides(ops) == (a, b)
        assert all(text for _, text in ops)
        assert all(x[0] != y[0] and (x[0], y[0]) != (INSERT, DELETE) for x, y in zip(ops, ops[1:], strict=False))
        minimal = sum(len(t) for op, t in tokendiff.DMP.diff_main(a, b, False) if op)
        assert sum(len(t) for op, t in ops if op) == minimal, (a, b)


def test_no_diff_is_ever_cut_short_by_a_timeout():
    """diff-match-patch runs without a deadline; a two-thirds rewrite of 60 KB still comes back
    complete and fine-grained (a cut-short diff is one delete + insert of everything)."""
    assert tokendiff.DMP.Diff_Timeout == 0
    rng = random.Random(12)
    vocabulary = [f"w{i}" for i in range(400)] + ["the", "and", "of"] * 40
    paragraphs = [" ".join(rng.choice(vocabulary) for _ in range(60)) + "." for _ in range(150)]
    old = "\n\n".join(paragraphs) + "\n"
    edited = [p.replace(" the ", " THE ", 1) if i % 3 else " ".join(reversed(p.split()))
              for i, p in enumerate(paragraphs)]
    new = "\n\n".join(edited) + "\n"
    ops, coarse = diff_with_report(old, new)
    assert sides(ops) == (old, new) and coarse == 0
    removed, added = diff_stats(ops)
    assert removed < 0.6 * len(old) and len(ops) > 200


def test_a_reworded_sentence_keeps_word_precision_next_to_a_rewritten_one():
    old = ("Peer support groups will meet every week in each town. "
           "Funding for the crisis line is agreed until the end of March. "
           "We will publish the results in the annual report for everyone.\n")
    new = ("Peer support groups will meet every fortnight in each town. "
           "A new advisory board of carers and people with lived experience is formed. "
           "We will publish the results in the annual report for everyone.\n")
    ops = diff(old, new)
    assert sides(ops) == (old, new)
    assert (DELETE, "week") in ops and (INSERT, "fortnight") in ops
    # the rewritten sentence is one replacement, not matched on "the" / "of"
    assert (DELETE, "Funding for the crisis line is agreed until the end of March") in ops
    assert (INSERT, "A new advisory board of carers and people with lived experience is formed") in ops


def test_long_runs_of_changed_sentences_are_paired_sentence_by_sentence():
    """Five list items, each edited or rewritten: the edited ones show only their changed words."""
    old_items = ["Open two more peer support cafés in the north.", "Train all staff in trauma informed care.",
                 "Review the crisis pathway with the police.", "Extend the helpline opening hours to midnight.",
                 "Publish waiting times for every service monthly."]
    new_items = ["Open four more peer support cafés in the north.", "Hold a summer festival for young carers.",
                 "Review the crisis pathway with the police and ambulance service.",
                 "Build a new community hub beside the library.", "Publish waiting times for every service weekly."]
    old = "".join(f"- {item}\n" for item in old_items)
    new = "".join(f"- {item}\n" for item in new_items)
    ops = diff(old, new)
    assert sides(ops) == (old, new)
    found = changes(ops)
    assert (DELETE, "two") in found and (INSERT, "four") in found
    assert any(op == INSERT and text.startswith(" and ambulance service") for op, text in found)
    assert not any(word in text for _, text in found for word in ("Open", "Review", "police", "Publish waiting"))
    assert any(op == DELETE and "Train all staff in trauma informed care" in text for op, text in found)
    assert any(op == INSERT and "Hold a summer festival for young carers" in text for op, text in found)


def test_a_rewrite_of_thousands_of_sentences_at_once_is_shown_replaced_not_paired():
    """Pairing fills sentences x sentences tables: a whole rewritten chapter on one line (any editor
    can save one) is shown as one replacement, counted as coarse, instead of pairing 3,000 x 3,000."""
    rng = random.Random(7)
    words = [f"w{n}" for n in range(400)]

    def sentences(count):
        return " ".join(" ".join(rng.choice(words) for _ in range(8)).capitalize() + "." for _ in range(count))

    old, new = f"Intro.\n{sentences(3000)}\nEnd.\n", f"Intro.\n{sentences(3000)}\nEnd.\n"
    ops, coarse = diff_with_report(old, new)
    assert sides(ops) == (old, new)
    assert coarse == 1
    small_old, small_new = sentences(5), sentences(5)
    assert diff_with_report(small_old, small_new)[1] == 0  # a few sentences are still paired


def test_unrelated_passages_that_share_common_words_are_replaced():
    """Half their words are shared (so the shared-words measure alone would word-diff them), but
    hardly a pair of neighbours: shown as one replacement, not matched on "the town" / "the region"."""
    old = "The council will fund the new housing scheme for the town and the region."
    new = "We asked the people of the town what the region needs from the council."
    assert diff(old, new) == [(DELETE, old[:-1]), (INSERT, new[:-1]), (EQUAL, ".")]
    wa, wb = old.split(), new.split()
    assert likeness.unrelated(wa, wb)
    assert not likeness.unrelated(wa[:3], wb[:3])  # a few words are always diffed


def test_align_pairs_sentences_in_order_with_their_best_partner():
    def grams(text):
        return likeness.neighbours(text.split())

    old = [grams(s) for s in ("a b c d e", "f g h i j", "k l m n o")]
    new = [grams(s) for s in ("x y z w v", "a b c d q", "k l m n o", "f g h i j")]
    # (0, 1) is the only partner of "a b c d e"; of the two exact matches only one fits in order
    assert likeness.align(old, new) in ([(0, 1), (2, 2)], [(0, 1), (1, 3)])
    assert likeness.align([], new) == [] and likeness.align(old, []) == []


def test_diffing_leaves_the_garbage_collector_as_it_found_it():
    """The cyclic collector is paused while a diff runs (it makes no cycles) and then restored —
    also when an app had turned it off, and when the diff raises."""
    import gc

    assert gc.isenabled()
    seen = []
    real = tokendiff._myers

    def spy(a, b):
        seen.append(gc.isenabled())
        return real(a, b)

    tokendiff._myers = spy
    try:
        diff("We will meet every week in the old town hall with all our partners.\n",
             "We will meet every month in the new town hall with our partners.\n")
        assert seen and not any(seen) and gc.isenabled()
        gc.disable()
        diff("a b c\n", "a x c\n")
        assert not gc.isenabled()
    finally:
        gc.enable()
        tokendiff._myers = real
    with pytest.raises(TypeError):
        diff("text", None)
    assert gc.isenabled()
