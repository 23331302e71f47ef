"""JSON bodies parsed within limits, so that no body can cost more than a clear 400."""
import json

from app.core.validation import MAX_DEPTH, too_deep

# the request environ key under which `core.http.check_json_body` leaves the body it parsed
PARSED_JSON = "app.parsed_json"


class JsonLimitError(ValueError):
    """Valid JSON, but nested deeper than MAX_DEPTH."""


def loads(data: bytes | str):
    """Parse UTF-8 JSON; raise ValueError for anything that is not JSON within the limits.

    Python's own limits surface as ValueError (an integer of more than 4,300 digits) or
    RecursionError (deep nesting); both become ValueError here.
    """
    try:
        value = json.loads(data.decode("utf-8") if isinstance(data, bytes) else data)
    except RecursionError as exc:
        raise JsonLimitError(f"nested deeper than {MAX_DEPTH} levels") from exc
    if too_deep(value):
        raise JsonLimitError(f"nested deeper than {MAX_DEPTH} levels")
    return value
