"""Replace a PostgreSQL table's rows wholesale by building a new table and swapping it in. No Flask here.

Why: refilling a table in place (DELETE, then INSERT) keeps every index up to date row by row —
for the search table's GIN indexes that is most of a rebuild's time — and leaves the old rows as
dead tuples for VACUUM. A new table filled in one statement, indexed afterwards (a bulk index build)
and analysed, then renamed into place in the same transaction, costs a fraction of that. Readers
keep reading the old table until the commit; they wait only for the final renames (an exclusive
lock held for milliseconds).

The new table copies the old one's columns and defaults (``LIKE … INCLUDING DEFAULTS``) and its
indexes are re-made from the old ones' own definitions (``pg_indexes``), so whatever the migrations
created is what the swapped-in table has, under the same names; the primary key stays a constraint.
"""

from __future__ import annotations

from sqlalchemy import text

MAINTENANCE_MEMORY = "256MB"  # for the bulk index builds (GIN builds are much faster with room)
_NEXT = "_next"


def swap_in_table(conn, table: str, select_sql: str, params: dict | None = None) -> None:
    """In ``conn``'s transaction: make ``table`` hold exactly the rows of ``select_sql`` (its
    columns in the table's order), with the same indexes, primary key and defaults."""
    fresh = table + _NEXT
    conn.execute(text(f"SET LOCAL maintenance_work_mem = '{MAINTENANCE_MEMORY}'"))
    conn.execute(text(f"DROP TABLE IF EXISTS {fresh}"))
    conn.execute(text(f"CREATE TABLE {fresh} (LIKE {table} INCLUDING DEFAULTS)"))
    conn.execute(text(f"INSERT INTO {fresh} {select_sql}"), params or {})
    indexes = conn.execute(text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                                "AND tablename = :table"), {"table": table}).all()
    primary = conn.execute(text("SELECT conname FROM pg_constraint WHERE conrelid = CAST(:table AS regclass) "
                                "AND contype = 'p'"), {"table": table}).scalar()
    for name, definition in indexes:
        conn.execute(text(_retarget(definition, name, table)))
    if primary is not None:
        conn.execute(text(f"ALTER TABLE {fresh} ADD CONSTRAINT {primary}{_NEXT} PRIMARY KEY "
                          f"USING INDEX {primary}{_NEXT}"))
    conn.execute(text(f"ANALYZE {fresh}"))  # the planner needs the new table's statistics at once
    conn.execute(text(f"DROP TABLE {table}"))
    conn.execute(text(f"ALTER TABLE {fresh} RENAME TO {table}"))
    for name, _ in indexes:  # renaming a primary key's index renames the constraint too
        conn.execute(text(f"ALTER INDEX {name}{_NEXT} RENAME TO {name}"))


def _retarget(definition: str, name: str, table: str) -> str:
    """An index definition from ``pg_indexes`` made for the new table, under a temporary name."""
    head, on, rest = definition.partition(f" ON {_qualified(definition, table)} ")
    if not on:
        raise RuntimeError(f"cannot read the definition of index {name}: {definition}")
    head = head.replace(f" INDEX {name}", f" INDEX {name}{_NEXT}", 1)
    return f"{head} ON {table}{_NEXT} {rest}"


def _qualified(definition: str, table: str) -> str:
    """How ``pg_indexes`` wrote the table's name: schema-qualified (``public.search_entries``) or not."""
    marker = f".{table} "
    if marker in definition:
        start = definition.rfind(" ", 0, definition.index(marker)) + 1
        return definition[start:definition.index(marker) + len(marker) - 1]
    return table
