"""Forms of the partner onboarding screens: partner institutions and their OAuth clients."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, ValidationError

from app.admin.forms import Number, at_most, required, strip
from app.admin.onboarding_forms import Choices, VisibleText, name_field
from app.merchants.services import normalise_credit_code
from app.partners.models import SCOPES
from app.partners.services import check_rate_limit, check_redirect_uri

KIND_NAMES = {"lender": _l("Lender (信易贷)"), "tourism": _l("Tourism platform (信易游)"),
              "other": _l("Other institution")}
SCOPE_NAMES = {"score": _l("Score and tier"), "report": _l("Explained credit report"),
               "eligibility": _l("Eligibility for a benefit"),
               "booking": _l("Online booking of benefits")}


class PartnerForm(FlaskForm):
    name = name_field(_l("Name"))
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, v) for k, v in KIND_NAMES.items()])
    credit_code = StringField(_l("Unified social credit code"), filters=[strip],
                              validators=[required(), at_most(30)])
    rate_limit = StringField(_l("Rate limit"), filters=[strip], default="120/minute",
                             validators=[required(), at_most(40)])

    def validate_credit_code(self, field):
        try:
            field.data = normalise_credit_code(field.data.upper())
        except ValueError as exc:
            raise ValidationError(_l("This is not a valid unified social credit code "
                                     "(18 characters with its check character).")) from exc

    def validate_rate_limit(self, field):
        try:
            check_rate_limit(field.data)
        except ValueError as exc:
            raise ValidationError(_l("Write it as a number per period, e.g. 120/minute.")
                                  ) from exc


def _uris(text):
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class ClientForm(FlaskForm):
    redirect_uris = TextAreaField(_l("Redirect URIs (one per line)"), filters=[strip],
                                  validators=[required(), at_most(2000)])
    scopes = Choices(_l("Scopes"), coerce=str,
                     choices=[SelectChoice(s, SCOPE_NAMES[s]) for s in SCOPES])
    purpose = StringField(_l("Purpose the resident is told"), filters=[strip], validators=[
        required(), VisibleText(), Length(max=200, message=_l("This is too long."))])
    consent_days = Number(_l("Days a consent lasts"), default=30, validators=[
        required(), NumberRange(min=1, max=365, message=_l("Enter 1 to 365 days."))])

    def validate_redirect_uris(self, field):
        uris = _uris(field.data)
        if not 1 <= len(uris) <= 10:
            raise ValidationError(_l("Give 1 to 10 redirect URIs."))
        for uri in uris:
            try:
                check_redirect_uri(uri)
            except ValueError as exc:
                raise ValidationError(_l("%(uri)s: use https (http only for 127.0.0.1 or "
                                         "localhost) and no #fragment.", uri=uri)) from exc

    def validate_scopes(self, field):
        if not field.data:
            raise ValidationError(_l("Choose at least one scope."))

    @property
    def uri_list(self):
        return _uris(self.redirect_uris.data)


class OffersForm(FlaskForm):
    benefits = Choices(_l("Benefits it books online"), coerce=str)
