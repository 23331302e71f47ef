"""Who may deliver a record, what it must carry, and how long a negative record is kept.

The catalogue names the departments entitled to deliver each type (`issuers`), whether a
negative record must carry its deciding document's reference (`document_required`) and how long
after the behaviour ended a negative record is kept (`retention_days`). Intake refuses what
breaks these rules; the purge job (`app.records.purge`) removes what has outlived its retention.
"""
from datetime import date, timedelta

from flask_babel import gettext as _

from app.core.time import city_today


def retention_end(rtype, occurred: date, ended: date | None) -> date | None:
    """The last day a negative record may be kept, or None (positive, or an ongoing state).

    The clock starts when the behaviour ended: the reported end, or for a one-off event the
    day it happened. An ongoing state (still on a list, still in arrears) has not ended.
    """
    if rtype.polarity != "negative" or rtype.retention_days is None:
        return None
    start = ended if ended is not None else (None if rtype.state else occurred)
    return None if start is None else start + timedelta(days=rtype.retention_days)


def governance_errors(rtype, department_code: str, values: dict, today: date | None = None):
    """[{field, message}] for a record of `rtype` from a department that breaks the catalogue's
    rules: not an issuer of the type, no deciding document, retention already over."""
    errors = []
    if department_code not in rtype.issuers:
        errors.append({"field": "type", "message": _(
            "Your department is not entitled to deliver records of this type; the catalogue "
            "names the departments that are (issuers: %(issuers)s).",
            issuers=", ".join(rtype.issuers) or "-")})
    if rtype.document_required and not (values.get("document_ref") or "").strip():
        errors.append({"field": "document_ref", "message": _(
            "This record type needs the reference of the deciding document (决定书文号).")})
    end = retention_end(rtype, values["occurred_at"], values.get("ended_at"))
    if end is not None and end < (today or city_today()):
        field = "ended_at" if values.get("ended_at") is not None else "occurred_at"
        errors.append({"field": field, "message": _(
            "Too old to record: a negative record is kept only %(days)s days after the behaviour "
            "ended, and that period ended on %(end)s.",
            days=rtype.retention_days, end=end.isoformat())})
    return errors
