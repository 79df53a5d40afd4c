"""`flask publish build OUT_DIR [--space SLUG]`: every stored edition to a folder, and nothing else."""

import hashlib

from sqlalchemy import select, update

from tests.edition_html import external_asset_urls, parse
from tests.factories import add_member, make_document, make_space, make_user
from wiki.documents import service as documents
from wiki.extensions import db
from wiki.publishing import service
from wiki.publishing.models import Edition


def _publish(space, document, user, number=None):
    return service.publish(db.session, space, document, user, number, "",
                           lambda n: f"https://wiki.example.org/p/{space.slug}/{document.slug}/{n}/")


def _world():
    facilitator = make_user("Fay")
    private, public = make_space("inner", private=True, title="Inner"), make_space("outer", title="Outer")
    for space in (private, public):
        add_member(space, facilitator, "facilitator")
    secret = make_document(private, facilitator, "Published one", "# P\n\nPublished words.\n")
    _publish(private, secret, facilitator)
    documents.save(db.session, secret, facilitator, "# P\n\nDRAFT-SECRET-1 after publishing.\n", 1)
    make_document(private, facilitator, "Never published", "DRAFT-SECRET-2")
    open_doc = make_document(public, facilitator, "Open plan", "# O\n\nOpen words.\n")
    _publish(public, open_doc, facilitator)
    documents.save(db.session, open_doc, facilitator, "# O\n\nOpen words, revised.\n", 1)
    _publish(public, open_doc, facilitator, 2)
    return secret, open_doc


def test_build_writes_every_edition_with_an_index_and_no_draft(runner, tmp_path):
    secret, open_doc = _world()
    out = tmp_path / "site"
    result = runner.invoke(args=["publish", "build", str(out)])
    assert result.exit_code == 0, result.output
    assert "Writing editions" in result.output and "Wrote 3 editions of 2 documents" in result.output
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html"))
    assert files == sorted(["index.html", f"document-{secret.id}/edition-1.html",
                            f"document-{open_doc.id}/edition-1.html", f"document-{open_doc.id}/edition-2.html"])
    for row in db.session.scalars(select(Edition)):
        written = (out / f"document-{row.document_id}/edition-{row.number}.html").read_bytes()
        assert hashlib.sha256(written).hexdigest() == row.sha256
    everything = "".join(p.read_text() for p in out.rglob("*.html"))
    assert "DRAFT-SECRET" not in everything and "Published words." in everything
    index = (out / "index.html").read_text()
    parsed = parse(index)
    assert external_asset_urls(index, parsed) == [] and "<script" not in index
    links = [e.attrs["href"] for e in parsed.elements if e.tag == "a"]
    assert sorted(links) == [f for f in files if f != "index.html"]
    assert "Edition 2 , published" in " ".join(e.content for e in parsed.elements if e.tag == "li")


def test_build_for_one_space_and_refusals(runner, tmp_path):
    secret, open_doc = _world()
    result = runner.invoke(args=["publish", "build", str(tmp_path / "one"), "--space", "inner"])
    assert result.exit_code == 0 and "Wrote 1 edition of 1 document" in result.output
    assert (tmp_path / "one" / f"document-{secret.id}" / "edition-1.html").is_file()
    assert not (tmp_path / "one" / f"document-{open_doc.id}").exists()
    missing = runner.invoke(args=["publish", "build", str(tmp_path / "none"), "--space", "nowhere"])
    assert missing.exit_code == 1 and "No space /s/nowhere/." in missing.output and "Traceback" not in missing.output
    db.session.execute(update(Edition).where(Edition.document_id == secret.id).values(html="<p>altered</p>"))
    db.session.commit()
    altered = runner.invoke(args=["publish", "build", str(tmp_path / "bad")])
    assert altered.exit_code == 1 and "does not match its SHA-256" in altered.output
    assert not (tmp_path / "bad" / f"document-{secret.id}" / "edition-1.html").exists()
