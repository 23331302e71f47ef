"""Resident forms (Flask-WTF: every form carries its CSRF token)."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from app.core.validation import has_hidden_characters
from app.residents.services import normalise_id_number

PHONE = re.compile(r"^1[3-9]\d{9}$")


def required():
    return DataRequired(message=_l("Please fill in this field."))


def at_most(n):
    return Length(max=n, message=_l("This is too long."))


def normalise_phone(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    return digits


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class PhoneField(StringField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = normalise_phone(self.data)

    def pre_validate(self, form):
        if self.data and not PHONE.match(self.data):
            raise ValidationError(_l("Enter an 11-digit mainland mobile number."))


class LoginForm(FlaskForm):
    phone = PhoneField(_l("Mobile number"), validators=[required()])
    password = PasswordField(_l("Password"), validators=[required(), at_most(200)])


class RegisterForm(FlaskForm):
    name = StringField(_l("Full name (as on your ID card)"), filters=[_strip],
                       validators=[required(), Length(
                           min=2, max=30, message=_l("Enter 2 to 30 characters."))])
    id_number = StringField(_l("Resident ID number"), filters=[_strip],
                            validators=[required(), at_most(25)])
    phone = PhoneField(_l("Mobile number"), validators=[required()])
    password = PasswordField(_l("Password"), validators=[
        required(), Length(min=8, max=128, message=_l("Use at least 8 characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        required(), EqualTo("password", message=_l("The two passwords differ."))])
    consent = BooleanField(_l("I have read the terms above and agree to have my credit score "
                              "computed from my public credit records."))

    def validate_name(self, field):
        if has_hidden_characters(field.data):
            raise ValidationError(_l("Remove the invisible or control characters from the name."))

    def validate_id_number(self, field):
        try:
            field.data = normalise_id_number(field.data)
        except ValueError:
            raise ValidationError(
                _l("This is not a valid resident ID number (check the digits).")) from None

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(_l("You need to agree to the terms to open an account."))


class CodeForm(FlaskForm):
    code = StringField(_l("Verification code"), filters=[_strip],
                       validators=[required(), Length(
                           min=6, max=6, message=_l("The code has 6 digits."))])


class ConsentForm(FlaskForm):
    consent = BooleanField(_l("I agree to have my credit score computed from my public credit "
                              "records."))

    def validate_consent(self, field):
        if not field.data:
            raise ValidationError(_l("Tick the box to agree, or go back."))


class CloseAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[required(), at_most(200)])
    confirm = BooleanField(_l("I understand that my account and my score will be deleted."))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("Tick the box to confirm."))


class NewPasswordForm(FlaskForm):
    """A new password, proven by an SMS code (changing it while signed in, or resetting it)."""

    code = StringField(_l("Verification code"), filters=[_strip], validators=[
        required(), Length(min=6, max=6, message=_l("The code has 6 digits."))])
    password = PasswordField(_l("New password"), validators=[
        required(), Length(min=8, max=128, message=_l("Use at least 8 characters."))])
    confirm = PasswordField(_l("Repeat the password"), validators=[
        required(), EqualTo("password", message=_l("The two passwords differ."))])


class ForgotPasswordForm(FlaskForm):
    phone = PhoneField(_l("Mobile number"), validators=[required()])


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token."""
