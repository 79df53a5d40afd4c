"""Benchmark ``render_document`` on a ~100 KB strategy-like document.

Run from the repository root: ``python bench/render.py [--size KB] [--runs N]``. The document is
generated deterministically (fixed seed) so figures are comparable between runs and machines.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from wiki.rendering import render_document  # noqa: E402 (needs the sys.path line above)

WORDS = (
    "people lived experience recovery support community service access housing peer carers "
    "crisis outcomes evidence consultation partners funding priority commissioning wellbeing "
    "early intervention waiting times workforce training equality inclusion review measure "
    "co-production dignity choice trust safety café naïve 支援"
).split()


def sentence(rng: random.Random, n: int = 14) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random) -> str:
    text = " ".join(sentence(rng, rng.randint(8, 20)) for _ in range(rng.randint(2, 5)))
    return text.replace(" support ", " **support** ", 1).replace(" access ", " [access](/docs/access) ", 1)


def section(rng: random.Random, number: int) -> str:
    parts = [f"## {number}. {sentence(rng, 4)[:-1]}", paragraph(rng)]
    parts.append("\n".join(f"- {sentence(rng, rng.randint(5, 12))}" for _ in range(rng.randint(3, 6))))
    parts.append(f"### {number}.1 Actions")
    parts.append("\n".join(f"{i}. {sentence(rng, 9)}[^n{number}]" for i in range(1, 4)))
    rows = "\n".join(f"| {sentence(rng, 3)} | {rng.randint(1, 99)}% | Q{rng.randint(1, 4)} |" for _ in range(4))
    parts.append(f"| Measure | Target | When |\n|:--|--:|:-:|\n{rows}")
    parts.append(paragraph(rng))
    parts.append(f"> {sentence(rng)}")
    parts.append(f"[^n{number}]: {sentence(rng, 6)}")
    return "\n\n".join(parts)


def make_document(size_kb: int = 100, seed: int = 2024) -> str:
    rng = random.Random(seed)
    chunks, size, number = ["# Mental health strategy 2025–2030", "[TOC]"], 0, 1
    while size < size_kb * 1024:
        chunk = section(rng, number)
        chunks.append(chunk)
        size += len(chunk.encode()) + 2
        number += 1
    return "\n\n".join(chunks) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=100, help="document size in KB")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    source = make_document(args.size)
    render_document(source)  # warm-up: builds the per-thread Markdown instance
    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        rendered = render_document(source)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
    print(f"source: {len(source.encode()) / 1024:.1f} KB, {source.count(chr(10))} lines; "
          f"html: {len(rendered.html.encode()) / 1024:.1f} KB, {len(rendered.block_ids)} blocks, "
          f"{len(rendered.toc)} headings")
    print(f"render_document over {args.runs} runs: median {statistics.median(timings):.1f} ms, "
          f"p95 {p95:.1f} ms, min {timings[0]:.1f} ms")


if __name__ == "__main__":
    main()
