"""The publishing form: which revision, an optional note, and the explicit confirmation."""

from wtforms import IntegerField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from wiki.forms import Form
from wiki.publishing.service import NOTES_MAX


class PublishForm(Form):
    revision = IntegerField("Revision to publish", validators=[Optional(), NumberRange(min=1, max=2**31 - 1)],
                            description="Leave as it is to publish the current revision.")
    notes = TextAreaField(
        "Note about this edition (optional)",
        description="Shown on the title page, e.g. “Approved by the partnership board on 3 March.” Markdown works.",
        validators=[Length(max=NOTES_MAX)],
    )
