"""The pure search core: terms (stemming that folds British and American spellings), the query
language and its error messages, snippets (escaped, marked), "did you mean" candidates, sections of a
rendered document, and who may find a comment (asked of the comment rules for every kind of viewer).
"""

import re
from datetime import date

import pytest

from tests.unit.test_xss_corpus import CORPUS_FILES, audit
from wiki.comments import rules
from wiki.rendering import render_document
from wiki.search import highlight, spelling
from wiki.search.backend import Filters, SearchRequest, Tally
from wiki.search.entries import ALL, comment_access, document_entries, searcher_tokens, sections, viewer_token
from wiki.search.query import PHRASE, PREFIX, TERM, QuerySyntaxError, parse
from wiki.search.text import term_positions, terms

# --- terms ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("family", [
    ["prioritise", "prioritised", "prioritising", "prioritisation", "prioritize", "priorities", "priority"],
    ["organise", "organised", "organisation", "organize", "organization"],
    ["employ", "employed", "employment", "employing"],
    ["community", "communities"],
    ["support", "supported", "supporting"],
    ["Café", "cafe", "CAFÉ"],
])
def test_words_of_one_family_share_one_term(family):
    assert len(set(terms(" ".join(family)))) == 1, terms(" ".join(family))


def test_unrelated_words_keep_different_terms():
    assert len(set(terms("housing transport employment priority peer"))) == 5


def test_stop_words_and_single_letters_are_left_out_and_positions_skip_them():
    assert terms("The support of a peer") == ["support", "peer"]
    assert [(t, p) for t, p, _, _ in term_positions("support of peers")] == [("support", 0), ("peer", 1)]


def test_punctuation_and_underscores_split_words_like_postgresql_does():
    assert terms("covid-19 snake_case e.g.") == ["covid", "19", "snake", "case"]


# --- the query language ----------------------------------------------------------------------------


def test_query_parts():
    query = parse('prioritise "peer support" employ* -parking -"car park"')
    (group,) = query.groups
    assert [(c.kind, c.terms, c.negated) for c in group] == [
        (TERM, ("priorit",), False), (PHRASE, ("peer", "support"), False), (PREFIX, ("employ",), False),
        (TERM, ("park",), True), (PHRASE, ("car", "park"), True)]


def test_or_makes_alternatives_and_punctuated_words_become_phrases():
    query = parse("housing OR covid-19")
    assert [[(c.kind, c.terms) for c in g] for g in query.groups] == [[(TERM, ("hous",))],
                                                                       [(PHRASE, ("covid", "19"))]]


def test_a_prefix_also_finds_stems_its_letters_run_past():
    (clause,) = parse("employm*").groups[0]
    assert clause.kind == PREFIX and "employ" in clause.exact


def test_very_common_words_are_reported_not_searched():
    query = parse("the of")
    assert query.empty and query.ignored == ("the", "of")


@pytest.mark.parametrize(("text", "message"), [
    ('"peer support', "Close the quotation marks"),
    ("em*ploy", "A * can only end a word"),
    ("e*", "at least 2 letters"),
    ("*", "at least 2 letters"),
    ("- housing", "minus sign must come right before"),
    ("housing OR", "both sides of OR"),
    ("OR housing", "both sides of OR"),
    ("-parking", "cannot only exclude"),
    ('""', "phrase in quotation marks is empty"),
    ("x" * 300, "too long"),
    (" ".join(f"w{i}x" for i in range(20)), "too many parts"),
])
def test_malformed_queries_are_refused_with_a_message(text, message):
    with pytest.raises(QuerySyntaxError, match=re.escape(message)):
        parse(text)


# --- snippets ---------------------------------------------------------------------------------------


def test_snippets_mark_every_form_of_the_searched_word():
    marked = highlight.snippet("We set our priorities. Prioritising matters.", highlight.Matcher(parse("prioritise")))
    assert marked.html == "We set our <mark>priorities</mark>. <mark>Prioritising</mark> matters."
    assert marked.words == ("priorities", "Prioritising")


def test_a_long_text_is_cut_around_the_richest_passage():
    text = "filler words here. " * 60 + "The peer support workers. " + "more filler text. " * 60
    marked = highlight.snippet(text, highlight.Matcher(parse('"peer support"')))
    assert "<mark>peer</mark> <mark>support</mark>" in marked.html
    assert marked.html.startswith("…") and marked.html.endswith("…") and len(marked.html) < 400


def test_markup_in_the_text_is_shown_as_text():
    marked = highlight.snippet('<img src=x onerror=alert(1)> peer <script>alert(1)</script>',
                               highlight.Matcher(parse("peer")))
    assert marked.html == "&lt;img src=x onerror=alert(1)&gt; <mark>peer</mark> &lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.name)
