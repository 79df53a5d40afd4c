"""The one way a form page behaves: show it, validate, run the use case, report refusals in place."""

from collections.abc import Callable

from flask import render_template, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict

from wiki.errors import DomainError
from wiki.extensions import db


class Form(FlaskForm):
    """The base of every HTML form: fields come from the posted form only.

    Flask-WTF would also read a JSON body as form data, and a JSON list or number there raised a
    500. Our pages and scripts post form data; a JSON body simply fills no field (→ 422 with the
    usual field errors).
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            # Flask-WTF passes a marker object meaning "read the request"; read its form data only.
            if formdata is not None and not hasattr(formdata, "getlist") and form.is_submitted():
                return CombinedMultiDict((request.files, request.form))
            return super().wrap_formdata(form, formdata)


def handle_form(form: FlaskForm, template: str, on_valid: Callable, **context):
    """Render `template`; on a valid submit return on_valid()'s response.

    A DomainError from the service lands in the form's error summary with the user's input kept,
    and with its 4xx status, so nothing typed is lost and tests can see the refusal.
    """
    if form.validate_on_submit():
        try:
            return on_valid()
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            return render_template(template, form=form, **context), error.status
    status = 422 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status
