"""The zh_CN catalogue: complete, compiled, and shown by default (English on request)."""
import html
import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "app" / "translations" / "zh_CN" / "LC_MESSAGES"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _po():
    with open(CATALOGUE / "messages.po", "rb") as f:
        return read_po(f)


def _msgid(message_id):
    return message_id[0] if isinstance(message_id, tuple) else message_id


def test_every_msgid_has_a_chinese_translation():
    empty = [m.id for m in _po() if m.id and not (m.string[0] if isinstance(m.string, tuple)
                                                     else m.string)]
    assert empty == [], f"untranslated zh_CN msgids (translate them in messages.po): {empty}"


def test_every_string_in_the_code_is_in_the_catalogue():
    with open(ROOT / "babel.cfg") as f:
        method_map, options_map = parse_mapping_cfg(f)
    in_code = {_msgid(msg[2]) for msg in extract_from_dir(
        str(ROOT / "app"), method_map, options_map, keywords=KEYWORDS)}
    in_catalogue = {_msgid(m.id) for m in _po() if m.id}
    missing = sorted(in_code - in_catalogue)
    assert missing == [], f"strings missing from zh_CN (run `make translations`): {missing}"


def test_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "messages.mo", "rb") as f:
        compiled = {_msgid(m.id): m.string for m in read_mo(f) if m.id}
    source = {_msgid(m.id): m.string for m in _po() if m.id and m.string}
    assert compiled == source, "messages.mo is stale: run `make translations`"


def test_chinese_by_default_and_english_on_request(client):
    chinese = client.get("/").get_data(as_text=True)
    assert "信用郑州" in chinese and 'lang="zh-CN"' in chinese
    english = client.get("/?lang=en").get_data(as_text=True)
    assert "Credit Zhengzhou" in english and 'lang="en"' in english


def test_language_switch_is_remembered(client):
    assert client.get("/lang/en?next=/login").headers["Location"].endswith("/login")
    assert "Sign in" in client.get("/login").get_data(as_text=True)
    client.get("/lang/zh_CN")
    assert "登录" in client.get("/login").get_data(as_text=True)


def test_switching_back_to_chinese_from_an_english_link(client):
    english = client.get("/login?lang=en").get_data(as_text=True)
    switch = re.search(r'href="(/lang/zh_CN[^"]*)"', english).group(1)
    target = client.get(html.unescape(switch)).headers["Location"]
    assert "登录" in client.get(target).get_data(as_text=True)
