"""Benchmark the pure revisions core (diff, merge3, attribution) on a ~100 KB strategy document.

Run from the repository root: ``python bench/revisions_core.py [--size KB] [--revisions N]``.
Everything is generated from a fixed seed, so figures are comparable between runs and machines.
Each revision makes ~1% of the text's characters worth of edits the way people edit a draft:
reword a phrase, rewrite / add / drop a sentence, add or drop a list item, change a table cell,
add a paragraph. A diff is "cut short" if it does not reconstruct both texts exactly; "coarse runs"
counts replaced runs left word-level because they were too large to refine by character.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wiki.documents.revisions import attribute, diff_with_report, merge3  # noqa: E402 (sys.path above)

FUNCTION_WORDS = ("the and of to in for with on is are we will our people by as that this from be at their it "
                  "services support care more can all who have")
SYLLABLES = "ac al an ar be ca co de di en er es ga in ka la li lo ma me mi na ne no or pa re ri sa se ta ti to un"
EXTRA = ["café", "naïve", "支援", "co-production", "🙂", "wellbeing", "e.g."]


class Writer:
    """Deterministic pseudo-prose: a Zipf-like mix of function words and ~1,500 content words."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.function_words, syllables = FUNCTION_WORDS.split(), SYLLABLES.split()
        lexicon = {"".join(self.rng.choices(syllables, k=self.rng.randint(2, 4))) for _ in range(1500)}
        self.lexicon = sorted(lexicon) + EXTRA

    def word(self) -> str:
        if self.rng.random() < 0.4:
            return self.rng.choice(self.function_words)
        rank = min(int(self.rng.paretovariate(0.8)) - 1, len(self.lexicon) - 1)
        return self.lexicon[rank * 7 % len(self.lexicon)]

    def sentence(self, n: int | None = None) -> str:
        words = [self.word() for _ in range(n or self.rng.randint(6, 22))]
        return " ".join(words).capitalize() + self.rng.choice(".....?!")

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 6)))

    def section(self, number: int) -> str:
        rng = self.rng
        items = "\n".join(f"- {self.sentence(rng.randint(4, 12))}" for _ in range(rng.randint(3, 7)))
        steps = "\n".join(f"{i}. {self.sentence(9)}" for i in range(1, rng.randint(3, 6)))
        rows = "\n".join(f"| {self.sentence(3)} | {rng.randint(1, 99)}% | Q{rng.randint(1, 4)} |" for _ in range(4))
        parts = [f"## {number}. {self.sentence(4)[:-1]}", self.paragraph(), items, self.paragraph(),
                 f"### {number}.1 Actions", steps, f"| Measure | Target | When |\n|:--|--:|:-:|\n{rows}",
                 self.paragraph(), f"> {self.sentence()}"]
        return "\n\n".join(parts)

    def document(self, size_kb: int) -> str:
        chunks, number = ["# Mental health strategy 2025–2030"], 1
        while sum(map(len, chunks)) < size_kb * 1024:
            chunks.append(self.section(number))
            number += 1
        return "\n\n".join(chunks) + "\n"

    def revise(self, text: str, fraction: float = 0.01) -> str:
        """Edit ~fraction of the characters, a handful of edits at random places."""
        lines = text.split("\n")
        budget = max(1, int(len(text) * fraction))
        while budget > 0:
            i = self.rng.randrange(len(lines))
            before = lines[i]
            after = self._edit_line(before)
            lines[i:i + 1] = after
            budget -= changed_chars(before, "\n".join(after))
        return "\n".join(lines)

    def _edit_line(self, line: str) -> list[str]:
        rng = self.rng
        if not line:
            return [line] if rng.random() < 0.95 else ["", self.paragraph(), ""]
        if line.startswith(("- ", "1. ", "2. ", "3. ")):
            return rng.choice([[line, f"- {self.sentence(8)}"], [], [f"- {self.sentence(rng.randint(4, 12))}"]])
        if len(line) > 200 and rng.random() < 0.08:
            return []  # drop a paragraph
        if line.startswith("|") and "---" not in line and "--:" not in line:
            cells = line.split("|")
            cells[1] = f" {self.sentence(3)} "
            return ["|".join(cells)]
        if line.startswith("#"):
            return [line + " " + self.word()]
        sentences = line.split(". ")
        k = rng.randrange(len(sentences))
        choice = rng.random()
        if choice < 0.35:  # reword a phrase
            words = sentences[k].split(" ")
            j = rng.randrange(len(words))
            words[j:j + rng.randint(1, 3)] = [self.word() for _ in range(rng.randint(1, 3))]
            sentences[k] = " ".join(words)
        elif choice < 0.6:
            sentences[k] = self.sentence()[:-1]
        elif choice < 0.75:
            sentences.insert(k, self.sentence()[:-1])
        elif len(sentences) > 1:
            del sentences[k]
        return [". ".join(sentences)]


