"""Notification email through a real SMTP server (aiosmtpd on a loopback port, in a thread): daily
digests and immediate email, at most once per email across a crash mid-run, unsubscribe without
logging in, and nothing the recipient may no longer read."""

import re
import socket
import threading
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import delete, select

from tests.factories import login
from tests.web._awareness import TEXT, notes_of, post, save, world
from wiki.awareness import inbox, mail
from wiki.awareness.models import EmailOutbox
from wiki.extensions import db
from wiki.spaces.models import Membership


class Sink:
    """An SMTP server that keeps every message it accepts."""

    def __init__(self):
        self.messages, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.lock:
            self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"

    def to(self, user) -> list:
        with self.lock:
            return [m for m in self.messages if m["To"] == user.email]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def smtp_server():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def sink(app, smtp_server):
    server, port = smtp_server
    with server.lock:
        server.messages.clear()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, NOTIFY_DIGEST_HOUR=0, NOTIFY_QUIET_SECONDS=0,
                      BASE_URL="https://wiki.example.org", MAIL_DEFAULT_SENDER="wiki@example.org")
    return server


def busy_world(**settings):
    """Three watchers of one document with a notification each, daily digests."""
    w = world(**settings)
    for key in ("facilitator", "contributor"):
        inbox.set_document_watch(db.session, w.people[key], w.doc, True)
    save(w.doc_id, w.people["admin"], TEXT + "\nEdited.\n", "Tidied")
    return w


def recipients(w):
    return [w.people[k] for k in ("facilitator", "editor", "contributor")]


def body(message) -> str:
    return message.get_content()


def test_a_daily_digest_reaches_each_watcher_once(app, sink, runner):
    w = busy_world()
    result = runner.invoke(args=["notify", "send-digests"])
    assert result.exit_code == 0, result.output
    assert "Queued 3 email(s); sent 3" in result.output
    for user in recipients(w):
        [message] = sink.to(user)
        assert message["Subject"] == "Your daily summary: 1 update"
        text = body(message)
        assert "Ada Admin edited Housing plan" in text
        assert re.search(r"https://wiki\.example\.org/notifications/\d+", text)
        assert "https://wiki.example.org/notifications/unsubscribe?token=" in text
        assert message["List-Unsubscribe"].startswith("<https://wiki.example.org/notifications/unsubscribe?token=")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    again = runner.invoke(args=["notify", "send-digests"])
    assert "Queued 0 email(s); sent 0" in again.output
    assert len(sink.messages) == 3  # never twice


def test_email_never_carries_comment_text_or_an_anonymous_name(app, sink, runner):
    w = world()
    inbox.set_document_watch(db.session, w.people["contributor"], w.doc, True)
    post(w.doc_id, w.people["writer"], "My private health story.", "anonymous")
    runner.invoke(args=["notify", "send-digests"])
    [message] = sink.to(w.people["contributor"])
    text = body(message)
    assert "Community member commented on Housing plan" in text
    assert "health story" not in text and "Wren" not in text


def test_immediate_email_waits_for_the_quiet_period_then_covers_the_burst(app, sink, runner, client):
    w = world()
    login(client, w.people["editor"])
    assert client.post("/notifications/settings", data={"email_mode": "immediate"}).status_code == 302
    app.config["NOTIFY_QUIET_SECONDS"] = 3600
    for n in range(3):
        save(w.doc_id, w.people["facilitator"], TEXT + "\nLine\n" * (n + 1))
    runner.invoke(args=["notify", "send-digests"])
    assert sink.to(w.people["editor"]) == []  # still being edited
    app.config["NOTIFY_QUIET_SECONDS"] = 0
    runner.invoke(args=["notify", "send-digests"])
    [message] = sink.to(w.people["editor"])
    assert "3 edits to Housing plan" in body(message)
    link = re.search(r"https://wiki\.example\.org/notifications/unsubscribe\?token=\S+", body(message)).group(0)
    assert message["List-Unsubscribe"] == f"<{link}>"  # in every email, immediate ones too
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert client.post("/notifications/settings", data={"email_mode": "hourly"}).status_code == 422


class Crash(BaseException):
    """The process dying (not an Exception: nothing in the code under test may swallow it)."""


class CrashingTransport(mail.SmtpTransport):
    """Delivers for real, then dies right after the SMTP server accepted message number ``after``."""

    def __init__(self, config, after: int):
        super().__init__(config)
        self.after, self.count = after, 0

    def send(self, message):
        super().send(message)
        self.count += 1
        if self.count == self.after:
            raise Crash


