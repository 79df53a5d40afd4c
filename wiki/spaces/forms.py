"""Space and membership forms."""

from wtforms import BooleanField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from wiki.auth.permissions import ROLE_LABELS
from wiki.forms import Form


class SpaceForm(Form):
    slug = StringField(
        "Address",
        description="Lowercase letters, digits and hyphens, e.g. mental-health-concordat. It cannot change later.",
        validators=[DataRequired(), Length(max=64)],
    )
    title = StringField("Title", validators=[DataRequired(), Length(max=200)])
    description = TextAreaField("Description (optional)", validators=[Length(max=5000)])
    private = BooleanField("Private: only members can see this space")
    timezone = StringField("Timezone", default="Europe/London", validators=[Length(max=64)],
                           description="Consultation rounds' times are typed and shown in it (e.g. Europe/London).")


class MemberForm(Form):
    email = EmailField("Email address of the person to add", validators=[DataRequired(), Length(max=254)])
    role = SelectField("Role", choices=dict(ROLE_LABELS), default="contributor")


class ConfirmForm(Form):
    """A POST with only the CSRF token: for confirmed actions such as removing a member."""
