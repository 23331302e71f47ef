"""Plain-language words for the codes the scoring engine and the data model use."""
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import lazy_gettext as _l

NOTES = {
    "full": _l("Counts in full"),
    "ongoing": _l("Ongoing: counts in full until it ends"),
    "fading": _l("Older record: its effect is fading"),
    "faded_out": _l("Too old: no longer counts"),
    "not_yet_effective": _l("Not yet in effect"),
    "capped": _l("Not counted: the yearly limit for this kind of record is reached"),
    "partly_capped": _l("Partly counted: the yearly limit for this kind of record is reached"),
    "duplicate": _l("Delivered twice: counted once"),
    "not_in_scheme": _l("Not in the current catalogue: does not count"),
    "revoked": _l("Withdrawn by the department: does not count"),
    "repaired": _l("Credit repaired: no longer counts"),
    "expired": _l("Expired: no longer counts"),
}

STATUSES = {
    "active": _l("In force"),
    "revoked": _l("Withdrawn"),
    "repaired": _l("Repaired"),
    "expired": _l("Expired"),
}

SEVERITIES = {
    "minor": _l("Minor"),
    "major": _l("Serious"),
    "serious": _l("Severe (legal list)"),
}

SCENES = {
    "信易租": _l("Rentals"),
    "信易行": _l("Getting around"),
    "信易游": _l("Travel"),
    "信易医": _l("Health care"),
    "信易购": _l("Shopping"),
    "信易停": _l("Parking"),
    "信易贷": _l("Loans"),
    "信易阅": _l("Reading"),
}

PERIODS = {
    "day": _l("per day"),
    "month": _l("per month"),
    "year": _l("per year"),
}

ADJUSTMENTS = {
    "dimension_cap": _l("Upper limit of this dimension"),
    "dimension_floor": _l("Lower limit of this dimension"),
    "score_max": _l("Highest possible score"),
    "score_min": _l("Lowest possible score"),
    "type_year_cap": _l("Yearly limit for one kind of record"),
}


def english() -> bool:
    return str(get_locale()) == "en"


def loc(obj, attr="name"):
    """The object's English attribute (`name_en`) in English when it has one, else the Chinese."""
    if obj is None:
        return ""
    if english():
        value = getattr(obj, f"{attr}_en", None)
        if value:
            return value
    return getattr(obj, attr)


def note(code):
    return NOTES.get(code, code)


def scene(code):
    label = SCENES.get(code)
    if label is None:
        return code
    return f"{label} · {code}" if english() else code


def register(app):
    app.jinja_env.filters.update(loc=loc, note=note, scene=scene)
    app.jinja_env.globals.update(
        format_date=format_date,
        format_datetime=format_datetime,
        record_status=lambda code: STATUSES.get(code, code),
        severity_label=lambda code: SEVERITIES.get(code, code),
        period_label=lambda code: PERIODS.get(code, code),
        adjustment_label=lambda kind: ADJUSTMENTS.get(kind, kind),
    )
