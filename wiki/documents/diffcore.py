"""Exact, fast text diffs on diff-match-patch (PURE: stdlib + diff_match_patch only).

Why not a bare ``diff_main``: with its default 1 s timeout a large change comes back cut short (one
big delete + insert); with no timeout, Myers' O(N·D) in pure Python is slow on 100 KB. So the work
is staged, each stage exact and none with a timeout (``Diff_Timeout = 0``):

1. ``line_diff`` (line-aligned): trim the common prefix/suffix, split both texts at a line that
   occurs exactly once in each (C-speed ``str.count``/``str.find`` on index ranges, no copies) and
   recurse; small pieces get a line-level diff. Scattered edits in 100 KB cost about a millisecond.
2. Refinement: each replaced run of lines is re-diffed by sentences, the changed sentences by words,
   the changed words by characters, so every Myers grid stays small. What is compared word by word
   is what a reader sees as edited (``likeness``): a long run of changed sentences is first paired
   sentence to sentence, and a rewritten passage sharing few words or word pairs with the old one
   is shown replaced rather than matched on "the"/"and" — where Myers would also be slowest.
3. ``diff_cleanupSemantic`` per run, so edit boundaries fall where a reader expects them.

Token-level diffs (lines, sentences, words) are ``tokendiff.token_diff``. The result is always
complete. Only a changed run too large to refine by character stays word-level, and
``diff_with_report`` counts it as "coarse".
"""

from __future__ import annotations

import gc
import re
from contextlib import contextmanager
from itertools import groupby

from wiki.documents import likeness
from wiki.documents.tokendiff import DELETE, DMP, EQUAL, INSERT, Op, merge_adjacent, token_diff

_DMP = DMP  # the shared, timeout-free instance (bench/documents.py reports its Diff_Timeout)

_PIECE = 2048  # chars (both sides): below this a piece goes straight to line-level Myers
_ANCHOR_TRIES = 12  # candidate anchor lines tried per piece before giving up
_ANCHOR_MIN = 12  # shorter lines (blank, "|---|", "- x") are rarely unique: not tried
_CHAR_CELLS = 40_000  # max len(a) * len(b) for a character-level Myers (~14 ms worst case)
_PAIR_CELLS = 5_000  # len(old) * len(new) of changed sentences above which they are paired first
# Sentences x sentences above which a changed run is shown replaced whole: pairing fills k x m
# tables (~0.6 us a cell), so a rewrite of thousands of sentences at once would take seconds and
# gigabytes; 40,000 cells (200 x 200 sentences) is ~25 ms. Counted as "coarse" by diff_with_report.
_MAX_PAIRING = 40_000
# Refinement levels. Sentences (or clauses) with their trailing space; words, where CJK and other
# unspaced scripts fall to one token per character.
_SENTENCE = re.compile(r"[^.!?;\n]+[.!?;]*\s*|[.!?;\n]+\s*")
_WORD = re.compile(r"[^\W\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]+|\s+|.", re.S)
_WORDS = re.compile(r"[^\W\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]+|\S")  # _WORD's tokens but whitespace
_LEVELS = (_SENTENCE, _WORD)
_WORD_TAIL = re.compile(r"[^\W_]+\Z")
_WORD_HEAD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s")


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
    with _no_cycle_collection():
        for op in line_diff(old, new):
            if op[0] != EQUAL:
                pending.append(op)
                continue
            ops.extend(_refine_run(pending, coarse))
            pending = []
            ops.append(op)
        ops.extend(_refine_run(pending, coarse))
        return merge_adjacent(ops), coarse[0]


