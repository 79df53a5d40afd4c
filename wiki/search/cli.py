"""`flask --app wiki search reindex | check`: rebuild the index, or find what is missing or stale in it."""

import click
from flask import current_app
from flask.cli import AppGroup

from wiki.extensions import db
from wiki.search import service
from wiki.search.backend import IndexBusy

search_group = AppGroup("search", help="Rebuild or check the full-text search index.")


@search_group.command("reindex")
def reindex():
    """Rebuild the whole index from the database (searches keep working on the old one meanwhile)."""
    engine = service.engine(current_app._get_current_object())
    total = service.total_groups(db.session)
    db.session.rollback()
    label = f"Indexing {total} documents, comment threads, rounds and editions ({engine.backend.name})"
    try:
        with click.progressbar(length=total, label=label, show_pos=True, show_eta=True) as bar:
            count = service.reindex(db.session, engine.backend, progress=bar.update)
    except IndexBusy as error:
        raise click.ClickException(f"{error}; try again when the other rebuild has finished.") from error
    click.echo(f"Indexed {count} entries.")


@search_group.command("check")
@click.option("--fix", is_flag=True, help="Queue every missing, stale or orphaned group for indexing, and wait.")
@click.option("--show", default=20, show_default=True, help="How many of each problem to list.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when the index is up to date (for cron).")
def check(fix, show, quiet):
    """Report documents, comment threads, rounds and editions missing from the index or indexed from old facts.

    Exits with status 1 when something is wrong (and --fix was not given), so cron can alert."""
    engine = service.engine(current_app._get_current_object())
    report = service.check(db.session, engine.backend)
    if report.ok and quiet:
        return
    for name, groups in (("missing", report.missing), ("stale", report.stale), ("orphaned", report.orphaned)):
        click.echo(f"{len(groups)} {name}" + (": " + ", ".join(groups[:show]) if groups else ""))
        if len(groups) > show:
            click.echo(f"  … and {len(groups) - show} more")
    if report.ok:
        click.echo("The search index is up to date.")
        return
    if not fix:
        raise click.ClickException("The search index is out of date: run `flask search check --fix` "
                                   "(or `flask search reindex`).")
    jobs = report.jobs()
    try:
        with click.progressbar(range(0, len(jobs), 100), label="Fixing", show_pos=True) as chunks:
            for start in chunks:
                service.apply_jobs(db.session, engine.backend, jobs[start:start + 100])
    except IndexBusy as error:
        raise click.ClickException(f"{error}; try again in a moment.") from error
    click.echo(f"Fixed {len(jobs)} groups.")
