"""XSS payloads in what awareness shows — document titles, edit summaries, comment text — stay inert
in recent changes, notifications, the briefing and the Atom feed (the shared corpus when present)."""

import re
from pathlib import Path
from xml.etree import ElementTree as ET

from tests.factories import login
from tests.unit.test_xss_corpus import audit
from tests.web._awareness import TEXT, post, save, world
from wiki.awareness import inbox
from wiki.documents import service as documents
from wiki.extensions import db

CORPUS = Path("/work/shared/testdata/xss/pat-BRUTELOGIC-XSS-STRINGS.txt")
FALLBACK = ['<svg onload=alert(1)>', '"><img src=x onerror=alert(1)>', "<script>alert(1)</script>",
            "javascript:alert(1)", '<a href="javascript:alert(1)">x</a>', "'-alert(1)-'"]


def payloads() -> list[str]:
    lines = CORPUS.read_text(errors="replace").splitlines() if CORPUS.is_file() else []
    return [p for p in lines if p.strip()][:60] or FALLBACK


def fragments(html: str, css_class: str) -> str:
    found = re.findall(rf'<ol class="{css_class}">.*?</ol>', html, flags=re.S)
    assert found, css_class
    return "".join(found)


def test_payloads_stay_inert_everywhere_awareness_shows_them(app, client):
    w = world(private=False)
    attacks = payloads()
    inbox.set_document_watch(db.session, w.people["contributor"], w.doc, True)
    documents.save(db.session, w.doc, w.people["editor"], TEXT + "\nMore.\n", w.doc.head_number,
                   " ".join(attacks)[:500], title=attacks[0][:200])
    for n, chunk in enumerate(range(0, len(attacks), 20)):
        post(w.doc_id, w.people["writer"], "\n\n".join(attacks[chunk:chunk + 20]) + f" #{n}")
    save(w.doc_id, w.people["facilitator"], TEXT + "\nAgain.\n", attacks[1][:500])
    login(client, w.people["contributor"])
    pages = {
        "space changes": fragments(client.get(f"/s/{w.space.slug}/changes").get_data(as_text=True), "activity-list"),
        "site changes": fragments(client.get("/changes").get_data(as_text=True), "activity-list"),
        "notifications": fragments(client.get("/notifications").get_data(as_text=True), "notification-list"),
    }
    briefing = client.get(f"/s/{w.space.slug}/{w.doc.slug}/briefing").get_data(as_text=True)
    pages["briefing"] = briefing[briefing.index('<article class="briefing"'):briefing.index("</article>")]
    for name, html in pages.items():
        assert audit(html) == [], name
    assert "&lt;svg onload=alert(1)&gt;" in pages["space changes"]  # shown, as text
    feed = client.get("/changes.atom").data
    root = ET.fromstring(feed)  # still well-formed XML
    assert root.findall("{http://www.w3.org/2005/Atom}entry")
    assert b"<svg" not in feed and b"<script" not in feed
