"""The benchmarks' shared corpus: a deterministic ~100 KB strategy document and ~1% revisions of it.

Imported by the scripts in ``bench/`` (run from the repository root, ``bench/`` is on ``sys.path``).
The document has what strategies have: a title, a ``[TOC]`` marker, numbered sections with ``##`` /
``###`` headings, paragraphs with bold text and links, bullet and numbered lists, an aligned table,
a block quote and a footnote. Everything comes from a fixed seed, so figures are comparable between
runs and machines. ``Writer.revise`` edits ~1% of the characters the way people edit a draft:
reword a phrase, rewrite / add / drop a sentence, add or drop a list item, change a table cell, add
a paragraph.
"""

from __future__ import annotations

import os
import random

FUNCTION_WORDS = ("the and of to in for with on is are we will our people by as that this from be at their it "
                  "services support care more can all who have")
SYLLABLES = "ac al an ar be ca co de di en er es ga in ka la li lo ma me mi na ne no or pa re ri sa se ta ti to un"
EXTRA = ["café", "naïve", "支援", "co-production", "🙂", "wellbeing", "e.g."]


class Writer:
    """Deterministic pseudo-prose: a Zipf-like mix of function words and ~1,500 content words."""

    def __init__(self, seed: int = 2024) -> None:
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
        marked = self.paragraph().replace(" support ", " **support** ", 1).replace(" care ", " [care](/docs/care) ", 1)
        items = "\n".join(f"- {self.sentence(rng.randint(4, 12))}" for _ in range(rng.randint(3, 7)))
        steps = "\n".join(f"{i}. {self.sentence(9)}" for i in range(1, rng.randint(3, 6))) + f"[^n{number}]"
        rows = "\n".join(f"| {self.sentence(3)} | {rng.randint(1, 99)}% | Q{rng.randint(1, 4)} |" for _ in range(4))
        parts = [f"## {number}. {self.sentence(4)[:-1]}", marked, items, self.paragraph(),
                 f"### {number}.1 Actions", steps, f"| Measure | Target | When |\n|:--|--:|:-:|\n{rows}",
                 self.paragraph(), f"> {self.sentence()}", f"[^n{number}]: {self.sentence(6)}"]
        return "\n\n".join(parts)

    def document(self, size_kb: int = 100) -> str:
        chunks, number = ["# Mental health strategy 2025–2030", "[TOC]"], 1
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
        if line == "[TOC]":
            return [line]
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
