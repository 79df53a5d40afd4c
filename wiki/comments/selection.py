"""Finding a reader's selection (rendered text) in the Markdown, and showing Markdown as read.
PURE: stdlib + wiki.comments.blocks.

The rendered page lacks the Markdown syntax (``**``, ``[text](url)``, list markers, table pipes…), so
a selection is compared with the source *without* its syntax: ``_visible`` strips it, keeping for
each remaining character where it came from, and a plain substring search then maps straight back
to code-point offsets. Context (the rendered text just before and after the selection) chooses
between repeated phrases.
"""

from __future__ import annotations

import html as html_lib
import re

from wiki.comments.blocks import plain_key

__all__ = ["find_rendered", "trim_block", "visible_text"]

_MARKUP = re.compile(
    r"^[ \t]*(?:`{3,}|~{3,}).*$"  # code fences
    r"|^(?=[^\n]*\|)(?=[^\n]*-)[ \t|:-]+$"  # table alignment rows
    r"|^[ \t]*[=-]{2,}[ \t]*$"  # setext underlines
    r"|^[ \t]{0,3}\[\^[^\]\n]+\]:[ \t]*"  # footnote definition markers
    r"|^(?:[ \t]*>)+[ \t]?"  # block quote markers
    r"|^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]+"  # list markers
    r"|^[ \t]{0,3}#{1,6}[ \t]+|[ \t]+#+[ \t]*$"  # ATX heading markers
    r"|\[\^[^\]\n]*\]"  # footnote references
    r"|\]\((?:[^()\n]|\([^()\n]*\))*\)|\]\[[^\]\n]*\]"  # link targets
    r"|!\[(?!\^)|\[|\]|[*_~`|]"  # emphasis, code, link brackets, table pipes
    r"|\\(?=[!-/:-@\[-`{-~])"  # backslash escapes
    r"|&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|\w{1,31});",  # entities (kept as their character)
    re.M,
)
_DROPPED_IN_SELECTION = str.maketrans("", "", "*_~`|[]")
_CONTEXT = 48
_MAX_MATCHES = 50


def _visible(text: str, lo: int, hi: int) -> tuple[str, list[int], list[int]]:
    """``text[lo:hi]`` without its Markdown syntax, whitespace runs as one space, with each kept
    character's source span (an entity keeps its character and spans the whole entity)."""
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []

    def keep(piece: str, at: int, span: int = 1) -> None:
        for k, ch in enumerate(piece):
            if ch.isspace():
                if not chars or chars[-1] == " ":
                    continue
                ch = " "
            chars.append(ch)
            starts.append(at + (0 if span > 1 else k))
            ends.append(at + (span if span > 1 else k + 1))

    pos = lo
    for m in _MARKUP.finditer(text, lo, hi):
        keep(text[pos : m.start()], pos)
        if m.group().startswith("&"):
            keep(html_lib.unescape(m.group()), m.start(), m.end() - m.start())
        elif "\n" in m.group() or m.group().startswith((" ", "\t")) or m.start() == 0 or text[m.start() - 1] == "\n":
            keep(" ", m.start())  # block syntax separates words
        pos = m.end()
    keep(text[pos:hi], pos)
    return "".join(chars), starts, ends


def visible_text(text: str, start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` as a reader sees it, roughly: Markdown syntax removed, whitespace runs
    as one space (for showing a quote, and for the page script to find it in the rendered block)."""
    return _visible(text, start, len(text) if end is None else end)[0].strip()


def _normal(selection: str) -> str:
    return " ".join(selection.translate(_DROPPED_IN_SELECTION).split())


def find_rendered(text: str, lo: int, hi: int, exact: str, prefix: str = "",
                  suffix: str = "") -> tuple[int, int] | None:
    """Where the rendered selection ``exact`` lies in ``text[lo:hi]`` (Markdown): the region is
    compared without its syntax. Among several places, the one whose surroundings best match the
    rendered ``prefix`` / ``suffix`` wins."""
    needle = _normal(exact)
    if not needle:
        return None
    visible, starts, ends = _visible(text, lo, hi)
    want_before, want_after = plain_key(prefix)[-_CONTEXT:], plain_key(suffix)[:_CONTEXT]
    best, best_score = None, -1
    i = visible.find(needle)
    for _ in range(_MAX_MATCHES):
        if i < 0:
            break
        j = i + len(needle)
        score = (_common_tail(want_before, plain_key(visible[max(0, i - 2 * _CONTEXT) : i]))
                 + _common_head(want_after, plain_key(visible[j : j + 2 * _CONTEXT])))
        if score > best_score:
            best, best_score = (starts[i], ends[j - 1]), score
        i = visible.find(needle, i + 1)
    return best


def _common_tail(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[-1 - n] == b[-1 - n]:
        n += 1
    return n


def _common_head(a: str, b: str) -> int:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return n


_LEAD = re.compile(r"(?:[ \t]*(?:>[ \t]?|#{1,6}[ \t]+|[-*+][ \t]+|\d{1,9}[.)][ \t]+|\[\^[^\]\n]+\]:[ \t]*))+")


def trim_block(text: str, start: int, end: int) -> tuple[int, int]:
    """A whole block's passage without its leading block syntax or surrounding whitespace."""
    lead = _LEAD.match(text, start, end)
    if lead and lead.end() < end:
        start = lead.end()
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
