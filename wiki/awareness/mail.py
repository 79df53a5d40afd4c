"""Email: compose notifications into an outbox, then send it — at most once per email, and safely
resumable after a crash (docs/notifications.md, "Email delivery").

Off unless ``MAIL_SERVER`` is set. Run by ``flask --app wiki notify send-digests`` (cron-safe):

1. **Compose**, one transaction per person: their due notifications (re-checked: only what they may
   still read) become one outbox row with a unique idempotency key (``digest:<user>:<day>`` or
   ``immediate:<user>:<first notification id>``), and the notifications move from ``due`` to
   ``queued`` *in the same transaction* with a conditional update. A crash before the commit leaves
   nothing half-done; two runs at once cannot both take the same notifications.
2. **Send**, one row at a time: claim it (``pending`` → ``sending``, conditional, committed), hand it
   to SMTP, mark it ``sent``. A row is claimed before it is sent, so no run sends it twice. A crash
   between the claim and the mark leaves it ``sending``; the next run cannot know whether the SMTP
   server accepted it, so after a lease it becomes ``uncertain`` and is **not** sent again
   (``notify outbox`` lists them, ``notify resend ID`` is the operator's deliberate choice). A
   server that refuses outright marks it ``failed``; one that cannot be reached releases the claim
   (nothing was transmitted) to try on the next run.

Emails carry titles, names as the rules allow, and links — never comment text: whoever follows a
link is checked again by the page.
"""

from __future__ import annotations

import contextlib
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, render_template, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select, update

from wiki.auth.models import User
from wiki.awareness import batching, inbox, notify
from wiki.awareness.models import (
    MAIL_DUE,
    MAIL_QUEUED,
    MAIL_SKIPPED,
    OUT_FAILED,
    OUT_PENDING,
    OUT_SENDING,
    OUT_SENT,
    OUT_UNCERTAIN,
    EmailOutbox,
    Notification,
)
from wiki.errors import NotFound
from wiki.timeutil import as_utc, utcnow

_SALT = "awareness-unsubscribe"
BAD_LINK = "This unsubscribe link is not valid. Change your email settings on your notifications page."


# --- unsubscribe -------------------------------------------------------------------------------------


def unsubscribe_token(user_id: int) -> str:
    """A signed, non-expiring token: the link in an old email must still work, without logging in."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).dumps({"u": user_id})


def user_for_unsubscribe(session, token: str) -> User:
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT).loads(token or "")
    except BadSignature:
        raise NotFound(BAD_LINK) from None
    user = session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None:
        raise NotFound(BAD_LINK)
    return user


def unsubscribe(session, token: str) -> User:
    """Stop all notification email for the token's account; pending email is dropped too."""
    user = user_for_unsubscribe(session, token)
    inbox.settings_of(session, user).email_mode = batching.NONE
    session.execute(update(Notification).where(Notification.user_id == user.id, Notification.mail_state == MAIL_DUE)
                    .values(mail_state=MAIL_SKIPPED))
    session.execute(update(EmailOutbox).where(EmailOutbox.user_id == user.id, EmailOutbox.state == OUT_PENDING)
                    .values(state=OUT_FAILED, error="unsubscribed before sending"))
    session.commit()
    return user


# --- composing ---------------------------------------------------------------------------------------


def compose_all(session, now=None) -> int:
    """Phase 1 for everyone with due notifications; returns how many emails were queued."""
    now = now or utcnow()
    user_ids = list(session.scalars(select(Notification.user_id).where(Notification.mail_state == MAIL_DUE)
                                    .distinct().order_by(Notification.user_id)))
    made = 0
    for user_id in user_ids:
        made += compose_for(session, session.get(User, user_id), now) is not None
    return made


def compose_for(session, user: User, now) -> EmailOutbox | None:
    """Queue this person's due notifications as one email, if one is due now (commits)."""
    notes = list(session.scalars(inbox.with_events(select(Notification).where(
        Notification.user_id == user.id, Notification.mail_state == MAIL_DUE).order_by(Notification.id))))
    mode = notify.email_modes(session, [user.id])[user.id]
    shown = inbox.views(session, notes, user) if user.is_active and mode != batching.NONE else []
    visible = {view.id for view in shown}
    _mark(session, [n.id for n in notes if n.id not in visible], MAIL_SKIPPED)  # gone, or no longer wanted
    settings = inbox.settings_of(session, user)
    if mode == batching.IMMEDIATE:
        ready = [v for v in shown if batching.immediate_due(v.updated_at, now, notify.quiet_period())]
        key = batching.outbox_key("immediate", user.id, str(ready[0].id)) if ready else None
    else:
        day = batching.digest_day(now, int(current_app.config.get("NOTIFY_DIGEST_HOUR", 7)), settings.last_digest_on)
        ready, key = (shown, batching.outbox_key("digest", user.id, day)) if day and shown else ([], None)
        if key:
            settings.last_digest_on = day
    if not ready:
        session.commit()
        return None
    if _mark(session, [v.id for v in ready], MAIL_QUEUED) != len(ready):
        session.rollback()  # another run took some of them meanwhile: it sends them
        return None
    row = EmailOutbox(key=key, user_id=user.id, kind=mode, state=OUT_PENDING, created_at=now,
                      subject=_subject(ready, mode), body=_body(user, ready, mode))
    session.add(row)
    session.flush()
    session.execute(update(Notification).where(Notification.id.in_([v.id for v in ready]))
                    .values(outbox_id=row.id))
    session.commit()
    return row


