"""The audit-log viewer: filters, pages newest first, and the hash-chain check on demand.

What an entry says about a person (a score, a record's change) shows only when the operator
asks for that person's trail, and that reading is logged in the person's access log.
"""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from app.admin import audit_search
from app.admin.access import AUDIT_READERS, current_operator, role_required
from app.admin.blueprint import bp
from app.admin.forms import Day, Number, at_most, strip
from app.core.audit import audit
from app.core.extensions import db
from app.core.http import safe_next
from app.core.validation import MAX_ROW_ID
from app.residents.access import N_, log_access

# the access log's words, stored as message ids and shown in the resident's language
WHAT_TRAIL = N_("The audit trail of what was done about you")
PURPOSE_AUDIT = N_("Auditing the platform")
MAX_ID = 2**63 - 1  # audit entries' ids are 64-bit; persons' ids are rows like any other
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)  # a day the log can hold entries of


def plausible_day(_form, field):
    """A day in the log's span: a date near the ends of the calendar cannot become a moment."""
    if field.data and not FIRST_DAY <= field.data <= LAST_DAY:
        raise ValidationError(_l("Enter a date from %(first)s to %(last)s.",
                                 first=FIRST_DAY.isoformat(), last=LAST_DAY.isoformat()))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET that changes nothing

    actor = StringField(_l("Actor"), filters=[strip], validators=[at_most(80)])
    action = StringField(_l("Action"), filters=[strip], validators=[at_most(80)])
    object = StringField(_l("Object"), filters=[strip], validators=[at_most(120)])
    subject = Number(_l("Person (id)"), validators=[Optional(), NumberRange(
        min=1, max=MAX_ROW_ID, message=_l("Enter a person's number."))])
    since = Day(_l("Start date"), validators=[Optional(), plausible_day])
    until = Day(_l("End date"), validators=[Optional(), plausible_day])
    before = Number(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])

    def validate_until(self, field):
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))


def _filter_of(form) -> audit_search.AuditFilter:
    return audit_search.AuditFilter(actor=form.actor.data or "", action=form.action.data or "",
                                    object=form.object.data or "", subject=form.subject.data,
                                    since=form.since.data, until=form.until.data)


@bp.get("/audit")
@role_required(*AUDIT_READERS)
def audit_log():
    form = AuditFilterForm(formdata=request.args)
    if not form.validate():
        return render_template("admin/audit_log.html", form=form, entries=[], next_args=None,
                               newest_args=None, subject=None,
                               unsealed=audit_search.unsealed_count()), 422
    entries, next_before = audit_search.page(_filter_of(form), form.before.data)
    subject = form.subject.data
    if subject is not None and entries:
        operator = current_operator()
        log_access(subject, "operator", operator.username, WHAT_TRAIL, PURPOSE_AUDIT)
        audit(operator.actor, "audit_log.read_trail", "person", subject, subject_id=subject)
        db.session.commit()
    args = {name: value for name, value in request.args.items() if name != "before"}
    return render_template("admin/audit_log.html", form=form, entries=entries,
                           next_args={**args, "before": next_before} if next_before else None,
                           newest_args=args if form.before.data else None, subject=subject,
                           unsealed=audit_search.unsealed_count())


@bp.post("/audit/verify")
@role_required(*AUDIT_READERS)
def verify_audit_chain():
    result = audit_search.check_chain()
    operator = current_operator()
    audit(operator.actor, "audit_log.verified", "audit_log", None,
          data={"checked": result.checked, "broken_at": result.broken_at,
                "unsealed": result.unsealed})
    db.session.commit()
    if result.intact:
        flash(_("The audit chain is intact: %(checked)d sealed entries checked, %(unsealed)d "
                "waiting to be sealed.", checked=result.checked, unsealed=result.unsealed), "ok")
    else:
        flash(_("The audit chain is BROKEN at entry %(entry)d (after %(checked)d good entries).",
                entry=result.broken_at, checked=result.checked), "error")
    back = safe_next(request.form.get("back"), url_for("admin.audit_log"))
    return redirect(back if back.startswith("/admin/audit") else url_for("admin.audit_log")), 303
