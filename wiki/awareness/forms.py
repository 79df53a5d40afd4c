"""Forms of the notification settings page."""

from wtforms import RadioField

from wiki.awareness.batching import EMAIL_MODES
from wiki.forms import Form


class EmailForm(Form):
    email_mode = RadioField("Email me about notifications", choices=dict(EMAIL_MODES))
