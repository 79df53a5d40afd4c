"""`flask search reindex` rebuilds everything (with a progress bar); `flask search check` reports
documents, comment threads, rounds and editions missing, stale or orphaned in the index (exit status 1 for cron) and
`--fix` repairs them.
"""

import threading

from sqlalchemy import select

from tests.factories import make_document, make_space, make_user
from tests.web.search.test_search_concurrency import index_locked
from tests.web.search.test_search_freshness import _post
from wiki.comments.models import Comment
from wiki.documents import service as documents
from wiki.documents.models import Document
from wiki.extensions import db
from wiki.search import service as search
from wiki.search.sources import SOURCES


def found(app, query: str) -> int:
    return app.test_client().get("/api/v1/search", query_string={"q": query, "type": "document"}).get_json()["total"]


def quietly(app):
    """Changes made now are not indexed (as if the process died before its queue was done)."""
    app.config["SEARCH_INDEX_ON_CHANGE"] = False


def test_reindex_builds_everything_and_check_agrees(app):
    quietly(app)
    admin, space = make_user("Ada Admin", admin=True), make_space("town")
    document = make_document(space, admin, "Housing plan", "# Plan\n\nHousing comes first. Homes for all.\n")
    _post(document, admin, "A comment about gardens")
    make_document(space, admin, "Transport plan", "Buses.\n")
    runner = app.test_cli_runner()

    before = runner.invoke(args=["search", "check"])
    assert before.exit_code == 1
    assert "3 missing: document:1, document:2, thread:1" in before.output
    assert "run `flask search check --fix` (or `flask search reindex`)" in before.output
    assert found(app, "homes") == 0

    result = runner.invoke(args=["search", "reindex"])
    assert result.exit_code == 0, result.output
    backend = app.config["SEARCH_BACKEND"]
    assert f"Indexing 3 documents, comment threads, rounds and editions ({backend})" in result.output
    assert "Indexed 7 entries." in result.output  # 2 documents, 1 section, 1 comment, 3 group markers
    assert found(app, "homes") == 1

    after = runner.invoke(args=["search", "check"])
    assert after.exit_code == 0 and "The search index is up to date." in after.output
    quiet = runner.invoke(args=["search", "check", "--quiet"])  # what cron runs: silent when all is well
    assert quiet.exit_code == 0 and quiet.output == ""


def test_check_finds_stale_and_orphaned_groups_and_fix_repairs_them(app):
    admin, space = make_user("Ada Admin", admin=True), make_space("town")
    kept = make_document(space, admin, "Housing plan", "Housing comes first. Homes for all.\n")
    gone = make_document(space, admin, "Old plan", "Forgotten words.\n")
    comment = _post(kept, admin, "Gardens please")
    search.engine(app).indexer.flush()
    quietly(app)
    documents.save(db.session, kept, admin, "Housing comes first. Flats for all.\n", 1)
    db.session.delete(db.session.get(Document, gone.id))  # deleted without telling anyone
    db.session.get(Comment, comment.id).state = "withdrawn"
    db.session.commit()
    runner = app.test_cli_runner()

    report = runner.invoke(args=["search", "check"])
    assert report.exit_code == 1
    assert "0 missing" in report.output
    assert "2 stale: document:1, thread:1" in report.output
    assert "1 orphaned: document:2" in report.output

    fixed = runner.invoke(args=["search", "check", "--fix"])
    assert fixed.exit_code == 0 and "Fixed 3 groups." in fixed.output
    assert runner.invoke(args=["search", "check"]).exit_code == 0
    assert found(app, "flats") == 1 and found(app, "homes") == 0 and found(app, "forgotten") == 0
    assert app.test_client().get("/api/v1/search?q=gardens").get_json()["total"] == 0


def test_check_lists_a_few_of_many_problems(app):
    quietly(app)
    admin, space = make_user("Ada Admin", admin=True), make_space("town")
    for i in range(5):
        make_document(space, admin, f"Plan {i}", "Words.\n")
    output = app.test_cli_runner().invoke(args=["search", "check", "--show", "2"]).output
    assert "5 missing: document:1, document:2\n  … and 3 more" in output


def test_reindex_while_another_writer_holds_the_index_is_refused_with_a_message(app):
    app.config["SEARCH_LOCK_TIMEOUT"] = 0.2
    search.shutdown(app)
    make_document(make_space("town"), make_user("Ada"), "Plan", "Words.\n")
    search.engine(app).indexer.flush()
    with index_locked(app):
        result = app.test_cli_runner().invoke(args=["search", "reindex"])
    assert result.exit_code == 1
    assert "try again when the other rebuild has finished" in result.output


def test_the_commands_explain_themselves(app):
    output = app.test_cli_runner().invoke(args=["search", "--help"]).output
    assert "reindex" in output and "check" in output
    assert db.session.scalar(select(Comment.id)) is None


def test_a_reindex_finds_exactly_what_indexing_each_change_found_and_later_changes_still_land(app):
    """The bulk rebuild (Whoosh's rebuild codec, PostgreSQL's table swap) gives the same results,
    ranks and snippets as entries written one change at a time, and the rebuilt index takes updates."""
    admin, space = make_user("Ada Admin", admin=True), make_space("town")
    private = make_space("council", private=True)
    kept = make_document(space, admin, "Housing plan", "# Plan\n\nHousing comes first. Homes for all.\n\n"
                         "## Gardens\n\nCommunity gardens and housing support.\n")
    make_document(private, admin, "Private housing notes", "Homes and gardens, in confidence.\n")
    _post(kept, admin, "More gardens near the homes please")
    search.engine(app).indexer.flush()
    client, queries = app.test_client(), ["housing", "gardens", "home*", '"housing support"', "homes -gardens"]

    def answers():
        return [client.get("/api/v1/search", query_string={"q": q}).get_json() for q in queries]

    before = answers()
    assert [a["total"] for a in before] == [3, 3, 3, 2, 1]  # the private space's document is never found
    assert app.test_cli_runner().invoke(args=["search", "reindex"]).exit_code == 0
    assert answers() == before
    documents.save(db.session, kept, admin, "Housing comes first. Flats for all.\n", 1)
    search.engine(app).indexer.flush()
    assert client.get("/api/v1/search?q=flats").get_json()["total"] == 1  # the document (no sections now)


def test_searches_during_a_rebuild_answer_from_the_old_index_until_it_is_done(app):
    admin, space = make_user("Ada Admin", admin=True), make_space("town")
    make_document(space, admin, "Housing plan", "Homes for all.\n")
    search.engine(app).indexer.flush()
    quietly(app)
    make_document(space, admin, "Transport plan", "Buses for all.\n")  # only the rebuild indexes it
    entries = [e for source in SOURCES.values() for group in source.stream(db.session) for e in group]
    db.session.rollback()
    halfway, resume = threading.Event(), threading.Event()

    def slowly():
        for i, entry in enumerate(entries):
            if i == len(entries) // 2:
                halfway.set()
                resume.wait(10)
            yield entry

    worker = threading.Thread(target=search.engine(app).backend.rebuild, args=(slowly(),))
    worker.start()
    try:
        assert halfway.wait(10)
        assert (found(app, "homes"), found(app, "buses")) == (1, 0)  # the old index, whole
    finally:
        resume.set()
        worker.join(30)
    assert (found(app, "homes"), found(app, "buses")) == (1, 1)
