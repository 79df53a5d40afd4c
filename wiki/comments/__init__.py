"""Comment threads on documents (issue 5, DESIGN §3).

A thread is pinned to a passage of a revision's Markdown by W3C-style selectors (quote with ~32
characters of context, code-point positions). ``anchoring`` is the PURE core (stdlib +
diff_match_patch + ``wiki.documents.revisions``, no Flask, no database) that checks a new comment's
selection and moves every thread of a document onto the next text after each edit, orphaning — never
dropping — a thread whose passage was rewritten beyond recognition.

Modules: ``rules`` (PURE: who sees a comment, under which name, who may do what), ``blocks`` and
``selection`` (PURE: rendered blocks ↔ Markdown, a reader's selection found in the Markdown),
``service`` (use cases), ``queries`` / ``presenters`` (what one viewer is shown), ``placement``
(re-anchoring after each revision; ``subscribers`` wires it to ``revision_committed``), ``live``
(threads placed on the unsaved live draft for the API, one cached diff per live version, and a live
selection mapped back to the head), ``drafting`` (a comment made in the live editor: anchored on the
head, or on the draft saved for it), ``export``
(CSV), ``routes`` (pages, no JavaScript needed), ``events`` (live delivery to each reader).
"""
