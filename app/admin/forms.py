"""Shared pieces of the console's forms (Flask-WTF: every form carries its CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length


def required():
    return DataRequired(message=_l("Please fill in this field."))


def at_most(n):
    return Length(max=n, message=_l("This is too long."))


def strip(value):
    return value.strip() if isinstance(value, str) else value


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), filters=[strip], validators=[required(), at_most(40)])
    password = PasswordField(_l("Password"), validators=[required(), at_most(200)])
    # empty on the first sign-in, before the authenticator is enrolled
    otp = StringField(_l("One-time code"), filters=[strip], validators=[at_most(20)])


class EnrolForm(FlaskForm):
    otp = StringField(_l("Code from the authenticator app"), filters=[strip],
                      validators=[required(), at_most(20)])
