"""Every public XSS payload, rendered as a document and as a comment, bare and inside typical
Markdown contexts, must come out inert: no dangerous tag, no event handler, no style/srcdoc,
no URL with a scheme other than http/https/mailto.

One test per corpus file (not per line) so a failure report stays readable.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from wiki.rendering import render_comment, render_document, sanitize_html


def _corpus_dir() -> Path:
    """``shared/testdata/xss`` beside the checkout, however deep the checkout sits (a worktree under
    /work/wt/<name> as well as /work/main): a corpus silently not found would skip every XSS test."""
    for folder in Path(__file__).resolve().parents[2].parents:
        if (folder / "shared" / "testdata" / "xss").is_dir():
            return folder / "shared" / "testdata" / "xss"
    return Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "xss"


CORPUS_DIR = _corpus_dir()
CORPUS_FILES = sorted(CORPUS_DIR.glob("*.txt")) if CORPUS_DIR.is_dir() else []

FORBIDDEN_TAGS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "style", "svg", "math",
    "form", "input", "button", "textarea", "select", "base", "meta", "link", "video", "audio",
    "source", "template", "noscript",
}
URL_ATTRIBUTES = {
    "href", "src", "action", "formaction", "xlink:href", "poster", "background", "data",
    "srcset", "dynsrc", "lowsrc", "codebase", "cite", "longdesc", "usemap", "ping",
}
ALLOWED_SCHEMES = {"http", "https", "mailto"}
_TAB_NEWLINE = re.compile(r"[\t\n\r]")  # the URL parser drops these anywhere (WHATWG URL)
_C0_OR_SPACE = "".join(map(chr, range(0x21)))  # … and strips these at both ends
_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")


class _Audit(HTMLParser):
    """Parses rendered HTML the way a browser tokenises it and records anything live."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)  # attribute values arrive HTML-unescaped
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            name = name.lower()
            if name.startswith("on") or name in ("style", "srcdoc"):
                self.problems.append(f"<{tag} {name}=…>")
            elif name in URL_ATTRIBUTES and value is not None:
                url = _TAB_NEWLINE.sub("", value).strip(_C0_OR_SPACE).lower()
                scheme = _SCHEME.match(url)
                if scheme and scheme.group(1) not in ALLOWED_SCHEMES:
                    self.problems.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def audit(html: str) -> list[str]:
    parser = _Audit()
    parser.feed(html)
    parser.close()
    return parser.problems


def contexts(payload: str) -> list[str]:
    """The payload bare and where Markdown puts text into URLs, titles and alt text."""
    return [
        payload,
        f"[x]({payload})",
        f"![x]({payload})",
        f'[x](https://example.org "{payload}")',
        f"![{payload}](https://example.org/a.png)",
        f"[x][r]\n\n[r]: {payload}",
        f"<{payload}>",
        f"# {payload}",
        f"- {payload}\n\n> {payload}\n\n| a |\n|---|\n| {payload} |",
        f"text[^1]\n\n[^1]: {payload}",
    ]


def test_audit_catches_live_markup() -> None:
    """Guards the guard: the checker must flag what it is meant to flag."""
    assert audit('<a href=" JaVa\tScRiPt:alert(1)">x</a>')
    assert audit('<a href="&#106;avascript:alert(1)">x</a>')
    assert audit('<img src="data:image/svg+xml,x" onerror="x">')
    assert audit("<svg><script>x</script></svg>")
    assert audit('<p style="x">')
    assert not audit('<a href="/wiki/page">x</a><a href="#fn:1">1</a><a href="mailto:a@b">m</a>')


@pytest.mark.skipif(not CORPUS_FILES, reason=f"XSS corpus not found at {CORPUS_DIR}")
@pytest.mark.parametrize("corpus", CORPUS_FILES, ids=lambda p: p.name)
def test_corpus_file_renders_inert(corpus: Path) -> None:
    failures = []
    payloads = [line for line in corpus.read_text(encoding="utf-8", errors="replace").splitlines()
                if line.strip()]
    for number, payload in enumerate(payloads, 1):
        for source in contexts(payload):
            outputs = {
                "document": render_document(source).html,
                "comment": render_comment(source),
                "sanitize_html": sanitize_html(source),  # the payload as raw HTML
            }
            for kind, html in outputs.items():
                problems = audit(html)
                if problems:
                    failures.append(f"line {number} {kind} {source[:80]!r}: {problems[:3]}")
    assert not failures, f"{len(failures)} live outputs:\n" + "\n".join(failures[:20])