def changed_chars(before: str, after: str) -> int:
    """Characters removed plus inserted, outside the common prefix and suffix (at least 1)."""
    p = len(os.path.commonprefix([before, after]))
    s = len(os.path.commonprefix([before[p:][::-1], after[p:][::-1]]))
    return max(1, len(before) + len(after) - 2 * (p + s))


def timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = fn()
    return (time.perf_counter() - start) * 1000, result


def summary(name: str, timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return f"{name:<34} n={len(timings):<4} median {statistics.median(timings):7.1f} ms   p95 {p95:7.1f} ms"


def bench_diffs(pairs: list[tuple[str, str]], counters: dict[str, int]) -> list[float]:
    timings = []
    for old, new in pairs:
        ms, (ops, coarse) = timed(lambda old=old, new=new: diff_with_report(old, new))
        timings.append(ms)
        old_side = "".join(t for op, t in ops if op <= 0)
        new_side = "".join(t for op, t in ops if op >= 0)
        counters["cut short"] += (old_side, new_side) != (old, new)
        counters["coarse runs"] += coarse
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100, help="document size in KB")
    parser.add_argument("--revisions", type=int, default=200)
    args = parser.parse_args()
    writer = Writer(seed=2024)
    texts = [writer.document(args.size)]
    for _ in range(args.revisions):
        texts.append(writer.revise(texts[-1]))
    n = len(texts) - 1
    print(f"document: {len(texts[0]) / 1024:.1f} KB, {texts[0].count(chr(10))} lines; {n} revisions, "
          f"last {len(texts[-1]) / 1024:.1f} KB")

    counters = {"cut short": 0, "coarse runs": 0}
    print(summary("diff adjacent revisions", bench_diffs(list(zip(texts, texts[1:], strict=False)), counters)))
    gap = min(100, n)
    far = [(texts[i], texts[i + gap]) for i in range(0, n - gap + 1, max(1, (n - gap) // 20 or 1))]
    print(summary(f"diff revisions {gap} apart", bench_diffs(far, counters)))
    big = [(texts[i], writer.revise(texts[i], 0.05)) for i in range(0, n, max(1, n // 20))]
    print(summary("diff 5% change", bench_diffs(big, counters)))

    merges, conflicts = [], 0
    for i in range(0, n, max(1, n // 50)):
        theirs, mine = writer.revise(texts[i]), writer.revise(texts[i])
        ms, result = timed(lambda i=i, theirs=theirs, mine=mine: merge3(texts[i], theirs, mine))
        merges.append(ms)
        conflicts += len(result.conflicts)
    print(summary("merge3 (two 1% edits of one base)", merges) + f"   conflicts: {conflicts}")

    history = list(enumerate(texts, start=1))
    runs = [timed(lambda: attribute(history)) for _ in range(5)]
    blocks = runs[0][1]
    print(summary(f"attribute over {n} revisions", [ms for ms, _ in runs])
          + f"   blocks: {len(blocks)}, distinct revisions: {len({a.revision for a in blocks})}")
    print(f"diffs cut short: {counters['cut short']} (must be 0); coarse runs: {counters['coarse runs']}")


if __name__ == "__main__":
    main()
