"""Benchmark the pure revisions core (diff, merge3, attribution) on a ~100 KB strategy document.

Run from the repository root: ``python bench/revisions_core.py [--size KB] [--revisions N]``.
The document and its revisions (~1% edits each) come from ``bench/_corpus.py``, a fixed seed, so
figures are comparable between runs and machines. A diff is "cut short" if it does not reconstruct
both texts exactly; "coarse runs" counts replaced runs left word-level because they were too large
to refine by character.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _corpus import Writer  # noqa: E402 (bench/ is on sys.path when run as a script)

from wiki.documents.revisions import attribute, diff_with_report, merge3  # noqa: E402 (sys.path above)


def timed(fn: Callable[[], object]) -> tuple[tuple[float, float], object]:
    """((wall ms, CPU ms), result). CPU time is reported too: on a shared machine wall time
    includes waiting for a core."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return ((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000), result


def verdict(name: str, timings: list[tuple[float, float]], aim: float) -> str:
    """A PASS/MISS line for an aim on the worst case, judged on wall and (in brackets) CPU time."""
    wall, cpu = max(w for w, _ in timings), max(c for _, c in timings)
    judge = lambda ms: "PASS" if ms <= aim else "MISS"  # noqa: E731
    return f"{judge(wall)} ({judge(cpu)})  {name}: max {wall:.1f} ms (CPU {cpu:.1f} ms), aim <= {aim:g} ms"


def summary(name: str, timings: list[tuple[float, float]]) -> str:
    def stats(values: list[float]) -> tuple[float, float]:
        values = sorted(values)
        return statistics.median(values), values[min(len(values) - 1, round(0.95 * (len(values) - 1)))]

    (wall_median, wall_p95), (cpu_median, cpu_p95) = stats([w for w, _ in timings]), stats([c for _, c in timings])
    return (f"{name:<34} n={len(timings):<4} median {wall_median:7.1f} ms  p95 {wall_p95:7.1f} ms"
            f"  (CPU: median {cpu_median:6.1f} ms, p95 {cpu_p95:6.1f} ms)")


def bench_diffs(pairs: list[tuple[str, str]], counters: dict[str, int]) -> list[tuple[float, float]]:
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
    adjacent = bench_diffs(list(zip(texts, texts[1:], strict=False)), counters)
    print(summary("diff adjacent revisions", adjacent))
    gap = min(100, n)
    far = bench_diffs([(texts[i], texts[i + gap]) for i in range(0, n - gap + 1, max(1, (n - gap) // 20 or 1))],
                      counters)
    print(summary(f"diff revisions {gap} apart", far))
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
    print(verdict("diff adjacent revisions", adjacent, 50))
    print(verdict(f"diff revisions {gap} apart", far, 50))
    print(f"{'PASS' if counters['cut short'] == 0 else 'MISS'}  diffs cut short: {counters['cut short']}, aim 0")
    print("(attribution's aim is judged by bench/documents.py: the app reads stored spans, see docs/architecture.md)")


if __name__ == "__main__":
    main()
