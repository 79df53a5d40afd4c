"""Forms of the privacy pages (Flask-WTF: CSRF token on each, labelled fields)."""

from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from wiki.forms import Form


class EraseOwnAccountForm(Form):
    password = PasswordField("Your current password", validators=[DataRequired(), Length(max=1000)])
    confirm = BooleanField("I understand that erasing my account cannot be undone")


class EraseAccountForm(Form):
    email = StringField(
        "Type the account’s email address to confirm",
        description="Erasing cannot be undone: the email, name and perspectives are gone for good.",
        validators=[DataRequired(), Length(max=254)],
    )
