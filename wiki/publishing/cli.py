"""`flask --app wiki publish build OUT_DIR [--space SLUG]`: every published edition to a folder.

Only stored editions are written (never a draft, whatever the space's privacy), each checked against
its SHA-256 first. File names are made from ids and numbers only, never from titles or slugs.
"""

from pathlib import Path

import click
from flask.cli import AppGroup
from sqlalchemy import select
from sqlalchemy.orm import undefer

from wiki.documents.models import Document
from wiki.extensions import db
from wiki.publishing import edition as builder
from wiki.publishing.models import Edition
from wiki.spaces.models import Space
from wiki.timeutil import as_utc, utcnow

publish_group = AppGroup("publish", help="Published editions: write them to a folder.")


def _editions(space_slug: str | None):
    """(edition id, space title, document id, document title, number) in a stable order."""
    query = (select(Edition.id, Space.title, Document.id, Document.title, Edition.number)
             .join(Document, Edition.document_id == Document.id).join(Space, Document.space_id == Space.id)
             .order_by(Space.slug, Document.id, Edition.number))
    if space_slug is not None:
        if db.session.scalar(select(Space.id).where(Space.slug == space_slug)) is None:
            raise click.ClickException(f"No space /s/{space_slug}/.")
        query = query.where(Space.slug == space_slug)
    return db.session.execute(query).all()


def _latest_numbers(rows) -> dict[int, int]:
    latest: dict[int, int] = {}
    for _, _, document_id, _, number in rows:
        latest[document_id] = max(number, latest.get(document_id, 0))
    return latest


@publish_group.command("build")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--space", "space_slug", default=None, help="Only this space's editions (its address, e.g. housing).")
def build(out_dir: Path, space_slug: str | None):
    """Write every published edition (of one space, or all) to OUT_DIR, with an index.html."""
    rows = _editions(space_slug)
    latest = _latest_numbers(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    entries = []
    with click.progressbar(rows, label="Writing editions", show_pos=True) as bar:
        for edition_id, space_title, document_id, document_title, number in bar:
            row = db.session.scalar(select(Edition).options(undefer(Edition.html)).where(Edition.id == edition_id))
            if builder.file_sha256(row.html) != row.sha256:
                raise click.ClickException(f"Edition {number} of document {document_id} does not match its "
                                           "SHA-256: the stored file was altered. Nothing more was written.")
            name = f"document-{document_id}/edition-{number}.html"
            (out_dir / f"document-{document_id}").mkdir(exist_ok=True)
            (out_dir / name).write_bytes(row.html.encode("utf-8"))
            entries.append(builder.IndexEntry(space_title, document_id, document_title, number,
                                              as_utc(row.published_at), name, row.sha256,
                                              number == latest[document_id]))
            db.session.expire(row)  # keep one file in memory at a time
    (out_dir / "index.html").write_text(builder.build_index(entries, utcnow()), encoding="utf-8")
    click.echo(f"Wrote {len(entries)} edition{'s' if len(entries) != 1 else ''} of {len(latest)} "
               f"document{'s' if len(latest) != 1 else ''} to {out_dir} (see index.html).")