def _mark(session, ids: list[int], state: str) -> int:
    if not ids:
        return 0
    query = update(Notification).where(Notification.id.in_(ids), Notification.mail_state == MAIL_DUE)
    return session.execute(query.values(mail_state=state)).rowcount


def _subject(views, mode: str) -> str:
    if mode == batching.DAILY:
        return f"Your daily summary: {len(views)} update{'s' if len(views) != 1 else ''}"
    first = views[0].item
    more = f" and {len(views) - 1} more" if len(views) > 1 else ""
    return f"{first.headline}{more}"[:200]


def _body(user: User, views, mode: str) -> str:
    """Plain text with absolute links (WIKI_BASE_URL), rendered outside any request."""
    base = current_app.config.get("BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=base):
        return render_template("awareness/email.txt", user=user, views=views, daily=mode == batching.DAILY,
                               unsubscribe=url_for("awareness.unsubscribe", token=unsubscribe_token(user.id),
                                                   _external=True),
                               settings=url_for("awareness.settings", _external=True))


# --- sending -----------------------------------------------------------------------------------------


class SmtpTransport:
    """One SMTP connection for a run, opened on the first message (the standard library's smtplib)."""

    def __init__(self, config):
        self.config, self.smtp = config, None

    def _open(self):
        config = self.config
        host, port = config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25)
        timeout = int(config.get("MAIL_TIMEOUT", 30))
        self.smtp = (smtplib.SMTP_SSL if config.get("MAIL_USE_SSL") else smtplib.SMTP)(host, port, timeout=timeout)
        if config.get("MAIL_USE_TLS"):
            self.smtp.starttls()
        if config.get("MAIL_USERNAME"):
            self.smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")

    def send(self, message: EmailMessage) -> None:
        if self.smtp is None:
            self._open()
        self.smtp.send_message(message)

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException):
                self.smtp.quit()
            self.smtp = None


def message_for(row: EmailOutbox) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config.get("MAIL_DEFAULT_SENDER") or "wiki@localhost"
    message["To"] = row.user.email
    message["Subject"] = row.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=row.key.replace(":", "."), domain="wiki.local")
    message["Auto-Submitted"] = "auto-generated"
    base = config.get("BASE_URL") or "http://127.0.0.1:5000"
    with current_app.test_request_context("/", base_url=base):
        link = url_for("awareness.unsubscribe", token=unsubscribe_token(row.user_id), _external=True)
    message["List-Unsubscribe"] = f"<{link}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058 one-click
    message.set_content(row.body)
    return message


def release_stale_claims(session, now=None) -> int:
    """Rows left ``sending`` by a run that died: the SMTP server may have taken them, so they become
    ``uncertain`` — never re-sent automatically (at most once)."""
    now = now or utcnow()
    lease = timedelta(seconds=int(current_app.config.get("NOTIFY_SEND_LEASE_SECONDS", 600)))
    stale = [r for r in session.scalars(select(EmailOutbox).where(EmailOutbox.state == OUT_SENDING))
             if as_utc(r.claimed_at) is None or now - as_utc(r.claimed_at) >= lease]
    for row in stale:
        row.state, row.error = OUT_UNCERTAIN, "the sending run stopped before confirming delivery"
    session.commit()
    return len(stale)


def send_pending(session, transport) -> tuple[int, int]:
    """Phase 2: send every pending row once. Returns (sent, not sent)."""
    sent = failed = 0
    ids = list(session.scalars(select(EmailOutbox.id).where(EmailOutbox.state == OUT_PENDING).order_by(EmailOutbox.id)))
    for row_id in ids:
        claimed = session.execute(update(EmailOutbox).where(EmailOutbox.id == row_id, EmailOutbox.state == OUT_PENDING)
                                  .values(state=OUT_SENDING, claimed_at=utcnow())).rowcount
        session.commit()
        if not claimed:
            continue  # another run has it
        row = session.get(EmailOutbox, row_id)
        outcome, error = _deliver(transport, message_for(row))
        if outcome == OUT_PENDING:  # the server could not be reached: nothing left this machine
            row.state, row.claimed_at, row.error = OUT_PENDING, None, error
            session.commit()
            return sent, failed + 1
        row.state, row.error = outcome, error
        row.sent_at = utcnow() if outcome == OUT_SENT else None
        session.commit()
        sent, failed = sent + (outcome == OUT_SENT), failed + (outcome != OUT_SENT)
    return sent, failed


def _deliver(transport, message: EmailMessage) -> tuple[str, str]:
    try:
        transport.send(message)
    except (smtplib.SMTPConnectError, ConnectionRefusedError, smtplib.SMTPHeloError) as error:
        return OUT_PENDING, f"could not reach the mail server: {error}"[:500]
    except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
        return OUT_FAILED, f"refused by the mail server: {error}"[:500]
    except (smtplib.SMTPException, OSError) as error:
        return OUT_UNCERTAIN, f"connection lost while sending: {error}"[:500]
    return OUT_SENT, ""


def run(session, transport=None, now=None) -> dict:
    """The whole cron job: release stale claims, compose, send."""
    if not current_app.config.get("MAIL_SERVER"):
        return {"enabled": False, "uncertain": 0, "composed": 0, "sent": 0, "failed": 0}
    uncertain = release_stale_claims(session, now)
    composed = compose_all(session, now)
    transport = transport or SmtpTransport(current_app.config)
    try:
        sent, failed = send_pending(session, transport)
    finally:
        transport.close()
    return {"enabled": True, "uncertain": uncertain, "composed": composed, "sent": sent, "failed": failed}
