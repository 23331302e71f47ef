"""Shared pieces of the console's forms (Flask-WTF: every form carries its CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, PasswordField, StringField
from wtforms.validators import DataRequired, Length


def required():
    return DataRequired(message=_l("Please fill in this field."))


def at_most(n):
    return Length(max=n, message=_l("This is too long."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


class Day(DateField):
    """A date field whose wrong input reads as the console's other messages."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a date as YYYY-MM-DD.")) from exc


class Number(IntegerField):
    """A whole-number field whose wrong input reads as the console's other messages."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Enter a whole number.")) from exc


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), filters=[strip], validators=[required(), at_most(40)])
    password = PasswordField(_l("Password"), validators=[required(), at_most(200)])
    # empty on the first sign-in, before the authenticator is enrolled
    otp = StringField(_l("One-time code"), filters=[strip], validators=[at_most(20)])


class EnrolForm(FlaskForm):
    otp = StringField(_l("Code from the authenticator app"), filters=[strip],
                      validators=[required(), at_most(20)])