def states():
    db.session.expire_all()
    return sorted(row.state for row in db.session.scalars(select(EmailOutbox)))


def test_a_crash_between_sending_and_recording_never_sends_twice(app, sink, runner):
    w = busy_world()
    with pytest.raises(Crash):
        mail.run(db.session, transport=CrashingTransport(app.config, after=2))
    db.session.rollback()
    assert states() == ["pending", "sending", "sent"]  # the second was accepted, but not recorded as sent
    assert len(sink.messages) == 2
    app.config["NOTIFY_SEND_LEASE_SECONDS"] = 0  # the dead run's claim has expired
    result = runner.invoke(args=["notify", "send-digests"])
    assert "sent 1" in result.output and "uncertain after an interrupted run 1" in result.output
    for user in recipients(w):
        assert len(sink.to(user)) == 1  # each person exactly once
    assert states() == ["sent", "sent", "uncertain"]
    runner.invoke(args=["notify", "send-digests"])
    assert len(sink.messages) == 3
    listed = runner.invoke(args=["notify", "outbox"])
    uncertain = db.session.scalar(select(EmailOutbox).where(EmailOutbox.state == "uncertain"))
    assert f"{uncertain.id:>6}  uncertain" in listed.output
    assert runner.invoke(args=["notify", "resend", str(uncertain.id), "--yes"]).exit_code == 0
    runner.invoke(args=["notify", "send-digests"])  # the operator chose to send it again
    assert len(sink.messages) == 4 and states() == ["sent", "sent", "sent"]


def test_a_crash_while_composing_leaves_nothing_half_done(app, sink, runner, monkeypatch):
    w = busy_world()
    real, calls = mail.compose_for, []

    def compose_then_die(session, user, now):
        calls.append(user.id)
        if len(calls) == 2:
            raise Crash
        return real(session, user, now)

    monkeypatch.setattr(mail, "compose_for", compose_then_die)
    with pytest.raises(Crash):
        mail.run(db.session)
    db.session.rollback()
    assert states() == ["pending"]  # the first person's email is queued; nobody else's
    monkeypatch.setattr(mail, "compose_for", real)
    runner.invoke(args=["notify", "send-digests"])
    for user in recipients(w):
        assert len(sink.to(user)) == 1


def test_the_unsubscribe_link_works_without_logging_in(app, sink, runner, client):
    w = busy_world()
    runner.invoke(args=["notify", "send-digests"])
    [message] = sink.to(w.people["contributor"])
    link = re.search(r"https://wiki\.example\.org(/notifications/unsubscribe\?token=\S+)", body(message)).group(1)
    page = client.get(link)
    assert page.status_code == 200 and w.people["contributor"].email in page.get_data(as_text=True)
    done = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and b"no more notification email" in done.data
    assert inbox.settings_of(db.session, w.people["contributor"]).email_mode == "none"
    save(w.doc_id, w.people["admin"], TEXT + "\nAgain.\n")
    runner.invoke(args=["notify", "send-digests"])
    assert len(sink.to(w.people["contributor"])) == 1
    assert client.get(link[:-3] + "xyz").status_code == 404
    assert client.get("/notifications/unsubscribe?token=not-a-token").status_code == 404
    assert client.get("/notifications/unsubscribe").status_code == 404


def test_nothing_is_mailed_about_what_the_recipient_can_no_longer_read(app, sink, runner):
    w = busy_world()
    db.session.execute(delete(Membership).where(Membership.user_id == w.people["contributor"].id))
    db.session.commit()
    runner.invoke(args=["notify", "send-digests"])
    assert sink.to(w.people["contributor"]) == [] and len(sink.messages) == 2
    assert notes_of(w.people["contributor"])[0].mail_state == "skipped"


def test_an_unreachable_mail_server_keeps_the_email_for_the_next_run(app, sink, runner):
    busy_world()
    app.config["MAIL_PORT"] = free_port()  # nobody listens there
    result = runner.invoke(args=["notify", "send-digests"])
    assert result.exit_code == 0 and "sent 0" in result.output
    assert states() == ["pending", "pending", "pending"]


def test_without_a_mail_server_no_email_is_planned(app, runner):
    w = busy_world()
    assert notes_of(w.people["editor"])[0].mail_state == "none"
    result = runner.invoke(args=["notify", "send-digests"])
    assert "Email is off" in result.output
