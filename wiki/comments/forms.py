"""Comment forms: a new comment (with the passage it is about), a reply, an edit, a moderation reason.

Lengths, visibility and perspective are checked by the service (one message for the form and the
API alike); the forms only make sure something was written.
"""

from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired

from wiki.auth.perspectives import label
from wiki.comments.models import NAMED, VISIBILITIES
from wiki.forms import Form

BODY_HINT = "Markdown works: **bold**, *italic*, - list item, [link](https://…)."
WRITE_FIRST = "Write your comment before sending it."


class _Body(Form):
    body = TextAreaField("Your comment", description=BODY_HINT, validators=[DataRequired(message=WRITE_FIRST)])


class ReplyForm(_Body):
    body = TextAreaField("Your reply", description=BODY_HINT, validators=[DataRequired(message=WRITE_FIRST)])
    visibility = RadioField("Show my name?", choices=dict(VISIBILITIES), default=NAMED)
    perspective = SelectField("Show a perspective (optional)", choices={"": "No perspective"}, default="",
                              validate_choice=False)

    def offer_perspectives(self, user) -> "ReplyForm":
        """Only the perspectives this user chose and consented to show."""
        self.perspective.choices = {"": "No perspective", **{key: label(key) for key in user.visible_perspectives()}}
        return self


class _QuotedForm(ReplyForm):
    """A new comment on a passage: its text, the quote it selects and that quote's context."""

    body = _Body.body
    exact = HiddenField()
    prefix = HiddenField()
    suffix = HiddenField()


class CommentForm(_QuotedForm):
    """On the reading page: the passage is a block of a saved revision."""

    revision = HiddenField()
    block = HiddenField()


class LiveCommentForm(_QuotedForm):
    """A comment on a selection in the live editor: code-point offsets into the live text and the
    quote they select (with its context), as the editor saw them."""

    start = HiddenField()
    end = HiddenField()


class EditCommentForm(_Body):
    pass


class ReasonForm(Form):
    reason = StringField("Reason")
