"""A document's comments as CSV for facilitators (the same visibility rules as the pages).

Authors appear as facilitators see them: anonymous comments stay "Community member" unless the
space lets facilitators see who wrote them. Cells that a spreadsheet would run as a formula are
neutralised.
"""

import csv
import io

from wiki.comments import rules
from wiki.comments.models import Comment
from wiki.comments.presenters import facts, settings_of, viewer_for
from wiki.comments.queries import thread_views
from wiki.errors import PermissionDenied

COLUMNS = ["thread", "comment id", "created_at", "section", "quote", "status", "author", "perspective",
           "visibility", "state", "agree count", "body"]


def export_csv(session, document, user, actor) -> str:
    """Every comment of the document a facilitator can see, one row each, threads in document order."""
    viewer, settings = viewer_for(actor, user, document.space), settings_of(document.space)
    if not viewer.facilitator:
        raise PermissionDenied("Only facilitators can export comments.")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for thread in thread_views(session, document, user, actor):
        for view in thread.comments:
            comment = session.get(Comment, view.id)
            body = comment.body if view.state != rules.WITHDRAWN else rules.WITHDRAWN_TEXT
            known = facts(comment)
            author = (known.author_name or rules.DELETED_PARTICIPANT) if rules.reveals_author(known, viewer, settings) \
                else rules.COMMUNITY_MEMBER
            row = [thread.id, view.id, view.created_at.isoformat(), thread.section, thread.exact, thread.status,
                   author, view.perspective_label or "", view.visibility, view.state, view.agree_count, body]
            writer.writerow([rules.csv_cell(value) for value in row])
    return out.getvalue()
