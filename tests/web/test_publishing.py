"""Publishing editions through the pages, the public URLs and the API (issue 8), on both backends.

A facilitator confirms on a preview page; the edition is stored once with its SHA-256 and served at
/p/<space>/<slug>/[<n>/] to anyone, even signed out and even for a private space, while the space's
drafts stay private. Later editions supersede earlier ones, which stay at their addresses.
"""

import hashlib
import html
import re

import pytest
from sqlalchemy import func, select

from tests.edition_html import by_id, fragment_links, ids, parse
from tests.factories import add_member, login, make_document, make_space, make_user
from wiki import signals
from wiki.auth.models import ConsentRecord
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.publishing import edition as builder
from wiki.publishing.models import Edition

DRAFT = "# Concordat\n\n## 1. Why\n\nBecause people asked.\n\n## 2. What we will do\n\nListen once.\n"
NO_EDITION = "No published edition at this address."


def words(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


class Site:
    def __init__(self, app, *, private: bool):
        self.app = app
        self.space = make_space("north", private=private, title="Northfield")
        self.facilitator = make_user("Fay Facilitator")
        self.editor = make_user("Ed Editor")
        add_member(self.space, self.facilitator, "facilitator")
        add_member(self.space, self.editor, "editor")
        self.document = make_document(self.space, self.editor, "Concordat", DRAFT)
        self.client = app.test_client()
        login(self.client, self.facilitator)
        self.base = f"/s/north/{self.document.slug}"
        self.public = f"/p/north/{self.document.slug}/"

    def publish(self, revision=None, notes="", expect=302):
        data = {"notes": notes, **({"revision": str(revision)} if revision is not None else {})}
        response = self.client.post(f"{self.base}/publish", data=data)
        assert response.status_code == expect, words(response)[:500]
        return response

    def save(self, text: str):
        document = db.session.get(Document, self.document.id)
        documents.save(db.session, document, self.editor, text, document.head_number)

    def edition(self, number: int) -> Edition:
        return db.session.scalar(select(Edition).where(Edition.document_id == self.document.id,
                                                       Edition.number == number))


@pytest.fixture
def private_site(app):
    return Site(app, private=True)


def test_facilitator_publishes_after_a_preview_page_and_anyone_reads_and_downloads_it(app, private_site):
    site = private_site
    sent = []
    receiver = lambda sender, **kw: sent.append(kw)  # noqa: E731
    signals.edition_published.connect(receiver)
    try:
        page = site.client.get(f"{site.base}/publish")
        assert page.status_code == 200
        assert "even if this space is private" in words(page) and "Publish edition 1" in words(page)
        assert db.session.scalar(select(func.count(Edition.id))) == 0  # the preview page stores nothing
        response = site.publish(notes="Approved by the board.")
    finally:
        signals.edition_published.disconnect(receiver)
    assert response.location.endswith(f"{site.base}/editions")
    row = site.edition(1)
    assert sent == [{"edition_id": row.id, "document_id": site.document.id, "number": 1}]
    assert db.session.get(Document, site.document.id).status == "published"
    assert row.sha256 == hashlib.sha256(row.html.encode()).hexdigest() and row.size == len(row.html.encode())

    visitor = app.test_client()  # signed out
    for address in (site.public, f"{site.public}1/"):
        shown = visitor.get(address)
        assert shown.status_code == 200 and shown.mimetype == "text/html"
        assert shown.get_data(as_text=True) == row.html
        assert shown.headers["Content-Security-Policy"] == builder.policy_of(row.html) + "; frame-ancestors 'none'"
    parsed = parse(row.html)
    assert "Approved by the board." in by_id(parsed, "ed:title").content
    assert set(fragment_links(parsed)) <= set(ids(parsed))

    download = visitor.get(f"{site.public}1/download")
    assert download.status_code == 200
    filename = f"document-{site.document.id}-edition-1.html"
    assert download.headers["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert hashlib.sha256(download.data).hexdigest() == row.sha256 == download.headers["ETag"].strip('"')
    assert download.data == row.html.encode()


def test_drafts_of_a_private_space_never_leak_through_edition_urls(app, private_site):
    site = private_site
    site.publish()
    site.save(DRAFT + "\nSECRET-AFTER-PUBLISHING\n")
    hidden = make_document(site.space, site.editor, "Never published", "SECRET-UNPUBLISHED")
    visitor = app.test_client()
    for address in (f"/p/north/{hidden.slug}/", f"/p/north/{hidden.slug}/1/", f"/p/north/{hidden.slug}/1/download",
                    f"{site.public}2/", f"{site.public}2/download", f"{site.public}0/", "/p/north/nothing/",
                    "/p/nowhere/x/", f"{site.public}99999999999/"):
        response = visitor.get(address)
        assert response.status_code == 404, address
        assert "SECRET" not in response.get_data(as_text=True)
    assert NO_EDITION in words(visitor.get(f"/p/north/{hidden.slug}/"))
    for address in (site.public, f"{site.public}1/", f"{site.public}1/download"):
        assert "SECRET" not in visitor.get(address).get_data(as_text=True)
    assert visitor.get(f"/api/v1/documents/{hidden.id}/editions").status_code == 404
    assert visitor.get(f"/api/v1/documents/{site.document.id}/editions").status_code == 404
    assert visitor.get(f"{site.base}/publish/preview").status_code == 302  # to the login page
    contributor = make_user("Con Contributor")
    add_member(site.space, contributor, "contributor")
    member = app.test_client()
    login(member, contributor)
    assert member.get(f"{site.base}/publish/preview").status_code == 403
    assert member.post(f"{site.base}/publish", data={}).status_code == 403


def test_a_later_edition_supersedes_the_earlier_one_which_stays_unchanged(app, private_site):
    site = private_site
    site.publish()
    first = site.edition(1)
    site.save(DRAFT.replace("Listen once.", "Listen once, and act.") + "\n## 3. Next steps\n\nReport yearly.\n")
    site.publish(notes="Second edition.")
    second = site.edition(2)
    assert second.revision_number == 2
    visitor = app.test_client()
    latest = visitor.get(site.public)
    assert latest.get_data(as_text=True) == second.html
    changes = by_id(parse(second.html), "ed:changes").content
    assert "What changed since edition 1" in changes and "1 section added, 0 removed, 1 changed" in changes

    old = visitor.get(f"{site.public}1/")
    notice = re.search(r'<div class="edition-notice".*?</div>', old.get_data(as_text=True), re.S).group(0)
    assert "superseded" in notice and f'href="http://localhost{site.public}2/"' in notice
    assert old.get_data(as_text=True).replace(notice, builder.NOTICE_SLOT) == first.html
    download = visitor.get(f"{site.public}1/download")
    assert download.data == first.html.encode() and "superseded" not in download.get_data(as_text=True)
    assert db.session.scalar(select(Edition.sha256).where(Edition.id == first.id)) == first.sha256

    listing = words(site.client.get(f"{site.base}/editions"))
    assert "Edition 2 latest" in listing and "Edition 1 superseded by edition 2" in listing
    assert "Read edition 2" in words(site.client.get(site.base))


def test_publishing_refuses_what_cannot_be_published(app, private_site):
    site = private_site
    site.publish()
    again = site.publish(revision=1, expect=409)
    assert "Edition 1 already publishes revision 1" in words(again)
    assert "already publishes revision 1" in words(site.client.get(f"{site.base}/publish"))
    site.save(DRAFT + "\nMore.\n")
    assert site.client.get(f"{site.base}/publish?revision=9").status_code == 404
    site.publish(revision=9, expect=404)
    site.publish(notes="x" * 2001, expect=422)
    api = f"/api/v1/documents/{site.document.id}/editions"
    assert site.client.post(api, json={"notes": "x" * 2001}).status_code == 413
    assert site.client.post(api, json={"revision": "2"}).status_code == 422
    assert site.client.post(api, json={"revision": 2**40}).status_code == 422
    assert site.client.post(api, json={"colour": "red"}).status_code == 422
    assert site.client.post(api, data="[", content_type="application/json").status_code == 400
    documents.set_status(db.session, db.session.get(Document, site.document.id), "archived")
    archived = site.client.post(api, json={})
    assert archived.status_code == 409 and "archived" in archived.json["error"]
    assert db.session.scalar(select(func.count(Edition.id))) == 1


def test_an_edition_published_meanwhile_is_a_conflict_not_a_duplicate(app, private_site, monkeypatch):
    site = private_site
    real_build = builder.build

    def build_while_someone_else_publishes(source):
        other = Edition(document_id=site.document.id, number=1, revision_number=1, revision_sha256="0" * 64,
                        title="x", notes="", html="<p>x</p>", sha256="0" * 64, size=8)
        db.session.add(other)
        db.session.commit()
        return real_build(source)

    monkeypatch.setattr(builder, "build", build_while_someone_else_publishes)
    response = site.publish(expect=409)
    assert "Edition 1 was published while you were preparing this one" in words(response)
    assert db.session.scalar(select(func.count(Edition.id))) == 1


def test_preview_shows_the_file_unstored_and_marked(app, private_site):
    site = private_site
    preview = site.client.post(f"{site.base}/publish/preview", data={"notes": "Draft *note*"})
    assert preview.status_code == 200 and preview.headers["Cache-Control"] == "no-store"
    text = preview.get_data(as_text=True)
    assert "Preview: not published." in text and "<em>note</em>" in text
    assert site.client.get(f"{site.base}/publish/preview?revision=1").status_code == 200
    assert site.client.get(f"{site.base}/publish/preview?revision=abc").status_code == 422
    assert site.client.get(f"{site.base}/publish/preview?revision=5").status_code == 404
    assert db.session.scalar(select(func.count(Edition.id))) == 0


def test_edition_pages_answer_conditional_requests(app, private_site):
    site = private_site
    site.publish()
    visitor = app.test_client()
    first = visitor.get(site.public)
    again = visitor.get(site.public, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data
    assert visitor.head(f"{site.public}1/download").status_code == 200


def test_api_publishes_and_lists_editions(app, private_site):
    site = private_site
    api = f"/api/v1/documents/{site.document.id}/editions"
    created = site.client.post(api, json={"notes": "Via the API"})
    assert created.status_code == 201
    body = created.json
    assert body["url"] == f"http://localhost{site.public}1/" == created.headers["Location"]
    assert body["download_url"] == f"http://localhost{site.public}1/download"
    assert body["edition"]["number"] == 1 and body["edition"]["notes"] == "Via the API"
    assert body["edition"]["sha256"] == site.edition(1).sha256 and body["edition"]["superseded_by"] is None
    site.save(DRAFT + "\nMore.\n")
    assert site.client.post(api, json={"revision": 2}).status_code == 201
    listing = site.client.get(api).json
    assert listing["total"] == 2 and [e["number"] for e in listing["editions"]] == [2, 1]
    assert [e["superseded_by"] for e in listing["editions"]] == [None, 2]
    assert app.test_client().get(site.public.replace("/1/", "/")).status_code == 200


def _set_profile(app, user, **fields):
    client = app.test_client()
    login(client, user)
    data = {"display_name": user.display_name, **fields}
    response = client.post("/profile", data=data)
    assert response.status_code == 302, words(response)[:300]
    return client


def _comment(app, user, document, exact: str, **extra):
    client = app.test_client()
    login(client, user)
    text = documents.head(db.session, document).text
    start = text.index(exact)
    response = client.post(f"/api/v1/documents/{document.id}/comments", json={
        "revision": document.head_number, "quote": {"exact": exact}, "position": {"start": start,
                                                                                  "end": start + len(exact)},
        "body": f"A comment by {user.display_name}", **extra})
    assert response.status_code == 201, response.json


def test_acknowledgements_and_how_this_was_made_come_from_consents_and_comments(app):
    site = Site(app, private=False)
    ann, bob, cy, dee = (make_user(name) for name in ("Ann Author", "Bob Carer", "Cy Anonymous", "Dee Named"))
    add_member(site.space, ann, "editor")
    _set_profile(app, ann, organisation="Mind Northfield", acknowledge="y")
    _set_profile(app, bob, perspectives="carer", consent="y", acknowledge="y", acknowledge_perspectives="y")
    _set_profile(app, dee, acknowledge="y", acknowledge_perspectives="y")  # no perspective to be listed under
    records = db.session.scalars(select(ConsentRecord).where(ConsentRecord.purpose == "acknowledgements")).all()
    assert sorted(r.user_id for r in records if r.granted) == sorted([ann.id, bob.id, dee.id])
    document = db.session.get(Document, site.document.id)
    documents.save(db.session, document, ann, DRAFT + "\nAnn's paragraph.\n", document.head_number)
    _comment(app, bob, document, "Because people asked.", perspective="carer")
    _comment(app, cy, document, "Listen once.", visibility="anonymous")
    _comment(app, dee, document, "Ann's paragraph.")
    site.publish()
    parsed = parse(site.edition(1).html)
    thanks = by_id(parsed, "ed:acknowledgements").content
    assert "Mind Northfield: Ann Author" in thanks and "Carer: Bob Carer" in thanks
    assert "Individual contributors: Dee Named" in thanks
    assert "Cy Anonymous" not in thanks and "Ed Editor" not in thanks  # never agreed to be named
    made = by_id(parsed, "ed:how-made").content
    assert "written in 2 revisions by 2 co-authors" in made
    assert "3 comments were made on the document by 3 people" in made
    assert "Carer fewer than 5 fewer than 5" in made and "Not stated fewer than 5 fewer than 5" in made

    _set_profile(app, ann, organisation="Mind Northfield")  # withdraws
    assert db.session.scalar(select(ConsentRecord.granted).where(ConsentRecord.user_id == ann.id)
                             .order_by(ConsentRecord.id.desc()).limit(1)) is False
    site.save(DRAFT + "\nAnn's paragraph, revised.\n")
    site.publish()
    assert "Ann Author" not in by_id(parse(site.edition(2).html), "ed:acknowledgements").content
    assert "Ann Author" in by_id(parse(site.edition(1).html), "ed:acknowledgements").content  # immutable


def test_user_text_is_inert_on_the_served_page(app):
    payload = '<script>alert(1)</script><img src=x onerror=alert(2)>'
    site = Site(app, private=True)
    author = make_user(payload)
    add_member(site.space, author, "editor")
    _set_profile(app, author, organisation=payload, acknowledge="y")
    document = db.session.get(Document, site.document.id)
    documents.save(db.session, document, author, f"# {payload}\n\n{payload}\n", document.head_number, title=payload)
    site.publish(notes=payload)
    served = app.test_client().get(site.public).get_data(as_text=True)
    elements = parse(served).elements
    assert not [e for e in elements if e.tag in ("script", "img")]
    assert not [name for e in elements for name in e.attrs if name.startswith("on")]
    assert served.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 5  # titles, text, names, organisation


def test_profile_records_the_acknowledgement_choice_separately(app):
    user = make_user("Pat")
    client = app.test_client()
    login(client, user)
    page = client.get("/profile").get_data(as_text=True)
    assert "Name me in the acknowledgements" in page and "Organisation (optional)" in page
    client.post("/profile", data={"display_name": "Pat", "acknowledge_perspectives": "y"})
    db.session.refresh(user)
    assert not user.acknowledge_perspectives and not user.acknowledge_consent  # no consent, no listing
    assert client.post("/profile", data={"display_name": "Pat", "organisation": "x" * 121}).status_code == 422
    client.post("/profile", data={"display_name": "Pat", "organisation": "  Carers  Trust ", "acknowledge": "y"})
    db.session.refresh(user)
    assert user.organisation == "Carers Trust" and user.acknowledge_consent
    record = db.session.scalar(select(ConsentRecord).where(ConsentRecord.user_id == user.id))
    assert record.purpose == "acknowledgements" and record.granted and "acknowledgements" in record.wording


def test_the_api_publish_is_for_facilitators_only(app, private_site):
    site = private_site
    editor = app.test_client()
    login(editor, site.editor)
    api = f"/api/v1/documents/{site.document.id}/editions"
    refused = editor.post(api, json={})
    assert refused.status_code == 403 and refused.json["error"] == "Only facilitators can do this."
    assert editor.get(api).status_code == 200
    assert app.test_client().post(api, json={}).status_code == 401


def test_data_download_and_erasure_cover_publishing(app, private_site):
    from wiki.privacy.service import erase_account

    site = private_site
    ann = make_user("Ann Author")
    add_member(site.space, ann, "editor")
    client = _set_profile(app, ann, organisation="Mind Northfield", acknowledge="y")
    site.save(DRAFT + "\nAnn's paragraph.\n")
    document = db.session.get(Document, site.document.id)
    documents.save(db.session, document, ann, DRAFT + "\nAnn's paragraph, by Ann.\n", document.head_number)
    site.publish()
    mine = client.get("/profile/data").json
    assert mine["profile"]["organisation"] == "Mind Northfield" and mine["profile"]["acknowledge_consent"] is True
    assert [r["purpose"] for r in mine["consent_history"]] == ["acknowledgements"]
    published = site.client.get("/profile/data").json["published_editions"]
    assert published == [{"space": "north", "document": site.document.slug, "edition": 1, "revision": 3,
                          "published_at": published[0]["published_at"]}]

    erase_account(db.session, db.session.get(type(ann), ann.id))
    erased = db.session.get(type(ann), ann.id)
    assert (erased.organisation, erased.acknowledge_consent, erased.acknowledge_perspectives) == ("", False, False)
    site.save(DRAFT + "\nAfter the erasure.\n")
    site.publish()
    assert "Mind Northfield" not in site.edition(2).html
    assert "Mind Northfield: Ann Author" in by_id(parse(site.edition(1).html), "ed:acknowledgements").content


def test_a_published_document_cannot_be_deleted(app, private_site):
    site = private_site
    site.publish()
    refused = site.client.post(f"{site.base}/delete", data={"title": "Concordat"})
    assert refused.status_code == 409 and "published edition" in words(refused)
    assert site.client.delete(f"/api/v1/documents/{site.document.id}").status_code == 409
    assert app.test_client().get(site.public).status_code == 200
    assert db.session.get(Document, site.document.id) is not None
