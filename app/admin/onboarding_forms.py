"""Forms of the onboarding screens: departments, merchants and their staff, benefits."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, NumberRange, Optional, Regexp, ValidationError

from app.admin.forms import Day, Number, at_most, required, strip
from app.benefits.models import SCENES
from app.core.validation import has_hidden_characters
from app.merchants.services import normalise_credit_code

CODE = re.compile(r"^[a-z][a-z0-9_]{1,39}$")
PHONE = re.compile(r"^1[3-9]\d{9}$")


class VisibleText:
    """Refuse zero-width and other invisible characters (names are shown to residents)."""

    def __call__(self, form, field):
        if isinstance(field.data, str) and has_hidden_characters(field.data):
            raise ValidationError(_l("Remove the invisible characters."))


def code_field(label):
    return StringField(label, filters=[strip], validators=[required(), Regexp(
        CODE, message=_l("Use 2–40 of a-z, 0-9 and _, starting with a letter."))])


def name_field(label, n=120):
    return StringField(label, filters=[strip], validators=[
        required(), VisibleText(),
        Length(min=2, max=n, message=_l("Enter 2 to %(n)d characters.", n=n))])


class Choices(SelectMultipleField):
    """A multiple choice whose unknown values are refused with a readable message."""

    def pre_validate(self, form):
        known = {str(choice.value) for choice in self.choices or ()}
        if any(str(value) not in known for value in self.data or ()):
            raise ValidationError(_l("Choose from the list."))


class DepartmentForm(FlaskForm):
    code = code_field(_l("Code"))
    name = name_field(_l("Name"))


class MerchantForm(FlaskForm):
    name = name_field(_l("Name"))
    credit_code = StringField(_l("Unified social credit code"), filters=[strip],
                              validators=[required(), at_most(30)])
    benefits = Choices(_l("Benefits it offers"), coerce=str)

    def validate_credit_code(self, field):
        try:
            field.data = normalise_credit_code(field.data.upper())
        except ValueError as exc:
            raise ValidationError(_l("This is not a valid unified social credit code "
                                     "(18 characters with its check character).")) from exc


class MerchantBenefitsForm(FlaskForm):
    benefits = Choices(_l("Benefits it offers"), coerce=str)


class StaffForm(FlaskForm):
    name = name_field(_l("Name"), n=60)
    phone = StringField(_l("Mobile number"), filters=[strip], validators=[required(), Regexp(
        PHONE, message=_l("Enter an 11-digit mainland mobile number."))])
    role = SelectField(_l("Role"), choices=[SelectChoice("clerk", _l("Clerk")),
                                            SelectChoice("manager", _l("Manager"))])


class BenefitForm(FlaskForm):
    code = code_field(_l("Code"))
    name = name_field(_l("Name (Chinese)"))
    name_en = name_field(_l("Name (English)"), n=160)
    scene = SelectField(_l("Scene"), choices=[SelectChoice(scene) for scene in SCENES])
    description = TextAreaField(_l("Description (Chinese)"), filters=[strip],
                                validators=[at_most(2000)])
    description_en = TextAreaField(_l("Description (English)"), filters=[strip],
                                   validators=[at_most(2000)])
    min_tier = SelectField(_l("Lowest tier"))
    min_score = Number(_l("Lowest score"), validators=[Optional(), NumberRange(
        min=0, max=10000, message=_l("Enter a score from 0 to 10000."))])
    limit_count = Number(_l("Uses allowed"), validators=[Optional(), NumberRange(
        min=1, max=10000, message=_l("Enter a number from 1 to 10000."))])
    limit_period = SelectField(_l("Per"), choices=[
        SelectChoice("", _l("no limit")), SelectChoice("day", _l("day")),
        SelectChoice("month", _l("month")), SelectChoice("year", _l("year"))])
    value_text = StringField(_l("Value (Chinese)"), filters=[strip],
                             validators=[VisibleText(), at_most(120)])
    value_text_en = StringField(_l("Value (English)"), filters=[strip],
                                validators=[VisibleText(), at_most(160)])
    deposit_free = BooleanField(_l("Waives a deposit"))
    valid_from = Day(_l("Valid from"), validators=[Optional()])
    valid_until = Day(_l("Valid until"), validators=[Optional()])
    merchants = Choices(_l("Offered by"), coerce=str)
    active = BooleanField(_l("Offered now"), default=True)

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if bool(self.limit_count.data) != bool(self.limit_period.data):
            self.limit_period.errors.append(_l("Give both the number of uses and the period, "
                                               "or neither."))
            ok = False
        if not self.min_tier.data and self.min_score.data is None:
            self.min_tier.errors.append(_l("Choose a lowest tier or a lowest score."))
            ok = False
        if (self.valid_from.data and self.valid_until.data
                and self.valid_until.data < self.valid_from.data):
            self.valid_until.errors.append(_l("The end date is before the start date."))
            ok = False
        return ok

    def fields_data(self) -> dict:
        """The benefit's columns as the form gives them."""
        return {
            "name": self.name.data, "name_en": self.name_en.data, "scene": self.scene.data,
            "description": self.description.data or "",
            "description_en": self.description_en.data or "",
            "min_tier": self.min_tier.data or None, "min_score": self.min_score.data,
            "limit_count": self.limit_count.data, "limit_period": self.limit_period.data or None,
            "value_text": self.value_text.data or "",
            "value_text_en": self.value_text_en.data or "",
            "deposit_free": bool(self.deposit_free.data), "valid_from": self.valid_from.data,
            "valid_until": self.valid_until.data, "active": bool(self.active.data),
        }
