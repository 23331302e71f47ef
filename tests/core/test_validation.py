"""Input limits in one place (app.core.validation, app.core.json) and the hooks that apply them
to every request: never a 500 on bad input (issue 11, item 7)."""
import marshmallow as ma
import pytest

from app.core.json import JsonLimitError, loads
from app.core.validation import (
    MAX_DEPTH,
    MAX_INTEGER,
    NO_CONTROL,
    PLAIN_TEXT,
    json_value,
    too_deep,
)


@pytest.mark.parametrize("value", [
    float("nan"), float("inf"), -float("inf"), MAX_INTEGER + 1, -(10**400), "a\x00", "\ud800",
    {"\udc00": 1}, {"a": [1, {"b": float("nan")}]}, ["\x1b[2J"], object(),
])
def test_json_values_that_cannot_be_stored_or_read_back_are_refused(value):
    with pytest.raises(ma.ValidationError):
        json_value(value)


@pytest.mark.parametrize("value", [
    0, -MAX_INTEGER, MAX_INTEGER, 1.5e308, True, None, "多行\n文本\t", {"a": [1, "b", None]}, [],
])
def test_ordinary_json_values_pass(value):
    assert json_value(value) == value


@pytest.mark.parametrize("text", ["a\x00", "\ud800", "x\x1fy", "\x7f", "\x9b", "two\nlines", "\t"])
def test_no_control_refuses_every_control_and_surrogate(text):
    with pytest.raises(ma.ValidationError):
        NO_CONTROL(text)


def test_plain_text_keeps_tabs_and_line_breaks_only():
    assert PLAIN_TEXT("行一\r\n行二\t") == "行一\r\n行二\t"
    for text in ("a\x00", "\ud800", "\x0b", "\x1b"):
        with pytest.raises(ma.ValidationError):
            PLAIN_TEXT(text)


def nested(levels):
    value = 1
    for _ in range(levels):
        value = [value]
    return value


def test_depth_is_counted_in_levels_of_lists_and_objects():
    assert not too_deep(nested(MAX_DEPTH)) and too_deep(nested(MAX_DEPTH + 1))
    assert not too_deep({"a": {"b": [1, 2]}}, limit=3) and too_deep({"a": {"b": [1, [2]]}}, limit=3)
    assert not too_deep(1) and not too_deep({}, limit=1)


@pytest.mark.parametrize("text", ["[" * 100000 + "]" * 100000, "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1),
                                  "1" * 4301, '{"a": ' + "9" * 5000 + "}", b"\xff\xfe", "{", ""])
def test_json_beyond_the_limits_is_a_value_error(text):
    with pytest.raises(ValueError):
        loads(text)


def test_deep_json_is_named_as_such():
    with pytest.raises(JsonLimitError):
        loads("[" * 5000 + "]" * 5000)
    assert loads('{"a": [1, 2.5, "x", NaN]}')["a"][:3] == [1, 2.5, "x"]


# --- the hooks, on every route --------------------------------------------------------------

def test_405_keeps_the_allow_header_for_apis_and_pages(client):
    response = client.put("/api/v1/catalogue", json={})
    assert response.status_code == 405 and response.is_json
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "HEAD", "OPTIONS"}
    response = client.get("/merchant/logout")
    assert response.status_code == 405 and not response.is_json
    assert "POST" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/login?next=/%00", "/lang/en?next=%1b", "/?lang=%00"])
def test_control_characters_in_a_query_are_a_friendly_422(client, path):
    response = client.get(path)
    assert response.status_code == 422 and "<html" in response.get_data(as_text=True).lower()


def test_control_characters_in_an_api_query_are_422_in_the_error_shape(client):
    response = client.get("/api/v1/catalogue?version=%00")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "control_characters"
