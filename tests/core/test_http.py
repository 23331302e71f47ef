"""One guard against open redirects, used after sign-in and by the language switch."""
import pytest

from app.core.http import safe_next


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
