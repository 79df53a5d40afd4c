"""Benchmark ``render_document`` on a ~100 KB strategy-like document.

Run from the repository root: ``python bench/render.py [--size KB] [--runs N]``. The document comes
from ``bench/_corpus.py`` (fixed seed), so figures are comparable between runs and machines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _corpus import Writer  # noqa: E402 (bench/ is on sys.path when run as a script)

from wiki.rendering import render_document  # noqa: E402 (needs the sys.path line above)


def _summary(label: str, timings: list[float]) -> str:
    timings = sorted(timings)
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    return f"{label}: median {statistics.median(timings):.1f} ms, p95 {p95:.1f} ms, min {timings[0]:.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100, help="document size in KB")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    source = Writer().document(args.size)
    render_document(source)  # warm-up: builds the per-thread Markdown instance
    wall, cpu = [], []
    for _ in range(args.runs):
        start_wall, start_cpu = time.perf_counter(), time.process_time()
        rendered = render_document(source)
        wall.append((time.perf_counter() - start_wall) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    print(f"source: {len(source.encode()) / 1024:.1f} KB, {source.count(chr(10))} lines; "
          f"html: {len(rendered.html.encode()) / 1024:.1f} KB, {len(rendered.block_ids)} blocks, "
          f"{len(rendered.toc)} headings")
    print(f"render_document, {args.runs} runs")
    print(_summary("  wall", wall))
    print(_summary("  cpu ", cpu) + "  (process CPU time: less sensitive to a busy machine)")


if __name__ == "__main__":
    main()
