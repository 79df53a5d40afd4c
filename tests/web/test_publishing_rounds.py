"""The edition's round appendices come from the rounds feature's published reports (issue 6):
"How this was made" lists each published round with its dates and counts, and "You said, we did"
its table. An unpublished report stays out; so do names and the text of facilitators-only comments.
"""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.edition_html import by_id, parse
from tests.web.rounds_helpers import Clock, comment, people, start
from wiki.comments.models import Comment
from wiki.consultations import participation, responding
from wiki.consultations import service as rounds
from wiki.extensions import db
from wiki.publishing import service
from wiki.publishing.models import Edition


def _answer_all(round_, facilitator, response: str) -> None:
    for item in db.session.scalars(responding.countable(round_)).all():
        responding.set_disposition(db.session, item, facilitator, disposition="partly_accepted",
                                   response=f"{response} ({item.id})", round_id=round_.id)


def test_published_round_reports_fill_the_round_appendices(app):
    world = people(slug="housing")
    clock = Clock(datetime.now(UTC))
    first = start(world, clock, title="Spring consultation")
    comment(first, world.alice, body="Build them *near the park* instead.")
    comment(first, world.bob, exact="every ten minutes", body="Anonymous worry about buses.",
            visibility="anonymous")
    comment(first, world.alice, exact="Saturdays", body="PRIVATE-TO-FACILITATORS", visibility="facilitators")
    participation.record_offline(db.session, first, world.facilitator, channel="workshop", group="Library drop-in",
                                 respondent="R1", perspective="carer", consented=True, section="health",
                                 body="Saturday mornings suit carers.")
    db.session.commit()
    rounds.force(db.session, first, world.facilitator, "close")
    _answer_all(first, world.facilitator, "We will look again")
    rounds.force(db.session, first, world.facilitator, "publish")
    second = start(world, clock, title="Summer check")  # its report is not published
    comment(second, world.bob, body="SECOND-ROUND-COMMENT")

    row = service.publish(db.session, world.space, world.document, world.facilitator, None, "",
                          lambda n: f"https://wiki.example.org/p/housing/plan/{n}/")
    parsed = parse(db.session.scalar(select(Edition.html).where(Edition.id == row.id)))
    made = by_id(parsed, "ed:how-made").content
    assert "Round 1: Spring consultation" in made and "Summer check" not in made
    day = datetime.now(ZoneInfo(world.space.timezone)).strftime("%-d %B %Y")  # opened and closed today
    assert f"Round 1: Spring consultation {day} {day} 3 4" in made  # 3 people (2 online, 1 offline), 4 comments
    assert "Spring consultation: people and comments by perspective Perspective People Comments " \
           "Carer fewer than 5 fewer than 5 Not stated fewer than 5 fewer than 5" in made
    assert "5 comments were made on the document by 3 people" in made  # the open round's comment too

    said = by_id(parsed, "ed:you-said").content
    assert "Build them near the park instead." in said and "Anonymous worry about buses." in said
    assert "Housing plan two hundred homes Build them near the park instead. — Online Partly accepted" in said
    assert "Saturday mornings suit carers. — Carer, Workshop" in said
    assert "(Shared with facilitators only.)" in said and "PRIVATE-TO-FACILITATORS" not in said
    assert said.count("Partly accepted") == 4 and "We will look again" in said
    for name in ("Alice Contributor", "Bob Contributor", "R1", "SECOND-ROUND-COMMENT"):
        assert name not in said
    assert db.session.scalar(select(Comment.id).where(Comment.body == "SECOND-ROUND-COMMENT")) is not None
