"""Document forms: create, edit (carrying the base revision), name a version."""

from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange

from wiki.forms import Form

TEXT_HINT = "Markdown: # Heading, **bold**, *italic*, - list item, [link](https://…), | tables |."


class DocumentForm(Form):
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    text = TextAreaField("Text", description=TEXT_HINT)
    summary = StringField(
        "Edit summary", description="A few words on what you changed and why (shown in the history).",
        validators=[Length(max=500)],
    )


class EditForm(DocumentForm):
    base_revision = HiddenField()


class TagForm(Form):
    name = StringField("Version name", description='For example "Consultation draft 2" or "Board-approved".',
                       validators=[DataRequired(), Length(max=120)])
    revision = IntegerField("Revision number", validators=[DataRequired(), NumberRange(min=1)])


class DeleteForm(Form):
    title = StringField("Type the document’s title to confirm", validators=[DataRequired(), Length(max=200)])
