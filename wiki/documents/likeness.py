"""How alike two passages are, to decide what a diff shows as edited and what as replaced (PURE).

Readers want a reworded sentence shown word by word and a rewritten one shown replaced; a word diff
of two unrelated passages only matches scattered "the"/"and" — noise that semantic cleanup removes
again — and it is also where Myers is slowest (its time grows with the number of differences). Two
measures, on words (whitespace dropped, punctuation kept):

- shared words (Dice coefficient of the word multisets): low for a different vocabulary;
- shared neighbouring word pairs: low for unrelated sentences even when common words make the
  first measure high, while a reworded sentence keeps most of its pairs.
"""

from __future__ import annotations

from collections import Counter

SHARED_WORDS = 0.4  # below this share of common words a passage is shown as replaced ...
SHARED_PAIRS = 0.2  # ... or below this share of common word pairs
MIN_WORDS = 8  # ... if it has at least this many words (both sides together): shorter ones are always diffed
PAIRED = 0.3  # share of common word pairs from which two sentences count as one edited sentence


def unrelated(wa: list[str], wb: list[str]) -> bool:
    """True if the passages (as word lists) share too little to be worth a word diff. Passages of a
    few words are always diffed: there Myers is cheap and the coefficients too coarse to trust."""
    total = len(wa) + len(wb)
    if total < MIN_WORDS:
        return False
    if dice(neighbours(wa), neighbours(wb)) < SHARED_PAIRS:  # the cheaper test first
        return True
    return 2 * sum((Counter(wa) & Counter(wb)).values()) < SHARED_WORDS * total


def neighbours(words: list[str]) -> set:
    return set(zip(words, words[1:], strict=False))


def dice(x: set, y: set) -> float:
    return 2 * len(x & y) / (len(x) + len(y)) if x or y else 0.0


def align(ga: list[set], gb: list[set]) -> list[tuple[int, int]]:
    """Pair sentences (given as ``neighbours`` sets) in order: the pairs with a similarity of at
    least PAIRED and the largest total similarity, from a longest-common-subsequence table over
    k x m sentences (a changed run has a few)."""
    k, m = len(ga), len(gb)
    sim = [[dice(x, y) for y in gb] for x in ga]
    score = [[0.0] * (m + 1) for _ in range(k + 1)]
    for i in range(k - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best = max(score[i + 1][j], score[i][j + 1])
            if sim[i][j] >= PAIRED:
                best = max(best, sim[i][j] + score[i + 1][j + 1])
            score[i][j] = best
    pairs, i, j = [], 0, 0
    while i < k and j < m:
        if sim[i][j] >= PAIRED and score[i][j] == sim[i][j] + score[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif score[i][j] == score[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs
