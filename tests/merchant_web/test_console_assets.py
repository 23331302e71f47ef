"""Static files: versioned URLs on every page, a year's caching, gzip, the minified decoder."""
import gzip
import re
from pathlib import Path

import pytest

from tests.verification_support import login

STATIC = re.compile(r'(?:src|href)="(/static/[^"]+)"')


@pytest.fixture
def console(app, client, make_merchant):
    login(client, make_merchant().plain_staff)
    return client


@pytest.mark.parametrize("page", ["/merchant/", "/merchant/redemptions", "/login", "/register"])
def test_every_static_link_carries_the_files_hash(app, console, page):
    html = console.get(page).get_data(as_text=True)
    links = STATIC.findall(html)
    assert links
    for link in links:
        assert re.search(r"\?v=[0-9a-f]{12}$", link), link


def test_versioned_files_are_cached_for_a_year_and_gzipped(app, console):
    html = console.get("/merchant/").get_data(as_text=True)
    decoder = next(link for link in STATIC.findall(html) if "jsQR" in link)
    response = console.get(decoder, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response.headers["Vary"]
    script = gzip.decompress(response.data)
    assert int(response.headers["Content-Length"]) == len(response.data) < 60_000
    assert b"jsQR" in script and len(script.splitlines()) < 5  # minified
    plain = console.get(decoder, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.data == script


def test_an_old_or_missing_version_is_not_cached_for_long(app, console):
    response = console.get("/static/css/merchant.css?v=000000000000")
    assert "immutable" not in response.headers.get("Cache-Control", "")
    assert console.get("/static/css/merchant.css").status_code == 200


def test_a_range_request_gets_the_plain_bytes(app, console):
    response = console.get("/static/js/merchant-scan.js", headers={
        "Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert response.status_code == 206 and "Content-Encoding" not in response.headers
    assert len(response.data) == 10


def test_while_debugging_a_file_is_sent_as_it_is_now(app, console):
    app.debug = True
    try:
        response = console.get("/static/css/merchant.css", headers={"Accept-Encoding": "gzip"})
    finally:
        app.debug = False
    assert "Content-Encoding" not in response.headers
    assert response.data == (Path(app.static_folder) / "css" / "merchant.css").read_bytes()
