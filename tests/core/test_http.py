"""One guard against open redirects, used after sign-in and by the language switch."""
from urllib.parse import urljoin, urlsplit

import pytest

from app.core.http import safe_next
from tests.resident_support import form_token
from tests.verification_support import csrf_token


@pytest.mark.parametrize("target", ["/", "/records", "/merchant/redemptions?day=2026-11-27",
                                    "/score/explained#total"])
def test_same_site_paths_are_kept(target):
    assert safe_next(target) == target


@pytest.mark.parametrize("target", [
    None, "", "records", "https://evil.example/", "//evil.example", "/\\evil.example",
    "/\t/evil.example", "/\r\n/evil.example", "/%09/evil.example".replace("%09", "\t"),
    "/\x00", "/ /evil.example", "/\u3000x",
])
def test_anything_else_goes_to_the_default(target):
    assert safe_next(target, "/home") == "/home"


@pytest.mark.parametrize("path", ["/lang/en?next=/%09/evil.example", "/lang/en?next=//evil.example",
                                  "/lang/en?next=/%0d/x", "/login?next=/%09/evil.example"])
def test_redirects_never_leave_the_site(client, path):
    response = client.get(path)
    assert response.status_code in (200, 302)
    location = response.headers.get("Location", "")
    assert not location.lstrip().startswith("//") and "evil" not in location


@pytest.mark.parametrize("query", ["next=/%09/evil.example", "next=/%0d/x", "next=/%0d%0a/evil.example",
                                   "next=//evil.example", "next=/%5Cevil.example"])
def test_a_successful_sign_in_never_leaves_the_site(client, make_resident, make_merchant, query):
    resident = make_resident()
    response = client.post(f"/login?{query}", data={
        "phone": resident.plain_phone, "password": resident.plain_password,
        "csrf_token": form_token(client, "/login")})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    staff = make_merchant().plain_staff
    staff_client = client.application.test_client()
    response = staff_client.post(f"/merchant/login?{query}", data={
        "phone": staff.plain_phone, "password": staff.plain_password,
        "csrf_token": csrf_token(staff_client)})
    assert response.status_code == 302 and response.headers["Location"] == "/merchant/"


# odd but same-site paths: what Werkzeug sends in Location must still be a path on this site
@pytest.mark.parametrize("target", [
    "/%2F/evil.example", "/%5C/evil.example", "/..//evil.example", "/.//evil.example",
    "/%2e%2e//evil.example", "/\uff0f/evil.example", "/\u2215/evil.example", "/\ufe68evil.example",
    "/@evil.example", "/:443//evil.example", "/;//evil.example", "/a?b=//evil.example#//x",
    "/信用/记录",
])
def test_the_location_werkzeug_sends_for_odd_paths_stays_on_the_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert (parts.scheme, parts.netloc) == ("", "")
    # a browser reads "//", "/\" or "\" after dropping tabs and newlines as another host
    assert location.startswith("/") and location[1:2] not in ("/", "\\")
    assert not any(c in location for c in "\t\r\n\\ ")
    assert urlsplit(urljoin("https://credit.example/lang/en", location)).netloc == "credit.example"