def test_the_xss_corpus_is_inert_in_snippets_and_titles(path):
    matcher = highlight.Matcher(parse("alert OR script OR img OR javascript"))
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        for html in (highlight.snippet(line, matcher).html, highlight.mark(line, matcher).html):
            assert audit(html) == [], (line, html)
            assert "<" not in html.replace("<mark>", "").replace("</mark>", ""), (line, html)


# --- did you mean -----------------------------------------------------------------------------------


def test_spelling_candidates_are_one_edit_away_and_keyed_by_term():
    found = spelling.candidates("housng")
    assert found["hous"] == "housing"
    assert spelling.candidates("x1") == {} and spelling.candidates("ab") == {}


def test_rewrite_keeps_the_rest_of_the_query():
    assert spelling.rewrite('housng "peer support" -parking', {"housng": "housing"}) == \
        'housing "peer support" -parking'


# --- what is indexed ----------------------------------------------------------------------------------


def test_a_document_is_split_at_every_heading_with_its_anchor():
    html = render_document("Lead text.\n\n## Peer support\n\nPeers help.\n\n### Funding\n\nMoney.\n").html
    lead, parts = sections(html)
    assert lead == "Lead text."
    assert [(s.anchor, s.title, s.text) for s in parts] == [("peer-support", "Peer support", "Peers help."),
                                                             ("funding", "Funding", "Money.")]
    entries = document_entries(document_id=3, space_id=1, title="Plan", html=html, status="draft", date=None, head=2)
    assert [e.key for e in entries] == ["group:document:3", "document:3", "section:3:peer-support",
                                        "section:3:funding"]
    assert entries[1].headings == "Peer support\nFunding"


VIEWERS = {
    "anonymous": rules.Viewer(),
    "signed-in": rules.Viewer(user_id=-1, can_comment=True),
    "editor": rules.Viewer(user_id=-1, editor=True, can_comment=True),
    "facilitator": rules.Viewer(user_id=-1, facilitator=True, editor=True, can_comment=True),
}


@pytest.mark.parametrize("visibility", ["named", "anonymous", "facilitators"])
@pytest.mark.parametrize("state", ["published", "pending", "hidden", "withdrawn"])
def test_who_may_find_a_comment(visibility, state):
    facts = rules.CommentFacts(author_id=7, author_name="Aisha", visibility=visibility, state=state)
    access = comment_access(facts, VIEWERS.values())
    everyone = state == "published" and visibility != "facilitators"
    for name, viewer in VIEWERS.items():
        allowed = state != "withdrawn" and (everyone or name == "facilitator")
        assert (viewer_token(viewer) in access) == allowed, name
    assert ("u7" in access) == (state != "withdrawn")  # the author finds their own, until withdrawn
    assert ALL not in access


def test_a_searcher_holds_all_their_kind_and_their_own_token():
    assert searcher_tokens(VIEWERS["anonymous"]) == {ALL, "v0000"}
    assert searcher_tokens(rules.Viewer(user_id=5, can_comment=True)) == {ALL, "v0011", "u5"}


def test_facet_counts_keep_the_other_filters():
    request = SearchRequest(parse("x"), {1: frozenset({ALL}), 2: frozenset({ALL})},
                            Filters(kinds=frozenset({"comment"}), date_from=date(2026, 1, 1)))
    tally = Tally(request)
    day = date(2026, 2, 1).toordinal()

    def admit(kind, space, status, on, access):  # as the Whoosh backend counts one match
        return tally.visible(space, on, access) and tally.count(kind, space, status)

    assert admit("comment", 1, "open", day, frozenset({ALL}))
    assert not admit("document", 1, "draft", day, frozenset({ALL}))
    assert not admit("comment", 3, "open", day, frozenset({ALL}))  # space not readable
    assert not admit("comment", 2, "open", date(2025, 1, 1).toordinal(), frozenset({ALL}))
    assert not admit("comment", 2, "open", day, frozenset({"u9"}))
    assert tally.total == 1
    assert tally.kinds == {"comment": 1, "document": 1}
    assert tally.spaces == {1: 1}
    assert tally.passes("comment", 2, "open") and not tally.passes("document", 1, "open")  # nothing counted
    assert not tally.visible(3, day, frozenset({ALL})) and tally.visible(2, day, frozenset({ALL}))
    tally.count("comment", 2, "open", 5)  # five visible matches with the same facts, counted at once
    assert tally.total == 6 and tally.spaces == {1: 1, 2: 5}