@contextmanager
def _no_cycle_collection():
    """Pause Python's cyclic garbage collector while diffing. A large diff allocates ~10^5 short-
    lived tuples and strings, which triggers collections; in a web process with a big heap a full
    one scans everything and cost 65 ms of CPU (bench/documents.py) — more than the diff. The diff
    makes no reference cycles, so reference counting frees all of it; collection is left as found
    (another thread that paused it too, or an app that turned it off, keeps it that way)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def line_diff(old: str, new: str) -> list[Op]:
    """Diff whose ops are whole lines (the last line may lack its newline). Used directly by
    merge (conflicts are decided per line) and attribution (a block changes when a line does).
    Works on index ranges into ``old``/``new`` and slices text once at the end: on 100 KB texts
    copying pieces at every split would cost more than the diff itself."""
    ranges: list[tuple[int, int, int]] = []  # (op, lo, hi): in old for EQUAL/DELETE, new for INSERT
    stack: list[tuple[int, ...]] = [(0, len(old), 0, len(new), True, True)]
    while stack:
        item = stack.pop()
        if len(item) == 3:
            ranges.append(item)  # an anchor or a common suffix, deferred until its turn
            continue
        alo, ahi, blo, bhi, head, tail = item  # which ends may still have common lines
        p, s = _trim_lines(old, alo, ahi, new, blo, bhi, head, tail)
        ranges.append((EQUAL, alo, alo + p))
        if s:
            stack.append((EQUAL, ahi - s, ahi))
        alo, ahi, blo, bhi = alo + p, ahi - s, blo + p, bhi - s
        split = _find_anchor(old, alo, ahi, new, blo, bhi) if ahi - alo + bhi - blo > _PIECE else None
        if split is None:
            ranges.extend(_line_myers(old, alo, ahi, new, blo, bhi))
            continue
        i, j, n = split  # the pieces' outer ends were trimmed above: only the anchor sides may match
        stack.extend([(i + n, ahi, j + n, bhi, True, False), (EQUAL, i, i + n), (alo, i, blo, j, False, True)])
    return merge_adjacent([(op, (new if op == INSERT else old)[lo:hi]) for op, lo, hi in ranges])


def lines(text: str) -> list[str]:
    r"""Split on "\n" only, keeping it (``str.splitlines`` would also split on \r, \x0c, U+2028…,
    which are ordinary characters in Markdown source)."""
    parts = [p + "\n" for p in text.split("\n")]
    parts[-1] = parts[-1][:-1]
    if not parts[-1]:
        parts.pop()
    return parts


def _trim_lines(a: str, alo: int, ahi: int, b: str, blo: int, bhi: int, head: bool, tail: bool) -> tuple[int, int]:
    """Lengths of the common prefix and suffix of a[alo:ahi] and b[blo:bhi], cut back to whole
    lines (both ranges start at a line start); ``head``/``tail`` False: known to be 0."""
    p = _common_prefix(a, alo, ahi, b, blo, bhi) if head else 0
    if p == ahi - alo == bhi - blo:
        return p, 0
    k = a.rfind("\n", alo, alo + p)
    p = k + 1 - alo if k != -1 else 0
    s = _common_suffix(a, alo + p, ahi, b, blo + p, bhi) if tail else 0
    if s and not (_at_line_start(a, ahi - s, alo + p) and _at_line_start(b, bhi - s, blo + p)):
        k = a.find("\n", ahi - s, ahi)  # keep only the suffix's whole lines
        s = ahi - k - 1 if k != -1 else 0
    return p, s


def _at_line_start(text: str, i: int, floor: int) -> bool:
    return i == floor or text[i - 1] == "\n"


def _common_prefix(a: str, alo: int, ahi: int, b: str, blo: int, bhi: int) -> int:
    """Galloping compare: cost grows with the common length, not with the strings' length."""
    n, done, step = min(ahi - alo, bhi - blo), 0, 512
    while done < n:
        k = min(step, n - done)
        if a[alo + done : alo + done + k] != b[blo + done : blo + done + k]:
            lo, hi = done, done + k  # the common length is in [lo, hi)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if a[alo + lo : alo + mid] == b[blo + lo : blo + mid]:
                    lo = mid
                else:
                    hi = mid
            return lo
        done, step = done + k, step * 2
    return n


def _common_suffix(a: str, alo: int, ahi: int, b: str, blo: int, bhi: int) -> int:
    n, done, step = min(ahi - alo, bhi - blo), 0, 512
    while done < n:
        k = min(step, n - done)
        if a[ahi - done - k : ahi - done] != b[bhi - done - k : bhi - done]:
            lo, hi = done, done + k
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if a[ahi - mid : ahi - lo] == b[bhi - mid : bhi - lo]:
                    lo = mid
                else:
                    hi = mid
            return lo
        done, step = done + k, step * 2
    return n


