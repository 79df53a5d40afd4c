"""Account forms (Flask-WTF: CSRF token on each, server-side validation, labelled fields)."""

from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length
from wtforms.widgets import CheckboxInput, ListWidget

from wiki.auth.perspectives import PERSPECTIVES
from wiki.auth.service import MIN_PASSWORD
from wiki.forms import Form


def _strip(value):
    """Pasted addresses often carry a stray space; the account lookup ignores it, so must the form."""
    return value.strip() if isinstance(value, str) else value


class LoginForm(Form):
    email = EmailField("Email address", filters=[_strip], validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1000)])
    remember = BooleanField("Keep me signed in on this device")


class RegisterForm(Form):
    email = EmailField("Email address", filters=[_strip], validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(
        "Display name",
        description="Shown next to your work. It can be a pseudonym.",
        validators=[DataRequired(), Length(max=80)],
    )
    password = PasswordField(
        "Password",
        description=f"At least {MIN_PASSWORD} characters.",
        validators=[DataRequired(), Length(min=MIN_PASSWORD, max=1000)],
    )
    confirm = PasswordField(
        "Confirm password", validators=[DataRequired(), EqualTo("password", message="The passwords do not match.")]
    )


class MultiCheckboxField(SelectMultipleField):
    """A group of checkboxes (rendered as a fieldset in the template)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ProfileForm(Form):
    display_name = StringField(
        "Display name",
        description="Shown next to your work. It can be a pseudonym.",
        validators=[DataRequired(), Length(max=80)],
    )
    perspectives = MultiCheckboxField("Perspectives (optional)", choices=dict(PERSPECTIVES))
    consent = BooleanField("I consent")
    organisation = StringField(
        "Organisation (optional)",
        description="For example a charity, trust or council you took part for. Shown only in acknowledgements.",
        validators=[Length(max=120)],
    )
    acknowledge = BooleanField("Name me in the acknowledgements")
    acknowledge_perspectives = BooleanField("List me under my perspective when I give no organisation")
