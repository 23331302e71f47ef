"""Input limits in one place: finite numbers of a sane size, text the database can store, dates
the platform can count with. Every schema and the batch importer use these."""
import math
import re
import unicodedata
from datetime import date

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from werkzeug.routing import IntegerConverter

# the largest id of an `integer` primary key in PostgreSQL
MAX_ROW_ID = 2**31 - 1
# integers every JSON reader holds exactly (JavaScript's safe integers)
MAX_INTEGER = 2**53 - 1
# nesting of a JSON body; a record batch needs four levels
MAX_DEPTH = 32
# no record, redemption or day of the platform lies outside these
MIN_DATE, MAX_DATE = date(1900, 1, 1), date(2999, 12, 31)

# C0 and C1 controls and lone surrogates: PostgreSQL text cannot hold NUL, no encoder can write a
# lone surrogate, and no name, code or identifier needs a control character
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
# free text may also hold tabs and line breaks
_CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


class _Refuse(ma.validate.Validator):
    """Refuse a string in which `pattern` finds a character."""

    def __init__(self, pattern, error):
        self.pattern, self.error = pattern, error

    def __call__(self, value):
        if isinstance(value, str) and self.pattern.search(value):
            raise ma.ValidationError(str(self.error))
        return value


# names also refuse what hides in text: bidirectional controls and other invisible formatting
# characters (Cf: U+202E makes a name read backwards, U+200B hides inside it), line and paragraph
# separators. Private-use characters stay allowed: older systems encode rare characters of
# Chinese names there.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def has_hidden_characters(value: str) -> bool:
    """True if the text holds a character that is invisible or changes how the rest reads."""
    # printable text (checked in C) holds none: every hidden category is unprintable to Python
    return not value.isprintable() and any(
        unicodedata.category(char) in HIDDEN_CATEGORIES for char in value)


def visible_text(value):
    """Marshmallow validator: refuse text with hidden characters (names, above all)."""
    if isinstance(value, str) and has_hidden_characters(value):
        raise ma.ValidationError(str(_l("Invisible or control characters are not allowed.")))
    return value


NO_CONTROL = _Refuse(_CONTROL, _l("Control characters are not allowed."))
PLAIN_TEXT = _Refuse(_CONTROL_IN_TEXT, _l("Control characters are not allowed."))
DATE_RANGE = ma.validate.Range(MIN_DATE, MAX_DATE,
                               error=_l("The date must lie between 1900 and 2999."))


def holds_control(value: str) -> bool:
    """True when text holds a control character other than tab and line breaks, or a lone surrogate."""
    return bool(_CONTROL_IN_TEXT.search(value))


def json_value(value):
    """Validate a free-form JSON value (record attributes): finite numbers, integers of at most
    MAX_INTEGER, plain text in keys and strings."""
    problem = _json_problem(value)
    if problem:
        raise ma.ValidationError(str(problem))
    return value


def _json_problem(value):
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if abs(value) <= MAX_INTEGER else _l("The number is too large.")
    if isinstance(value, float):
        return None if math.isfinite(value) else _l("Numbers must be finite.")
    if isinstance(value, str):
        return _l("Control characters are not allowed.") if holds_control(value) else None
    if isinstance(value, dict):
        return next(filter(None, (_json_problem(k) or _json_problem(v)
                                  for k, v in value.items())), None)
    if isinstance(value, list):
        return next(filter(None, map(_json_problem, value)), None)
    return _l("Not a JSON value.")


def too_deep(value, limit=MAX_DEPTH) -> bool:
    """True when lists and objects nest more than `limit` levels (checked level by level)."""
    level = [value]
    for _ in range(limit):
        level = [child for item in level if isinstance(item, (dict, list))
                 for child in (item.values() if isinstance(item, dict) else item)]
        if not level:
            return False
    return any(isinstance(item, (dict, list)) for item in level)


class RowIdConverter(IntegerConverter):
    """`<id:name>` in a route: a row id from 1 to MAX_ROW_ID; anything else is a 404."""

    def __init__(self, url_map, *args, **kwargs):
        super().__init__(url_map, min=1, max=MAX_ROW_ID)
