"""Forms for objecting to a record and applying for credit repair (with evidence files)."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, MultipleFileField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from app.core.validation import has_hidden_characters


def _text(label):
    return TextAreaField(label, filters=[lambda v: v.strip() if isinstance(v, str) else v],
                         validators=[DataRequired(message=_l("Please fill in this field.")),
                                     Length(max=2000, message=_l("This is too long."))])


def _plain(_form, field):
    if has_hidden_characters(field.data.replace("\n", "").replace("\r", "")):
        raise ValidationError(_l("Remove the invisible or control characters."))


class ObjectionForm(FlaskForm):
    reason = _text(_l("Why is the record wrong?"))
    evidence = MultipleFileField(
        _l("Evidence (optional): photos or PDF, up to 3 files, 2 MB in all"))
    validate_reason = _plain


class RepairForm(FlaskForm):
    statement = _text(_l("How have you corrected it?"))
    evidence = MultipleFileField(_l("Evidence: photos or PDF, up to 3 files, 2 MB in all"))
    commitment = BooleanField(_l("I sign the credit commitment above."))
    validate_statement = _plain

    def validate_commitment(self, field):
        if not field.data:
            raise ValidationError(_l("Tick the box to sign the commitment."))
