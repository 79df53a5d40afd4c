"""Unit tests for wiki.rendering (pure: no Flask, no app)."""

from __future__ import annotations

import re
import threading
import time
from html.parser import HTMLParser

from tests.unit.test_xss_corpus import CORPUS_FILES
from wiki.plaintext import _TextExtractor, plain_text, text_lines
from wiki.rendering import (
    Rendered,
    TocEntry,
    render_comment,
    render_document,
    sanitize_html,
)

BLOCK_ID = re.compile(r"^b-[0-9a-f]{8}(-\d+)?$")
# The XSS corpus rendered as a document and as a comment (payloads of every shape of markup).
CORPUS_HTML = [html for path in CORPUS_FILES for html in (render_document(path.read_text(errors="replace")).html,
                                                          render_comment(path.read_text(errors="replace")))]


class _Elements(HTMLParser):
    """(tag, attrs, text) of every element, in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None], list[str]]] = []
        self.open: list[list[str]] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        texts: list[str] = []
        self.elements.append((tag, dict(attrs), texts))
        if tag not in ("br", "hr", "img"):
            self.open.append(texts)

    def handle_endtag(self, tag: str) -> None:
        if self.open:
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for texts in self.open:
            texts.append(data)


def elements(html: str) -> list[tuple[str, dict[str, str | None], str]]:
    parser = _Elements()
    parser.feed(html)
    return [(tag, attrs, "".join(texts).strip()) for tag, attrs, texts in parser.elements]


def block_id_of(rendered: Rendered, text: str) -> str:
    """data-block of the first paragraph whose text is ``text``."""
    for tag, attrs, content in elements(rendered.html):
        if tag == "p" and content == text:
            return attrs["data-block"]
    raise AssertionError(f"no paragraph {text!r} in {rendered.html}")


# --------------------------------------------------------------------------- headings, TOC


def test_toc_lists_headings_with_levels_ids_and_plain_titles():
    r = render_document("# Our *vision*\n\ntext\n\n## Goals & `aims`\n\n### Detail\n\n## Risks\n")
    assert r.toc == (
        TocEntry(1, "our-vision", "Our vision"),
        TocEntry(2, "goals-aims", "Goals & aims"),
        TocEntry(3, "detail", "Detail"),
        TocEntry(2, "risks", "Risks"),
    )
    ids = [attrs.get("id") for tag, attrs, _ in elements(r.html) if tag in ("h1", "h2", "h3")]
    assert ids == ["our-vision", "goals-aims", "detail", "risks"]


def test_duplicate_headings_get_numbered_ids():
    r = render_document("## Intro\n\n## Intro\n\n## Intro 2\n\n## Intro\n")
    assert [e.id for e in r.toc] == ["intro", "intro-2", "intro-2-2", "intro-3"]


def test_heading_ids_never_look_like_block_ids_and_are_never_empty():
    r = render_document("## b 1234abcd\n\n## 🎉\n\n## 🎉\n")
    assert [e.id for e in r.toc] == ["h-b-1234abcd", "section", "section-2"]


def test_toc_marker_links_to_our_heading_ids():
    r = render_document("[TOC]\n\n## Alpha\n\n## Alpha\n")
    hrefs = [attrs["href"] for tag, attrs, _ in elements(r.html) if tag == "a"]
    assert hrefs == ["#alpha", "#alpha-2"]
    assert "[TOC]" not in r.text and r.text == "Alpha\nAlpha"
    assert len(r.block_ids) == 2  # the marker paragraph is replaced, so it has no block id


# --------------------------------------------------------------------------- block ids

DOC = """# Title

First paragraph.

- one
- two

> quoted

| a | b |
|---|---|
| 1 | 2 |

```
code
```

