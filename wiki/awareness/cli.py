"""`flask --app wiki notify …`: the cron jobs of notifications and the email outbox (docs/notifications.md)."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from wiki.awareness import mail
from wiki.awareness.models import OUT_FAILED, OUT_PENDING, OUT_UNCERTAIN, EmailOutbox
from wiki.extensions import db

notify_group = AppGroup("notify", help="Notification email and reminders (safe to run from cron).")


@notify_group.command("send-digests")
def send_digests():
    """Queue and send due notification email: immediate ones whose quiet period is over, and daily
    digests after NOTIFY_DIGEST_HOUR (UTC). Safe to run every few minutes and twice at once."""
    outcome = mail.run(db.session)
    if not outcome["enabled"]:
        click.echo("Email is off: set MAIL_SERVER to send notification email.")
        return
    click.echo(f"Queued {outcome['composed']} email(s); sent {outcome['sent']}; "
               f"not sent {outcome['failed']}; uncertain after an interrupted run {outcome['uncertain']}.")


@notify_group.command("remind")
def remind():
    """Tell watchers once when a consultation round opens or closes within 48 hours. Safe to run
    from cron as often as wanted (every 15 minutes is plenty)."""
    from flask import current_app

    from wiki.awareness import rounds
    from wiki.awareness.events import announce

    sent = rounds.remind(db.session)
    for round_id, which, told in sent:
        announce(current_app._get_current_object(), told)
        click.echo(f"Round {round_id}: {which.replace('-', ' ')} — told {len(told)} watcher(s).")
    if not sent:
        click.echo("No reminders due.")


@notify_group.command("outbox")
@click.option("--state", type=click.Choice(["pending", "sending", "sent", "uncertain", "failed"]), default=None,
              help="Only emails in this state (default: those needing attention: uncertain and failed).")
@click.option("--limit", default=50, show_default=True)
def outbox(state, limit):
    """List outbox emails (never their text)."""
    states = [state] if state else [OUT_UNCERTAIN, OUT_FAILED]
    rows = db.session.scalars(select(EmailOutbox).where(EmailOutbox.state.in_(states))
                              .order_by(EmailOutbox.id.desc()).limit(limit))
    count = 0
    for row in rows:
        count += 1
        click.echo(f"{row.id:>6}  {row.state:<9}  {row.kind:<9}  user {row.user_id:<6} {row.created_at:%Y-%m-%d %H:%M}"
                   f"  {row.error}")
    if not count:
        click.echo("No emails in " + " or ".join(states) + ".")


@notify_group.command("resend")
@click.argument("outbox_id", type=int)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def resend(outbox_id, yes):
    """Queue an uncertain or failed email again. An uncertain one may already have arrived: resending
    it may deliver it twice, so this is the operator's deliberate choice."""
    row = db.session.get(EmailOutbox, outbox_id) if 0 < outbox_id < 2**31 else None
    if row is None or row.state not in (OUT_UNCERTAIN, OUT_FAILED):
        raise click.ClickException(f"No uncertain or failed email {outbox_id} (see `notify outbox`).")
    if not yes:
        click.confirm(f"Send email {outbox_id} ({row.state}) to user {row.user_id} again?", abort=True)
    row.state, row.claimed_at, row.error = OUT_PENDING, None, ""
    db.session.commit()
    click.echo(f"Email {outbox_id} will be sent by the next `notify send-digests`.")
