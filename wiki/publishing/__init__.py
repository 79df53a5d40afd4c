"""Published editions (issue 8): a revision published as one self-contained, immutable HTML file.

``edition`` (PURE: builds the file), ``sections`` (PURE: numbering, anchors, sections for comparing),
``changes`` (PURE: what changed since the previous edition), ``provenance`` (PURE: the appendices'
data and their privacy rules); ``sources`` (reads that data), ``service`` (plan, publish, find),
``routes`` (confirm and preview pages, the editions list, the public /p/ addresses), ``cli``
(``flask publish build``), ``privacy`` (the data download's part). See docs/publishing.md.
"""