Term
: definition
"""


def test_every_block_element_has_a_block_id_listed_in_order():
    r = render_document(DOC)
    found = [(tag, attrs["data-block"]) for tag, attrs, _ in elements(r.html) if "data-block" in attrs]
    assert [tag for tag, _ in found] == ["h1", "p", "li", "li", "blockquote", "p", "table", "pre", "dl"]
    assert tuple(block for _, block in found) == r.block_ids
    assert all(BLOCK_ID.match(b) for b in r.block_ids)
    assert len(set(r.block_ids)) == len(r.block_ids)


def test_block_ids_are_stable_across_edits_elsewhere():
    paragraphs = [f"Paragraph number {i} about services." for i in range(1, 11)]
    before = render_document("\n\n".join(paragraphs))
    edited = list(paragraphs)
    edited[4] = "Paragraph number 5, now rewritten."
    edited.insert(0, "A new opening paragraph.")
    del edited[8]
    after = render_document("\n\n".join(edited))
    for i in (1, 2, 3, 4, 7, 9, 10):
        text = f"Paragraph number {i} about services."
        assert block_id_of(before, text) == block_id_of(after, text)
    assert "Paragraph number 5 about services." not in after.html


def test_repeated_identical_blocks_get_suffixes():
    r = render_document("Same.\n\nOther.\n\nSame.\n\nSame.\n")
    base = r.block_ids[0]
    assert r.block_ids == (base, r.block_ids[1], f"{base}-2", f"{base}-3")


def test_renumbered_footnote_does_not_change_other_block_ids():
    before = render_document("Claim A[^a].\n\nClaim B[^b].\n\n[^a]: Source A.\n[^b]: Source B.\n")
    after = render_document("New[^c].\n\nClaim A[^a].\n\nClaim B[^b].\n\n"
                            "[^c]: Source C.\n[^a]: Source A.\n[^b]: Source B.\n")
    assert block_id_of(before, "Claim B2.") == block_id_of(after, "Claim B3.")


def test_loose_list_item_and_its_paragraph_do_not_collide():
    r = render_document("- alpha\n\n- beta\n")
    assert not any(b.endswith("-2") for b in r.block_ids)


# --------------------------------------------------------------------------- Markdown features


def test_table_renders_with_alignment_as_class():
    html = render_document("| Measure | Target |\n|:--|--:|\n| Wait | 18 weeks |\n").html
    cells = [(tag, attrs.get("class"), text) for tag, attrs, text in elements(html) if tag in ("th", "td")]
    assert cells == [("th", "align-left", "Measure"), ("th", "align-right", "Target"),
                     ("td", "align-left", "Wait"), ("td", "align-right", "18 weeks")]
    assert "style" not in html and "align=" not in html


def test_footnotes_render_with_links_both_ways():
    html = render_document("Claim[^src].\n\n[^src]: The source.\n").html
    assert 'href="#fn:src"' in html and 'id="fn:src"' in html
    assert 'href="#fnref:src"' in html and 'class="footnote-backref"' in html


def test_fenced_code_keeps_language_class_and_escapes_content():
    r = render_document('```python\nif a < b and c & d: print("&amp;")\n```\n')
    assert '<code class="language-python">' in r.html
    assert "if a &lt; b and c &amp; d: print(\"&amp;amp;\")" in r.html
    assert r.text == 'if a < b and c & d: print("&amp;")'
    assert r.block_ids and 'data-block="' in r.html.split("<code")[0]


def test_fenced_code_attributes_cannot_set_ids_or_arbitrary_classes():
    html = render_document("```{#main .python .evil onclick=x}\ncode\n```\n").html
    assert html.startswith('<pre data-block="b-') and '<code class="language-python">' in html
    assert 'id="main"' not in html and "evil" not in html and "onclick" not in html


def test_attr_list_syntax_is_not_active():
    html = render_document("## Heading {#x onclick=alert(1)}\n\nPara {: .y }\n").html
    attrs = [attrs for _, attrs, _ in elements(html)]
    assert attrs[0]["id"] == "heading-x-onclickalert1"
    assert all(set(a) == {"data-block"} for a in attrs[1:]) and "{: .y }" in html


def test_raw_html_is_shown_as_text_not_passed_through():
    r = render_document('<div data-block="b-00000000" id="csrf_token">hi</div>\n\n<b>x</b> <script>a</script>')
    assert "<div" not in r.html and "<b>" not in r.html and "<script" not in r.html
    assert "&lt;script&gt;" in r.html and "b-00000000" not in r.block_ids


def test_links_get_rel_and_keep_safe_urls():
    html = render_document(
        "[ext](https://example.org/a?b=1) [rel](../docs/plan) [abs](/spaces/x) "
        "[frag](#goals) [mail](mailto:team@example.org) [js](javascript:alert(1)) "
        "[JS](JaVaScRiPt:alert(1)) [data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:x)"
    ).html
    links = {text: attrs for tag, attrs, text in elements(html) if tag == "a"}
    assert links["ext"]["href"] == "https://example.org/a?b=1"
    assert links["rel"]["href"] == "../docs/plan"
    assert links["abs"]["href"] == "/spaces/x"
    assert links["frag"]["href"] == "#goals"
    assert links["mail"]["href"] == "mailto:team@example.org"
    for bad in ("js", "JS", "data", "vb"):
        assert "href" not in links[bad]
    assert all(a["rel"] == "noopener noreferrer nofollow" for a in links.values())


def test_images_allow_only_http_https_and_relative_sources():
    html = render_document(
        "![a](https://x.org/a.png) ![b](img/b.png) ![c](data:image/png;base64,AAAA) "
        "![d](mailto:x@y.z) ![e](javascript:alert(1))"
    ).html
    srcs = {attrs["alt"]: attrs.get("src") for tag, attrs, _ in elements(html) if tag == "img"}
    assert srcs == {"a": "https://x.org/a.png", "b": "img/b.png", "c": None, "d": None, "e": None}


def test_unicode_is_preserved_everywhere():
    r = render_document("# Café 東京 🎉\n\nNaïve résumé — 支援 👩🏽‍⚕️ ok.\n")
    assert "Naïve résumé — 支援 👩🏽‍⚕️ ok." in r.html
    assert r.toc == (TocEntry(1, "café-東京", "Café 東京 🎉"),)
    assert r.text == "Café 東京 🎉\nNaïve résumé — 支援 👩🏽‍⚕️ ok."


# --------------------------------------------------------------------------- plain text


def test_document_text_has_one_block_per_line_and_unescaped_entities():
    r = render_document("# Plan\n\nA &amp; B, *5 < 6*, \\*literal\\*\nsoft break.\n\n- x\n- y\n\n"
                        "Claim[^1].\n\n[^1]: Note.\n")
    assert r.text == "Plan\nA & B, 5 < 6, *literal* soft break.\nx\ny\nClaim.\nNote."


def test_plain_text_of_html():
    html = "<h2>T&amp;C</h2><p>one <b>two</b><br>three</p><ul><li>a</li><li>b</li></ul><pre>x\n  y</pre>"
    assert plain_text(html) == "T&C\none two\nthree\na\nb\nx\ny"


def _extracted(html: str) -> str:
    """The full parser's reading, which plain_text's quick one must equal."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    return text_lines("".join(parser.parts))


