"""Accessible, self-contained markup on every resident page: labelled fields, one main heading,
text alternatives, no third-party assets, no inline script."""
import re
from html.parser import HTMLParser

import pytest

from tests.resident_support import sign_in

PUBLIC = ["/", "/login", "/register"]
SIGNED_IN = ["/", "/records", "/score/explained", "/benefits", "/credit-code", "/account",
             "/account/password"]


class Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.labels, self.h1 = [], set(), 0
        self._script_text = False
        self.inline_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "label" and attrs.get("for"):
            self.labels.add(attrs["for"])
        self.h1 += tag == "h1"
        self._script_text = tag == "script"

    def handle_data(self, data):
        if self._script_text and data.strip():
            self.inline_script = True

    def handle_endtag(self, tag):
        self._script_text = False


def check(html):
    page = Page()
    page.feed(html)
    assert page.h1 == 1, "one main heading"
    for tag, attrs in page.tags:
        if tag in ("input", "select", "textarea") and attrs.get("type") != "hidden":
            assert attrs.get("id") in page.labels, f"field without a label: {attrs}"
        if tag == "img":
            assert attrs.get("alt"), "image without alt text"
        for name in ("src", "href"):
            value = attrs.get(name) or ""
            assert not re.match(r"^(https?:)?//", value), f"third-party asset: {value}"
        if tag == "svg" and attrs.get("role") == "img":
            assert attrs.get("aria-label") or attrs.get("aria-labelledby")
    assert not page.inline_script, "inline script (blocked by the content security policy)"


@pytest.mark.parametrize("url", PUBLIC)
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_public_pages(client, url, lang):
    check(client.get(f"{url}?lang={lang}").get_data(as_text=True))


@pytest.mark.parametrize("url", SIGNED_IN)
@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_signed_in_pages(client, make_resident, url, lang):
    sign_in(client, make_resident(records=[("blood_donation", 3), ("traffic_violation", 9)]))
    response = client.get(f"{url}?lang={lang}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    check(response.get_data(as_text=True))
