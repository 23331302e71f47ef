"""Client for the platform's verification API, safe to retry.

Every verification carries an `Idempotency-Key` (generated unless given); a retry after a timeout,
a dropped connection, a 5xx or a 429 reuses the same key, so the platform answers it with the
first decision instead of deciding twice.
"""
import time
import uuid

import requests

RETRY_STATUSES = {429, 500, 502, 503, 504}


class ApiError(Exception):
    """The platform answered with its JSON error shape (4xx other than 429, or retries ran out)."""

    def __init__(self, status, code, message, details=None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.details = status, code, message, details or {}


class VerificationClient:
    def __init__(self, base_url, api_key, timeout=5.0, retries=3, backoff=0.2, session=None):
        self.base_url = base_url.rstrip("/")
        self.api_key, self.timeout, self.retries, self.backoff = api_key, timeout, retries, backoff
        self.session = session or requests.Session()

    def _request(self, method, path, json=None, headers=None, params=None):
        headers = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json",
                   **(headers or {})}
        last_error = None
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * (2 ** (attempt - 1)))
            try:
                response = self.session.request(method, self.base_url + path, json=json,
                                                headers=headers, params=params, timeout=self.timeout)
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_error = exc
                continue
            if response.status_code in RETRY_STATUSES and attempt < self.retries:
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    time.sleep(min(int(retry_after), 5))
                continue
            return self._answer(response)
        raise ApiError(0, "unreachable", f"no answer after {self.retries + 1} attempts: {last_error}")

    @staticmethod
    def _answer(response):
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = (body or {}).get("error", {}) if isinstance(body, dict) else {}
            raise ApiError(response.status_code, error.get("code", "error"),
                           error.get("message", response.text[:200]), error.get("details"))
        return body

    def verify(self, token, benefit, idempotency_key=None):
        """POST /api/v1/verifications → {"decision", "reason", "redemption_id"?, "benefit", "resident"}."""
        key = idempotency_key or str(uuid.uuid4())
        return self._request("POST", "/api/v1/verifications", json={"token": token, "benefit": benefit},
                             headers={"Idempotency-Key": key})

    def complete(self, redemption_id, note=""):
        return self._request("POST", f"/api/v1/redemptions/{int(redemption_id)}/complete", json={"note": note})

    def default(self, redemption_id, note):
        """Report that the resident did not honour the benefit; `note` (what went wrong) is
        required: the resident is told, reads it and may object during the grace period."""
        return self._request("POST", f"/api/v1/redemptions/{int(redemption_id)}/default", json={"note": note})

    def cancel(self, redemption_id, note=""):
        return self._request("POST", f"/api/v1/redemptions/{int(redemption_id)}/cancel", json={"note": note})

    def redemptions(self, day=None):
        params = {"day": day} if day else None
        return self._request("GET", "/api/v1/redemptions", params=params)["redemptions"]
