"""Exact, fast text diffs on diff-match-patch (PURE: stdlib + diff_match_patch only).

Why not a bare ``diff_main``: with its default 1 s timeout a large change comes back cut short (one
big delete + insert), and with no timeout Myers' O(N·D) in pure Python is slow on 100 KB. So the
work is split into exact stages, none of which has a timeout (``Diff_Timeout = 0``):

1. ``line_diff`` — line-aligned: trim the common prefix/suffix, then split both texts at a line
   that occurs exactly once in each (found with C-speed ``str.count``/``str.find``) and recurse;
   small or anchor-less pieces get a line-level Myers (dmp on one-char-per-line strings). This is
   git's patience idea, and it makes scattered edits in 100 KB cost well under a millisecond.
2. refinement — each replaced run of lines is re-diffed character-wise; a run too large for a
   cheap character Myers is diffed by words first, then its changed word runs by characters.
3. ``diff_cleanupSemantic`` so edit boundaries fall where a reader expects them.

Where a Myers grid would be too large (a rewrite with nothing in common) the rarest common token is
used as a split point instead (git's histogram idea); the result is always a complete diff. A
changed word run too large to refine stays word-level and is counted as "coarse" in
``diff_with_report`` — a granularity choice, never lost text.
"""

from __future__ import annotations

import re
from collections import Counter

from diff_match_patch import diff_match_patch

Op = tuple[int, str]  # (-1 delete | 0 equal | 1 insert, text), the diff-match-patch convention
DELETE, EQUAL, INSERT = -1, 0, 1

_PIECE = 4096  # chars (both sides): below this a piece goes straight to line-level Myers
_ANCHOR_TRIES = 12  # candidate anchor lines tried per piece before giving up
_ANCHOR_MIN = 12  # shorter lines (blank, "|---|", "- x") are rarely unique: not tried
_TOKEN_CELLS = 90_000  # max len(a) * len(b) for a token-level Myers (~30 ms worst case)
_CHAR_CELLS = 40_000  # max len(a) * len(b) for a character-level Myers (~14 ms worst case)
_DIRECT_CELLS = 2_500  # larger replaced runs are diffed by words first: far fewer Myers steps
# Refinement levels. Sentences (or clauses) with their trailing space; words, where CJK and other
# unspaced scripts fall to one token per character.
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*\s*|[.!?;\n]+\s*")
_WORD = re.compile(r"[^\W\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]+|\s+|.", re.S)
_LEVELS = (_SENTENCE, _WORD)

_DMP = diff_match_patch()
_DMP.Diff_Timeout = 0  # never cut a diff short; the staging above keeps it fast


def diff(old: str, new: str) -> list[Op]:
    """Character diff of ``old`` → ``new``, complete and semantically cleaned up."""
    return diff_with_report(old, new)[0]


def diff_with_report(old: str, new: str) -> tuple[list[Op], int]:
    """``diff`` plus the number of changed runs left word-level because they were too large to
    refine by character (benchmarks and tests assert it stays 0 on ordinary edits)."""
    if old == new:
        return ([(EQUAL, old)] if old else []), 0
    coarse = [0]
    ops: list[Op] = []
    pending: list[Op] = []
    for op in line_diff(old, new):
        if op[0] != EQUAL:
            pending.append(op)
            continue
        ops.extend(_refine_run(pending, coarse))
        pending = []
        ops.append(op)
    ops.extend(_refine_run(pending, coarse))
    return _merge_adjacent(ops), coarse[0]


def line_diff(old: str, new: str) -> list[Op]:
    """Diff whose ops are whole lines (the last line may lack its newline). Used directly by
    merge (conflicts are decided per line) and attribution (a block changes when a line does)."""
    ops: list[Op] = []
    stack = [(old, new)]
    while stack:
        item = stack.pop()
        if isinstance(item[0], int):
            ops.append(item)  # an anchor line, already an op
            continue
        a, b = item
        head, a, b, tail = _trim_lines(a, b)
        if head:
            ops.append((EQUAL, head))
        if tail:
            stack.append((EQUAL, tail))
        split = _find_anchor(a, b) if len(a) + len(b) > _PIECE else None
        if split is None:
            ops.extend(_line_myers(a, b))
            continue
        i, j, line = split
        stack.extend([(a[i + len(line) :], b[j + len(line) :]), (EQUAL, line), (a[:i], b[:j])])
    return _merge_adjacent(ops)


