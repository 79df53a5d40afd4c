"""PURE text hygiene for documents (wiki/documents/text.py): newlines, control characters, slugs."""

import pytest

from wiki.documents.text import RESERVED_SLUGS, normalise_text, single_line, slugify, unique_slug

# --- normalise_text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("a\r\nb\r\n", "a\nb\n"),  # Windows
        ("a\rb\r", "a\nb\n"),  # old Mac
        ("a\r\n\r\nb", "a\n\nb"),  # a blank line stays one blank line, not two
        ("a\r\rb", "a\n\nb"),
        ("mixed\r\none\rtwo\nthree", "mixed\none\ntwo\nthree"),
    ],
)
def test_every_newline_convention_becomes_lf(raw, clean):
    assert normalise_text(raw) == clean


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\x7f"])
def test_control_characters_are_removed(char):
    assert normalise_text(f"be{char}fore\n") == "before\n"


def test_tabs_newlines_and_unicode_are_kept():
    text = "# Café\n\n\tcode\n- ünïcödé — “quotes” 🎉\n"
    assert normalise_text(text) == text


def test_none_and_empty_become_empty_text():
    assert normalise_text(None) == ""
    assert normalise_text("") == ""


def test_normalising_twice_changes_nothing_more():
    once = normalise_text("a\r\n\x00b\r\x0cc")
    assert once == "a\nb\nc"
    assert normalise_text(once) == once


# --- single_line (titles, summaries, version names) ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  Housing   plan ", "Housing plan"),
        ("Bad\x00title", "Badtitle"),
        ("line\r\nbreak\tand\ttab", "line break and tab"),
        ("esc\x1b[31mred", "esc[31mred"),
        ("\x00\x7f", ""),
        (None, ""),
    ],
)
def test_single_line_strips_controls_and_collapses_whitespace(raw, clean):
    assert single_line(raw) == clean


# --- slugify -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Café stratégie", "cafe-strategie"),
        ("Housing Plan 2030", "housing-plan-2030"),
        ("  --Hello,   World!--  ", "hello-world"),
        ("Ärger über Öl", "arger-uber-ol"),
        ("Ça va? Ñandú", "ca-va-nandu"),
        ("Strategy: 2024/25 (draft)", "strategy-2024-25-draft"),
        ("ﬁne ligature", "fine-ligature"),  # NFKD folds the ligature
    ],
)
def test_slugs_are_lowercase_ascii_words_joined_by_hyphens(title, slug):
    assert slugify(title) == slug


@pytest.mark.parametrize("title", ["", "   ", "!!!", "日本語の文書", "🎉🎉", None])
def test_a_title_with_nothing_to_spell_still_gets_a_slug(title):
    assert slugify(title) == "document"


def test_slugs_are_cut_to_80_characters_without_a_trailing_hyphen():
    slug = slugify("word " * 40)
    assert len(slug) <= 80
    assert not slug.endswith("-") and not slug.startswith("-")
    assert slug.startswith("word-word-")
    assert len(slugify("x" * 200)) == 80
    assert slugify("a" * 79 + " b") == "a" * 79  # the cut falls on the hyphen: dropped


# --- unique_slug ---------------------------------------------------------------------------------


def test_a_free_slug_is_kept():
    assert unique_slug("plan", set()) == "plan"
    assert unique_slug("plan", {"other"}) == "plan"


def test_duplicates_get_the_next_free_number():
    assert unique_slug("plan", {"plan"}) == "plan-2"
    assert unique_slug("plan", {"plan", "plan-2"}) == "plan-3"
    assert unique_slug("plan", {"plan", "plan-2", "plan-3", "plan-4"}) == "plan-5"
    assert unique_slug("plan", {"plan-2"}) == "plan"


@pytest.mark.parametrize("name", ["members", "new", "history", "edit", "attribution", "settings", "moderation"])
def test_reserved_page_names_get_a_suffix(name):
    assert name in RESERVED_SLUGS
    assert unique_slug(name, set()) == f"{name}-2"
    assert unique_slug(name, {f"{name}-2"}) == f"{name}-3"


def test_a_numbered_slug_still_fits_80_characters():
    base = "x" * 80
    slug = unique_slug(base, {base})
    assert slug == "x" * 78 + "-2"
    taken = {base} | {"x" * (80 - len(str(n)) - 1) + f"-{n}" for n in range(2, 10)}
    slug = unique_slug(base, taken)
    assert slug == "x" * 77 + "-10"
    assert len(slug) == 80