def test_plain_text_reads_simple_markup_quickly_and_exactly_as_the_parser_does():
    tricky = ['<p>a<br/>b</p>', '<p title="x>y">t</p>', "<p data-x='a>b'>q</p>", "a &amp; b &lt;c&gt; AT&T",
              '<p>x</p  >', '</br>', '<td>a</td><th>b</th>', '<p>a &nbsp;\n b</p>', '<img src="x" />text',
              '<P>Upper</P>', '<a\nhref="z">q</a>', '<p>unterminated', 'end <', 'x < y', '<h2 id="x">T</h2>']
    rendered = [render_document(DOC).html, render_comment("**Hi** <there> & [x](https://x.org)\n\n- a\n- b")]
    for case in [*tricky, *rendered, *CORPUS_HTML]:
        assert plain_text(case) == _extracted(case), case


def test_plain_text_agrees_with_rendered_text_on_a_typical_document():
    r = render_document(DOC.replace("| 1 | 2 |", "| 1 | 2 |\n\nEnd."))
    collapse = lambda s: " ".join(s.split())  # noqa: E731 (table cell spacing differs)
    assert collapse(plain_text(r.html)) == collapse(r.text)


# --------------------------------------------------------------------------- comments


def test_comment_has_no_headings_images_or_ids():
    html = render_comment("# Big\n\n## Smaller\n\n![chart](https://x.org/c.png)\n\n"
                          "[![pic](https://x.org/p.png)](https://x.org)\n\nsee [x](javascript:1)")
    tags = [tag for tag, _, _ in elements(html)]
    assert not {"h1", "h2", "img"} & set(tags)
    assert "<p><strong>Big</strong></p>" in html
    assert '<a href="https://x.org/c.png" rel="noopener noreferrer nofollow">chart</a>' in html
    assert "id=" not in html and "data-block" not in html and "javascript" not in html


