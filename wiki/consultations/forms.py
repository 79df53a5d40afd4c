"""Round forms. Times are typed as local wall-clock times in the space's timezone (the page says
which); the service checks everything else, so the form and the API refuse with the same words."""

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FormField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from wiki.auth.perspectives import PERSPECTIVES
from wiki.comments.forms import BODY_HINT
from wiki.consultations.models import AUDIENCES, DISPOSITIONS, OFFLINE_CHANNELS
from wiki.forms import Form

QUESTION_ROWS = 6
TIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]


class QuestionForm(Form):
    class Meta(Form.Meta):
        csrf = False  # a part of RoundForm, which carries the token

    text = StringField("Question", validators=[Length(max=1000)])
    section = SelectField("About", choices={"": "The whole draft"}, default="", validate_choice=False)


def _times(form_class):
    form_class.opens_at = DateTimeLocalField("Opens at", format=TIME_FORMATS,
                                             validators=[DataRequired("Enter when the round opens.")])
    form_class.closes_at = DateTimeLocalField("Closes at", format=TIME_FORMATS,
                                              validators=[DataRequired("Enter when the round closes.")])
    return form_class


@_times
class EditRoundForm(Form):
    title = StringField("Title", validators=[DataRequired("Give the round a title."), Length(max=200)])
    introduction = TextAreaField("Introduction (optional)", description=BODY_HINT)


@_times
class RoundForm(EditRoundForm):
    audience = RadioField("Who can take part", choices=dict(AUDIENCES), default="anyone")
    premoderation = BooleanField("Pre-moderate: new comments wait for a facilitator's approval")
    questions = FieldList(FormField(QuestionForm), min_entries=QUESTION_ROWS, max_entries=QUESTION_ROWS)

    def offer_sections(self, toc) -> "RoundForm":
        choices = {"": "The whole draft", **{anchor: title for _, anchor, title in toc or []}}
        for entry in self.questions:
            entry.form.section.choices = choices
        return self


class DispositionForm(Form):
    disposition = RadioField("Disposition", choices=dict(DISPOSITIONS),
                             validators=[DataRequired("Choose a disposition.")])
    response = TextAreaField("Public response", description="Shown in the published report beside the comment.",
                             validators=[DataRequired("Write the public response.")])
    themes = StringField("Themes (optional)", description="Separate themes with commas, e.g. transport, cost.")
    revision = StringField("Revision that made the change (optional)",
                           description="The number of the live draft's revision with the change.",
                           validators=[Optional()])


class InviteForm(Form):
    label = StringField("Label (optional)", description="For you: who this link is for, e.g. “Carers' network”.",
                        validators=[Length(max=120)])


def answers_form(questions, perspectives, *, offline: bool = False):
    """A form with one answer field per guiding question (``q<id>``), and a perspective choice
    (the participant's consented ones; for offline entries, any)."""
    fields = {f"q{q.id}": TextAreaField(q.text, validators=[Optional()]) for q in questions}
    fields["perspective"] = SelectField("Show a perspective (optional)",
                                        choices={"": "No perspective", **dict(perspectives)}, default="",
                                        validate_choice=False)
    base = OfflineForm if offline else Form
    return type("AnswersForm", (base,), fields)


class OfflineForm(Form):
    channel = SelectField("How was it given?", choices=dict(OFFLINE_CHANNELS), default="workshop")
    group = StringField("Group or event (optional)", description="E.g. “Carers' workshop, 12 May”.",
                        validators=[Length(max=200)])
    respondent = StringField("Respondent reference (optional)",
                             description="Use the same reference for several responses by one person, so they "
                                         "count once. Never a name.", validators=[Length(max=100)])
    consent = BooleanField("The person agreed to have their perspective recorded")
    section = SelectField("Section the comment is about", choices={"": "Choose a section"}, default="",
                          validate_choice=False)
    quote = StringField("Or quote the passage (optional)", description="Exact words from the consultation draft.")
    body = TextAreaField("Their comment", description=BODY_HINT)

    def offer_sections(self, toc) -> "OfflineForm":
        self.section.choices = {"": "Choose a section", **{anchor: title for _, anchor, title in toc or []}}
        return self


PERSPECTIVE_CHOICES = list(PERSPECTIVES.items())
