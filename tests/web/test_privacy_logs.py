"""Logs never carry comment bodies or email addresses: a database error (logged with its
traceback by the 500 handler) names the statement but not the values bound to it."""

import pytest
from sqlalchemy.exc import IntegrityError

from wiki.comments.models import Comment
from wiki.extensions import db


def test_a_failed_insert_does_not_put_the_comment_body_in_the_error(app):
    db.session.add(Comment(thread_id=987654, author_id=None, body="My private story", body_html="<p>x</p>"))
    with pytest.raises(IntegrityError) as failure:
        db.session.flush()
    db.session.rollback()
    message = str(failure.value)
    assert "comments" in message  # the statement is still there to debug with
    assert "My private story" not in message and "hidden due to hide_parameters" in message