def _find_anchor(a: str, alo: int, ahi: int, b: str, blo: int, bhi: int) -> tuple[int, int, int] | None:
    """A line near the middle of a[alo:ahi] that occurs once there and once in b[blo:bhi], at a line
    start and not moved far (a moved paragraph makes a poor anchor): (offset in a, in b, length)."""
    slack = max(2048, max(ahi - alo, bhi - blo) // 4) + abs((ahi - alo) - (bhi - blo))
    start = a.rfind("\n", alo, (alo + ahi) // 2) + 1 or alo
    for _ in range(_ANCHOR_TRIES):
        end = a.find("\n", start, ahi)
        if end == -1:
            return None
        line = a[start : end + 1]
        j = b.find(line, blo, bhi) if len(line) > _ANCHOR_MIN else -1
        if (
            j != -1
            and (j == blo or b[j - 1] == "\n")
            and abs((j - blo) - (start - alo)) <= slack
            and b.find(line, j + 1, bhi) == -1
            and a.count(line, alo, ahi) == 1
        ):
            return start, j, len(line)
        start = end + 1
    return None


def _line_myers(a: str, alo: int, ahi: int, b: str, blo: int, bhi: int) -> list[tuple[int, int, int]]:
    """Line-level diff of one piece, as index ranges (see ``line_diff``)."""
    if alo == ahi or blo == bhi or (a.find("\n", alo, ahi - 1) == -1 and b.find("\n", blo, bhi - 1) == -1):
        return [(DELETE, alo, ahi), (INSERT, blo, bhi)]  # nothing, or one differing line, on a side
    out = []
    for op, text in token_diff(lines(a[alo:ahi]), lines(b[blo:bhi])):
        if op == INSERT:
            out.append((op, blo, blo + len(text)))
            blo += len(text)
        else:
            out.append((op, alo, alo + len(text)))
            alo += len(text)
            blo += len(text) if op == EQUAL else 0
    return out


def _refine_run(run: list[Op], coarse: list[int]) -> list[Op]:
    """Re-diff one replaced run of whole lines finely, then clean it up semantically. The cleanup is
    per run: equal lines between runs stay equal (a global pass would fold a blank line between
    two edited paragraphs into one big replacement, and it is quadratic on thousands of ops)."""
    old = "".join([t for op, t in run if op == DELETE])
    new = "".join([t for op, t in run if op == INSERT])
    if not old or not new:
        return run
    ops = merge_adjacent(_refine(old, new, 0, coarse))
    DMP.diff_cleanupSemantic(ops)
    return _snap_to_words(ops)


def _snap_to_words(ops: list[Op]) -> list[Op]:
    """Semantic cleanup can leave a replacement of several words starting or ending inside a word
    ("Ac[-se acdeno-]{+aclone who+}": it factors out the letters the first words share). Move such
    fragments from the neighbouring equalities into the replacement, so whole words are shown
    replaced; an edit inside a single word ("rec[-ie-]{+ei+}ve") keeps its character precision."""
    if not any(op != EQUAL and _SPACE.search(text) for op, text in ops):
        return ops  # no replacement spans several words: nothing to snap (most runs)
    out: list[Op] = []
    snap_tail = False  # the group just added is a multi-word replacement ending in a letter
    for is_equal, run in groupby(ops, key=lambda o: o[0] == EQUAL):
        group = list(run)
        if is_equal:
            text = "".join(t for _, t in group)
            head = _WORD_HEAD.match(text) if snap_tail else None
            if head:
                out[-2:] = [(DELETE, out[-2][1] + head.group()), (INSERT, out[-1][1] + head.group())]
                text = text[head.end() :]
            out.append((EQUAL, text))
            snap_tail = False
            continue
        old = "".join(t for op, t in group if op == DELETE)
        new = "".join(t for op, t in group if op == INSERT)
        if not (old and new and _SPACE.search(old + new)):
            out.extend(group)
            continue
        tail = _WORD_TAIL.search(out[-1][1]) if out and old[0].isalnum() and new[0].isalnum() else None
        if tail:
            out[-1] = (EQUAL, out[-1][1][: tail.start()])
            old, new = tail.group() + old, tail.group() + new
        out += [(DELETE, old), (INSERT, new)]
        snap_tail = old[-1].isalnum() and new[-1].isalnum()
    return merge_adjacent(out)


def _refine(old: str, new: str, level: int, coarse: list[int]) -> list[Op]:
    """Character diff of a replaced run; a large run is first split by sentences, then by words
    (each level's Myers sees a few dozen tokens), and only small leftovers meet character Myers."""
    p = DMP.diff_commonPrefix(old, new)
    s = min(DMP.diff_commonSuffix(old, new), len(old) - p, len(new) - p)  # = the suffix of old[p:], new[p:]
    if level < len(_LEVELS):
        p, s = _word_aligned(old, new, p, s)
    elif 2 * (p + s) < max(len(old), len(new)):
        # Changed words sharing little of their start or end ("As" / "Access", "1999" / "2009"):
        # show the word replaced; common letters inside would be coincidence, not an edit.
        return [(DELETE, old), (INSERT, new)]
    a, b = old[p : len(old) - s], new[p : len(new) - s]
    if level == len(_LEVELS) and len(a) * len(b) <= _CHAR_CELLS:
        middle = DMP.diff_main(a, b, False)
    elif level == len(_LEVELS) or not a or not b:
        coarse[0] += bool(a and b)
        middle = [(DELETE, a), (INSERT, b)]
    else:
        ta, tb = _LEVELS[level].findall(a), _LEVELS[level].findall(b)
        if _LEVELS[level] is _WORD and likeness.unrelated(_WORDS.findall(a), _WORDS.findall(b)):
            return [(EQUAL, old[:p]), (DELETE, a), (INSERT, b), (EQUAL, old[len(old) - s :])]
        if len(ta) == len(tb) == 1:
            return [(EQUAL, old[:p]), *_refine(a, b, level + 1, coarse), (EQUAL, old[len(old) - s :])]
        middle = []
        for x, y in _changed_runs(token_diff(ta, tb)):
            if not (x and y and x != y):
                middle.extend(_plain(x, y))
            elif level == 0 and len(x) * len(y) > _PAIR_CELLS:
                middle.extend(_paired(_SENTENCE.findall(x), _SENTENCE.findall(y), coarse))
            else:
                middle.extend(_refine(x, y, level + 1, coarse))
    return [(EQUAL, old[:p]), *middle, (EQUAL, old[len(old) - s :])]


def _paired(sx: list[str], sy: list[str], coarse: list[int]) -> list[Op]:
    """A long run of changed sentences: pair each old sentence with a similar new one, in order,
    word-diff each pair, and show the sentences left between pairs replaced (word-diffed only if
    short). One word diff over the whole run costs most where it helps least: Myers' time grows
    with the number of differences, and between rewritten sentences it finds only scattered
    common words ("the", "and") that semantic cleanup removes again."""
    if len(sx) * len(sy) > _MAX_PAIRING:
        coarse[0] += 1
        return [(DELETE, "".join(sx)), (INSERT, "".join(sy))]
    pairs = likeness.align(*([likeness.neighbours(_WORDS.findall(t)) for t in side] for side in (sx, sy)))
    out: list[Op] = []
    i0 = j0 = 0
    for i, j in [*pairs, (len(sx), len(sy))]:
        x, y = "".join(sx[i0:i]), "".join(sy[j0:j])
        if x and y and len(x) * len(y) <= _PAIR_CELLS:
            out.extend(_refine(x, y, 1, coarse))
        else:
            out.extend([(DELETE, x), (INSERT, y)])
        if i < len(sx):
            out.extend(_refine(sx[i], sy[j], 1, coarse))
        i0, j0 = i + 1, j + 1
    return out


def _word_aligned(old: str, new: str, p: int, s: int) -> tuple[int, int]:
    """Shrink a common prefix / suffix that ends inside a word to the word's boundary, so the
    changed word is diffed (and shown) whole: "As acaclone" / "Acaclone" is not "A" + edits."""
    if p and old[p - 1].isalnum() and (old[p : p + 1].isalnum() or new[p : p + 1].isalnum()):
        p -= len(_WORD_TAIL.search(old, 0, p).group())
    if s and old[-s].isalnum() and (old[-s - 1 : -s].isalnum() or new[len(new) - s - 1 : len(new) - s].isalnum()):
        s -= _WORD_HEAD.match(old, len(old) - s).end() - (len(old) - s)
    return p, s


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
