"""Full-text search (issue 7; docs/search.md).

PURE cores (no Flask, no database): ``text`` (the one way text becomes index terms), ``query`` (the
search language), ``highlight`` (escaped, marked snippets), ``spelling`` ("did you mean"), ``entries``
(what is indexed and who may find it), ``backend`` (the interface every backend implements).

Backends: ``index`` (Whoosh, the default; with ``whoosh_query``) and ``pg`` (PostgreSQL full text;
table in ``models``). Keeping the index current: ``subscribers`` (signals → jobs), ``indexer`` (the
queue and its thread), ``sources`` / ``rounds`` / ``editions`` (entries from the database, with
``viewers``), ``service`` (apply jobs, reindex, check). Searching: ``finder`` (as one user) and
``hydrate`` (results re-checked against the database). Surfaces: ``routes`` (/search), ``cli``
(``flask search …``) and wiki/api/search.py.
"""
