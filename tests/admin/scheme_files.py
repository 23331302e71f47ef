"""Scheme files for the console's tests: the default file with a few edits, as TOML text."""
import re

from app.catalogue.services import SCHEMES_DIR

DEFAULT = (SCHEMES_DIR / "2026.1.toml").read_text(encoding="utf-8")

NEW_TYPE = '''
[[record_types]]
code = "community_mediation"
name = "参与社区调解"
name_en = "Community mediation"
dimension = "social"
polarity = "positive"
points = 2
full_days = 365
fade_days = 365
legal_basis = "《中华人民共和国人民调解法》"
issuers = ["civilisation_office"]
'''


def _block(text, section, code):
    """(start, end) of the `[[section]]` entry with this code."""
    match = re.search(rf'\[\[{section}\]\]\ncode = "{code}"\n', text)
    assert match, code
    following = text.find("\n[[", match.end())
    end = len(text) if following == -1 else following + 1
    return match.start(), end


def set_value(text, section, code, key, value):
    start, end = _block(text, section, code)
    block, count = re.subn(rf"^{key} = .*$", f"{key} = {value}", text[start:end], count=1,
                           flags=re.M)
    assert count == 1, (code, key)
    return text[:start] + block + text[end:]


def remove(text, section, code):
    start, end = _block(text, section, code)
    return text[:start] + text[end:]


def scheme_text(version, points=None, tier_minimums=None, removed=(), added=False):
    """The default scheme renamed `version`, with record type points, tier minimums changed,
    record types removed, and (if `added`) one new record type."""
    text = DEFAULT.replace('version = "2026.1"', f'version = "{version}"', 1)
    for code, value in (points or {}).items():
        text = set_value(text, "record_types", code, "points", value)
    for code, value in (tier_minimums or {}).items():
        text = set_value(text, "tiers", code, "min_score", value)
    for code in removed:
        text = remove(text, "record_types", code)
    return text + NEW_TYPE if added else text
