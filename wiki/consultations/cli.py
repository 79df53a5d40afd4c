"""`flask --app wiki rounds …`: let the clock move rounds (for cron), and list them."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from wiki.extensions import db

rounds_cli = AppGroup("rounds", help="Consultation rounds: move them by the clock, list them.")


@rounds_cli.command("tick")
def tick():
    """Record every round the clock has opened or closed, and announce each change once.

    Idempotent and safe to run from cron as often as you like (every minute is usual): a round
    already caught up is left alone, and two ticks at once cannot both record the same change.
    Pages and the API do the same for the rounds they touch, so nothing waits for the tick."""
    from wiki.consultations import service

    steps = service.tick(db.session)
    for round_id, before, after in steps:
        click.echo(f"round {round_id}: {before} → {after}")
    click.echo(f"{len(steps)} round{'' if len(steps) == 1 else 's'} moved by the clock.")


@rounds_cli.command("list")
@click.option("--all", "show_all", is_flag=True, help="Include rounds whose report is published.")
def list_rounds(show_all):
    """List rounds with their state (as the clock puts them now) and closing time in UTC."""
    from wiki.consultations import lifecycle, service
    from wiki.consultations.models import Round

    query = select(Round).order_by(Round.closes_at)
    found = 0
    for round_ in db.session.scalars(query):
        state = service.state_of(round_)
        if state == lifecycle.PUBLISHED and not show_all:
            continue
        found += 1
        click.echo(f"{round_.id:>5}  {state:<10} closes {lifecycle.aware(round_.closes_at):%Y-%m-%d %H:%M} UTC  "
                   f"document {round_.document_id} round {round_.number}: {round_.title}")
    if not found:
        click.echo("No rounds.")
