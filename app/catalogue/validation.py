"""Checking a scheme file before it may be published: every problem found, in plain words.

`parse_scheme` returns the scheme as plain data with optional fields filled in, so what is
published and what a dry run scores are the same values.
"""
import re
import tomllib
from datetime import date, datetime

from flask_babel import gettext as _

POLARITIES = ("positive", "negative")
SEVERITIES = ("minor", "major", "serious")
# a negative personal record is kept five years after the behaviour ended (郑政文〔2017〕128号
# 六(七)) unless its type says otherwise
DEFAULT_RETENTION_DAYS = 1825
VERSION = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]{0,19}$")
DIMENSION_FIELDS = ("code", "name", "name_en", "floor", "cap")
TIER_FIELDS = ("code", "name", "name_en", "min_score")
TYPE_FIELDS = ("code", "name", "name_en", "description", "description_en", "dimension",
               "polarity", "severity", "points", "full_days", "fade_days", "cap_per_year",
               "state", "unit_attribute", "unit_size", "legal_basis", "issuers",
               "document_required", "retention_days", "repair_after_days")
TYPE_DEFAULTS = {"description": "", "description_en": "", "severity": "", "cap_per_year": 0,
                 "unit_attribute": "", "unit_size": 1, "state": False,
                 "document_required": False, "retention_days": None, "repair_after_days": None}


class SchemeError(ValueError):
    """A scheme file that cannot be published as it is; `problems` lists every reason."""

    def __init__(self, problems):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("; ".join(self.problems))


def parse_scheme(text: str) -> dict:
    """Read and check a scheme file's TOML text; raise SchemeError naming every problem."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemeError(_("The file is not valid TOML: %(error)s", error=str(exc))) from exc
    return check_scheme(data)


def check_scheme(data: dict) -> dict:
    """Check a scheme read from its file (or already checked once); return it normalised, or
    raise SchemeError naming every problem."""
    problems = _Problems()
    _check_top(data, problems)
    dimensions = _check_items(data, "dimensions", ("name", "name_en"), ("floor", "cap"), problems)
    for d in dimensions:
        if _is_int(d.get("floor")) and _is_int(d.get("cap")) and not d["floor"] <= 0 <= d["cap"]:
            problems.add(_("Dimension %(code)s: the floor must be 0 or below and the cap 0 or "
                           "above.", code=d["code"]))
    tiers = _check_items(data, "tiers", ("name", "name_en"), ("min_score",), problems)
    minimums = [t["min_score"] for t in tiers if _is_int(t.get("min_score"))]
    if len(minimums) != len(set(minimums)):
        problems.add(_("Two tiers have the same minimum score."))
    types = _check_items(data, "record_types", ("name", "name_en", "legal_basis"),
                         ("points", "full_days", "fade_days"), problems)
    codes = {d["code"] for d in dimensions}
    for t in types:
        _check_type(t, codes, problems)
    problems.raise_any()
    return _normalised(data)


class _Problems(list):
    def add(self, message):
        self.append(message)

    def raise_any(self):
        if self:
            raise SchemeError(self)


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_text(value):
    return isinstance(value, str) and value.strip() != ""


def _check_top(data, problems):
    if not (isinstance(data.get("version"), str) and VERSION.match(data["version"])):
        problems.add(_("version must be text of at most 20 letters, digits, dots, dashes or "
                       "underscores, e.g. \"2026.2\"."))
    for key in ("name", "name_en"):
        if not _is_text(data.get(key)):
            problems.add(_("%(key)s is missing.", key=key))
    if not isinstance(data.get("commitment_text", ""), str):
        problems.add(_("commitment_text must be text."))
    if _day(data.get("published_on")) is None:
        problems.add(_("published_on must be a date such as 2026-07-01."))
    numbers = [data.get(k) for k in ("min_score", "base", "max_score")]
    if not all(_is_int(n) for n in numbers):
        problems.add(_("base, min_score and max_score must be whole numbers."))
    elif not numbers[0] <= numbers[1] <= numbers[2]:
        problems.add(_("The scores must satisfy min_score ≤ base ≤ max_score."))


def _day(value) -> date | None:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        return None


def _check_items(data, section, texts, numbers, problems) -> list[dict]:
    """The section's entries that have a code, after checking their common fields."""
    items = data.get(section)
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        problems.add(_("The file needs at least one [[%(section)s]] entry.", section=section))
        return []
    seen, good = set(), []
    for position, item in enumerate(items, start=1):
        code = item.get("code")
        if not _is_text(code):
            problems.add(_("Entry %(n)d of %(section)s has no code.", n=position, section=section))
            continue
        if code in seen:
            problems.add(_("%(section)s: the code %(code)s appears twice.", section=section,
                           code=code))
        seen.add(code)
        for key in texts:
            if not _is_text(item.get(key)):
                problems.add(_("%(code)s: %(key)s is missing.", code=code, key=key))
        for key in numbers:
            if not _is_int(item.get(key)):
                problems.add(_("%(code)s: %(key)s must be a whole number.", code=code, key=key))
        good.append(item)
    return good