def test_comment_keeps_basic_formatting():
    html = render_comment("**bold** _em_ `code`\n\n- a\n- b\n\n```\nx < y\n```\n\n| a |\n|---|\n| 1 |\n")
    assert "<strong>bold</strong>" in html and "<em>em</em>" in html and "<code>code</code>" in html
    assert "<li>a</li>" in html and "x &lt; y" in html and "<td>1</td>" in html


# --------------------------------------------------------------------------- sanitize_html


def test_sanitize_html_applies_the_document_allowlist():
    dirty = ('<h2 id="goals" data-block="b-0123abcd" onclick="x" style="color:red">G</h2>'
             '<p data-block="evil">p</p><script>alert(1)</script><div class="toc hacker">t</div>'
             '<a href="javascript:alert(1)">a</a><img src="x.png" onerror="x"><!-- c -->'
             '<iframe srcdoc="<script>x</script>"></iframe><code class="language-js">c</code>')
    assert sanitize_html(dirty) == (
        '<h2 id="goals" data-block="b-0123abcd">G</h2><p>p</p><div class="toc">t</div>'
        '<a rel="noopener noreferrer nofollow">a</a><img src="x.png"><code class="language-js">c</code>'
    )


# --------------------------------------------------------------------------- robustness


def test_unmatched_brackets_do_not_take_quadratic_time():
    """Python-Markdown's own bracket scan took >2 min on this input."""
    start = time.process_time()
    r = render_document("[" * 20000 + "\n\n" + "[x](" * 5000 + ")")
    assert time.process_time() - start < 10
    assert r.html.startswith("<p")


def test_pathological_nesting_falls_back_to_text_and_later_renders_still_work():
    deep = "".join("    " * i + "- x\n" for i in range(300))
    r = render_document(deep)
    assert r.html.startswith("<pre>") and r.block_ids == ()
    assert render_document("fine").html.startswith('<p data-block="b-')
    assert render_comment(deep).startswith("<pre>")
    assert render_comment("fine") == "<p>fine</p>"


def test_empty_document():
    assert render_document("") == Rendered("", (), "", ())
    assert render_comment("") == ""


def test_concurrent_renders_do_not_share_state():
    sources = [f"# Doc {i}\n\nBody {i}[^n].\n\n[^n]: Note {i}.\n" for i in range(8)]
    expected = [render_document(s) for s in sources]
    results: dict[int, Rendered] = {}

    def work(i: int) -> None:
        for _ in range(20):
            results[i] = render_document(sources[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [results[i] for i in range(8)] == expected


def test_long_heading_gets_a_bounded_id_that_survives_sanitising():
    r = render_document("## " + "strategy " * 40 + "\n\n## " + "strategy " * 40 + "\n")
    ids = [attrs.get("id") for tag, attrs, _ in elements(r.html) if tag == "h2"]
    assert ids == [e.id for e in r.toc] and len(ids[0]) <= 80 and ids[1] == ids[0] + "-2"


def test_text_no_inline_pattern_can_match_renders_exactly_as_without_the_shortcut(monkeypatch):
    """rendering._skip_plain_text lets plain sentences skip the inline patterns; the output must be
    the same as Python-Markdown's own, for every kind of inline syntax and for random mixes of it."""
    import random

    from wiki import rendering

    rng = random.Random(3)
    alphabet = "ab *_[]()!<>&`\\\n  #-|:^\t1.é😀x"
    texts = [
        "Plain words only.\n\nSecond *emphasis* and __strong__ and `code` and [a link](http://x.org).\n",
        "Line break here  \nnext line, an entity &amp; &copy;, <http://auto.link> and <me@example.org>.\n",
        "A footnote[^1] and ![img](http://x.org/a.png) and \\*escaped\\*.\n\n[^1]: The note.\n",
        "[TOC]\n\n# One\n\nText.\n\n## Two\n\n| a | b |\n|---|:-:|\n| 1 | *2* |\n",
        *("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 160))) for _ in range(400)),
    ]
    fast = [(render_document(t), render_comment(t)) for t in texts]
    instances = [md for md in vars(rendering._local).values() if md is not None]
    assert instances and all("_InlineProcessor__handleInline" in vars(md.treeprocessors["inline"])
                             for md in instances)  # the shortcut is on
    monkeypatch.setattr(rendering, "_local", threading.local())
    monkeypatch.setattr(rendering, "_skip_plain_text", lambda md: None)
    assert [(render_document(t), render_comment(t)) for t in texts] == fast