def lines(text: str) -> list[str]:
    """Split on "\\n" only, keeping it (``str.splitlines`` would also split on \\r, \\x0c, U+2028…,
    which are ordinary characters in Markdown source)."""
    parts = [p + "\n" for p in text.split("\n")]
    parts[-1] = parts[-1][:-1]
    if not parts[-1]:
        parts.pop()
    return parts


def _trim_lines(a: str, b: str) -> tuple[str, str, str, str]:
    """Common prefix and suffix cut back to line boundaries: (head, a_mid, b_mid, tail)."""
    p = _DMP.diff_commonPrefix(a, b)
    if p == len(a) == len(b):
        return a, "", "", ""
    p = a.rfind("\n", 0, p) + 1
    s = _DMP.diff_commonSuffix(a[p:], b[p:])
    if s and not (_at_line_start(a, len(a) - s, p) and _at_line_start(b, len(b) - s, p)):
        k = a.find("\n", len(a) - s)  # keep only the suffix's whole lines
        s = len(a) - k - 1 if k != -1 else 0
    return a[:p], a[p : len(a) - s], b[p : len(b) - s], a[len(a) - s :]


def _at_line_start(text: str, i: int, floor: int) -> bool:
    return i == floor or text[i - 1] == "\n"


def _find_anchor(a: str, b: str) -> tuple[int, int, str] | None:
    """A line near the middle of ``a`` that occurs once in ``a`` and once in ``b``, at a line start
    and not moved far (a moved paragraph would make a poor anchor): (offset in a, in b, line)."""
    slack = max(2048, max(len(a), len(b)) // 4) + abs(len(a) - len(b))
    start = a.rfind("\n", 0, len(a) // 2) + 1
    for _ in range(_ANCHOR_TRIES):
        end = a.find("\n", start)
        if end == -1:
            return None
        line = a[start : end + 1]
        if len(line) > _ANCHOR_MIN and a.count(line) == 1 and b.count(line) == 1:
            j = b.find(line)
            if (j == 0 or b[j - 1] == "\n") and abs(j - start) <= slack:
                return start, j, line
        start = end + 1
    return None


def _line_myers(a: str, b: str) -> list[Op]:
    """Line-level diff of a small piece: one character per distinct line, then Myers."""
    if not a or not b:
        return [(DELETE, a)] if a else ([(INSERT, b)] if b else [])
    return _token_diff(lines(a), lines(b))


def _token_diff(ta: list[str], tb: list[str]) -> list[Op]:
    """Diff two token lists (lines or words) with one code point per distinct token."""
    table: dict[str, int] = {}
    ea = "".join([chr(table.setdefault(t, len(table))) for t in ta])
    eb = "".join([chr(table.setdefault(t, len(table))) for t in tb])
    tokens = list(table)
    return [(op, "".join([tokens[ord(c)] for c in s])) for op, s in _encoded_diff(ea, eb)]


def _encoded_diff(ea: str, eb: str) -> list[Op]:
    """Myers on encoded tokens while the grid is small; otherwise split at the rarest common
    token (histogram diff) so the cost stays bounded. Iterative: no recursion limit."""
    ops: list[Op] = []
    stack: list = [(ea, eb)]
    while stack:
        item = stack.pop()
        if isinstance(item[0], int):
            ops.append(item)
            continue
        a, b = item
        if len(a) * len(b) <= _TOKEN_CELLS:
            ops.extend(_DMP.diff_main(a, b, False))
            continue
        p = _DMP.diff_commonPrefix(a, b)
        s = _DMP.diff_commonSuffix(a[p:], b[p:])
        ops.append((EQUAL, a[:p]))
        stack.append((EQUAL, a[len(a) - s :]))
        a, b = a[p : len(a) - s], b[p : len(b) - s]
        split = _rarest_common(a, b)
        if split is None:
            ops.extend([(DELETE, a), (INSERT, b)])
            continue
        i, j = split
        stack.extend([(a[i + 1 :], b[j + 1 :]), (EQUAL, a[i]), (a[:i], b[:j])])
    return _merge_adjacent(ops)


def _rarest_common(a: str, b: str) -> tuple[int, int] | None:
    """Split point at the token occurring in both with the fewest occurrences: its middle
    occurrence on each side, so that even a frequent token (a blank line) halves the work."""
    ca, cb = Counter(a), Counter(b)
    common = ca.keys() & cb.keys()
    if not common:
        return None
    pivot = min(common, key=lambda c: ca[c] + cb[c])
    k = min(ca[pivot], cb[pivot]) // 2
    return _nth(a, pivot, k), _nth(b, pivot, k)


def _nth(text: str, char: str, k: int) -> int:
    i = text.find(char)
    for _ in range(k):
        i = text.find(char, i + 1)
    return i


def _refine_run(run: list[Op], coarse: list[int]) -> list[Op]:
    """Re-diff one replaced run of whole lines finely, then clean it up semantically. The cleanup is
    per run: equal lines between runs stay equal (a global pass would fold a blank line between
    two edited paragraphs into one big replacement, and it is quadratic on thousands of ops)."""
    old = "".join(t for op, t in run if op == DELETE)
    new = "".join(t for op, t in run if op == INSERT)
    if not old or not new:
        return run
    ops = _merge_adjacent(_refine(old, new, 0, coarse))
    _DMP.diff_cleanupSemantic(ops)
    return ops


def _refine(old: str, new: str, level: int, coarse: list[int]) -> list[Op]:
    """Character diff of a replaced run; a large run is first split by sentences, then by words
    (each level's Myers sees a few dozen tokens), and only small leftovers meet character Myers."""
    p = _DMP.diff_commonPrefix(old, new)
    s = _DMP.diff_commonSuffix(old[p:], new[p:])
    a, b = old[p : len(old) - s], new[p : len(new) - s]
    cells = len(a) * len(b)
    if cells <= _DIRECT_CELLS or (level == len(_LEVELS) and cells <= _CHAR_CELLS):
        middle = _DMP.diff_main(a, b, False)
    elif level == len(_LEVELS):
        coarse[0] += 1
        middle = [(DELETE, a), (INSERT, b)]
    else:
        middle = []
        for x, y in _changed_runs(_token_diff(_LEVELS[level].findall(a), _LEVELS[level].findall(b))):
            middle.extend(_refine(x, y, level + 1, coarse) if x and y and x != y else _plain(x, y))
    return [(EQUAL, old[:p]), *middle, (EQUAL, old[len(old) - s :])]


def _changed_runs(ops: list[Op]):
    """Yield (old, new) for each replaced run and (equal, equal) for each equality between."""
    old: list[str] = []
    new: list[str] = []
    for op, text in [*ops, (EQUAL, "")]:
        if op == DELETE:
            old.append(text)
        elif op == INSERT:
            new.append(text)
        else:
            if old or new:
                yield "".join(old), "".join(new)
            if text:
                yield text, text
            old, new = [], []


def _plain(x: str, y: str) -> list[Op]:
    """An equality (x == y) or a pure deletion / insertion."""
    return [(EQUAL, x)] if x == y else [(DELETE, x), (INSERT, y)]


def _merge_adjacent(ops: list[Op]) -> list[Op]:
    """Drop empty ops and join neighbours of the same kind (C-speed joins, no dmp cleanup)."""
    out: list[Op] = []
    for op in ops:
        if not op[1]:
            continue
        if out and out[-1][0] == op[0]:
            out[-1] = (op[0], out[-1][1] + op[1])
        else:
            out.append(op)
    return out