def _check_type(t, dimensions, problems):
    code = t["code"]
    if t.get("dimension") not in dimensions:
        problems.add(_("%(code)s: unknown dimension %(dimension)s.", code=code,
                       dimension=t.get("dimension")))
    polarity, severity = t.get("polarity"), t.get("severity") or ""
    if polarity not in POLARITIES:
        problems.add(_("%(code)s: polarity must be positive or negative.", code=code))
    elif polarity == "negative" and severity not in SEVERITIES:
        problems.add(_("%(code)s: a negative type needs a severity (minor, major or serious).",
                       code=code))
    elif polarity == "positive" and severity:
        problems.add(_("%(code)s: a positive type has no severity.", code=code))
    points, full, fade = t.get("points"), t.get("full_days"), t.get("fade_days")
    if _is_int(points) and points <= 0:
        problems.add(_("%(code)s: points must be above 0 (the sign comes from polarity).",
                       code=code))
    if _is_int(full) and _is_int(fade) and (full < 0 or fade < 1):
        problems.add(_("%(code)s: full_days must be 0 or more and fade_days 1 or more.",
                       code=code))
    _check_governance(t, problems)
    for key, minimum in (("cap_per_year", 0), ("unit_size", 1)):
        value = t.get(key, TYPE_DEFAULTS[key])
        if not _is_int(value) or value < minimum:
            problems.add(_("%(code)s: %(key)s must be a whole number of at least %(min)d.",
                           code=code, key=key, min=minimum))
    if not isinstance(t.get("state", False), bool):
        problems.add(_("%(code)s: state must be true or false.", code=code))
    for key in ("description", "description_en", "unit_attribute"):
        if not isinstance(t.get(key, ""), str):
            problems.add(_("%(code)s: %(key)s must be text.", code=code, key=key))


def _check_governance(t, problems):
    """Who may deliver the type, and for negative types how long they are kept and when they
    may be repaired."""
    code = t["code"]
    issuers = t.get("issuers")
    if not (isinstance(issuers, list) and issuers and all(_is_text(i) for i in issuers)):
        problems.add(_("%(code)s: issuers must name at least one department code.", code=code))
    if not isinstance(t.get("document_required", False), bool):
        problems.add(_("%(code)s: document_required must be true or false.", code=code))
    if t.get("polarity") != "negative":
        if t.get("retention_days") is not None or t.get("repair_after_days") is not None:
            problems.add(_("%(code)s: only negative types have retention_days and "
                           "repair_after_days.", code=code))
        return
    retention = t.get("retention_days", DEFAULT_RETENTION_DAYS)
    window = [t.get("full_days"), t.get("fade_days")]
    if not _is_int(retention) or (all(_is_int(n) for n in window) and retention < sum(window)):
        problems.add(_("%(code)s: retention_days must cover full_days + fade_days (a record is "
                       "kept while it counts).", code=code))
    repair = t.get("repair_after_days")
    if repair is not None and not (_is_int(repair) and _is_int(retention)
                                   and 0 <= repair < retention):
        problems.add(_("%(code)s: repair_after_days must be 0 or more and below retention_days.",
                       code=code))


def type_entry(t) -> dict:
    """A record type's known fields, optional ones filled in as publishing reads them."""
    entry = {k: t.get(k, TYPE_DEFAULTS.get(k)) for k in TYPE_FIELDS}
    if t["polarity"] == "negative" and entry["retention_days"] is None:
        entry["retention_days"] = DEFAULT_RETENTION_DAYS
    return entry


def _normalised(data) -> dict:
    """The checked scheme's known fields as JSON-ready data, every optional field of a record
    type present (anything else in the file is left out)."""
    return {
        **{k: data[k] for k in ("version", "name", "name_en", "base", "min_score", "max_score")},
        "commitment_text": data.get("commitment_text", ""),
        "published_on": _day(data["published_on"]).isoformat(),
        "dimensions": [{k: d[k] for k in DIMENSION_FIELDS} for d in data["dimensions"]],
        "tiers": [{k: t[k] for k in TIER_FIELDS} for t in data["tiers"]],
        "record_types": [type_entry(t) for t in data["record_types"]],
    }
