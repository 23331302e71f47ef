"""Checks on free text that people and departments send, names above all."""
import unicodedata

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError

# control characters; bidirectional controls and other invisible formatting characters (Cf:
# U+202E makes a name read backwards, U+200B hides inside it); lone surrogates; line and
# paragraph separators. Private-use characters stay allowed: older systems encode rare
# characters of Chinese names there.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def has_hidden_characters(value: str) -> bool:
    """True if the text holds a character that is invisible or changes how the rest reads."""
    return any(unicodedata.category(char) in HIDDEN_CATEGORIES for char in value)


def visible_text(value):
    """Marshmallow validator: refuse text with hidden characters (names, above all)."""
    if isinstance(value, str) and has_hidden_characters(value):
        raise ValidationError(str(_l("Invisible or control characters are not allowed.")))
    return value
