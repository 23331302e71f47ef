"""A partner's client of the 信易+ partner API: OAuth 2.0 authorization code with PKCE, then the
resident's score, report or eligibility, a refresh and a revocation (docs/partners.md).

Against `make run`'s demo (it reads the demo partner's client id and secret from
instance/demo-credentials.json):

    python examples/partner_client.py                    # the bank (信易贷): score and report
    python examples/partner_client.py --partner tourism  # the travel platform: eligibility

It prints the consent URL; open it, sign in as a demo resident and approve. The browser is then
sent to the partner's redirect URI (http://127.0.0.1:8765/callback), which this script listens
on; or paste the address the browser shows (or just its code) when asked, or run it in two steps:

    python examples/partner_client.py --url-only         # prints the URL, remembers the verifier
    python examples/partner_client.py --code <code>      # finishes with the remembered verifier

Needs only `requests`.
"""
import argparse
import base64
import hashlib
import json
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_CREDENTIALS = Path("instance/demo-credentials.json")


class PartnerApiError(Exception):
    """An answer in the platform's error shape (or an OAuth error), with its HTTP status."""

    def __init__(self, status, code, message, retry_after=None):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def load_partner(credentials_path, kind_or_name="lender"):
    """The demo partner of this kind (lender / tourism) or name from the credentials file."""
    partners = json.loads(Path(credentials_path).read_text(encoding="utf-8"))["partners"]
    for partner in partners:
        if kind_or_name in (partner["kind"], partner["name"], partner["client_id"]):
            return partner
    raise LookupError(f"no partner {kind_or_name!r} in {credentials_path}")


def pkce_pair():
    """A PKCE code verifier and its S256 challenge (RFC 7636 §4.1-4.2)."""
    verifier = secrets.token_urlsafe(48)  # 64 characters of [A-Za-z0-9_-]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return verifier, challenge


def authorize_url(base_url, partner, state, challenge, scopes=None):
    """Where to send the resident to approve (or refuse) the partner."""
    query = {"response_type": "code", "client_id": partner["client_id"],
             "redirect_uri": partner["redirect_uri"],
             "scope": " ".join(scopes or partner["scopes"]), "state": state,
             "code_challenge": challenge, "code_challenge_method": "S256"}
    return f"{base_url}/oauth/authorize?{urlencode(query)}"


def code_from(answer, state):
    """The code from the address the resident's browser was sent to (or a bare code); raise
    PartnerApiError if the resident refused or the state is not ours."""
    answer = answer.strip()
    if "?" not in answer:
        return answer
    query = parse_qs(urlsplit(answer).query)
    if query.get("state", [None])[0] != state:
        raise PartnerApiError(400, "state_mismatch", "the answer is not for this request")
    if "error" in query:
        raise PartnerApiError(400, query["error"][0], "the resident did not approve")
    return query["code"][0]


def _oauth(base_url, partner, form):
    """POST to the token endpoint with client_secret_basic; the token or PartnerApiError."""
    response = requests.post(f"{base_url}/oauth/token", data=form, timeout=10,
                             auth=(partner["client_id"], partner["client_secret"]))
    body = response.json()
    if response.status_code != 200:
        error = body.get("error")
        if isinstance(error, dict):  # the platform's error shape (e.g. 429)
            raise PartnerApiError(response.status_code, error["code"], error["message"],
                                  response.headers.get("Retry-After"))
        raise PartnerApiError(response.status_code, error, body.get("error_description", ""))
    return body


def exchange_code(base_url, partner, code, verifier):
    """Trade the one-time code and the PKCE verifier for access and refresh tokens."""
    return _oauth(base_url, partner, {"grant_type": "authorization_code", "code": code,
                                      "redirect_uri": partner["redirect_uri"],
                                      "code_verifier": verifier})


def refresh(base_url, partner, refresh_token):
    """A new access token (and a new refresh token: the old one stops working)."""
    return _oauth(base_url, partner, {"grant_type": "refresh_token",
                                      "refresh_token": refresh_token})


def revoke(base_url, partner, token, hint="refresh_token"):
    """RFC 7009: revoke a token (a refresh token takes its access tokens along)."""
    response = requests.post(f"{base_url}/oauth/revoke", timeout=10,
                             data={"token": token, "token_type_hint": hint},
                             auth=(partner["client_id"], partner["client_secret"]))
    if response.status_code != 200:
        raise PartnerApiError(response.status_code, "revocation_failed", response.text)


def call(base_url, access_token, path, retries=1, **params):
    """GET a partner endpoint (`score`, `report`, `eligibility`); its JSON or PartnerApiError.
    A 429 is retried after its Retry-After, `retries` times."""
    while True:
        response = requests.get(f"{base_url}/api/v1/partner/{path}", params=params, timeout=10,
                                headers={"Authorization": f"Bearer {access_token}"})
        if response.status_code == 200:
            return response.json()
        error = response.json()["error"]
        retry_after = response.headers.get("Retry-After")
        if response.status_code == 429 and retries > 0:
            retries -= 1
            time.sleep(int(retry_after or 1))
            continue
        raise PartnerApiError(response.status_code, error["code"], error["message"], retry_after)


def wait_for_redirect(redirect_uri, timeout=300):
    """Listen on the redirect URI's loopback port for the resident's browser; the full address
    it was sent to, or None after `timeout` seconds."""
    parts = urlsplit(redirect_uri)
    received = []

    class Callback(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the standard library's name
            received.append(f"{redirect_uri.split('?')[0]}?{urlsplit(self.path).query}")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write("Done: you can close this tab. 已完成，可以关闭此页面。".encode())

        def log_message(self, *args):
            pass

    server = HTTPServer((parts.hostname, parts.port or 80), Callback)
    server.timeout = timeout
    server.handle_request()
    server.server_close()
    return received[0] if received else None


def read_credit(base_url, partner, access_token, benefit=None):
    """Each read the partner's scopes allow: {path: answer}."""
    answers = {}
    for scope in ("score", "report"):
        if scope in partner["scopes"]:
            answers[scope] = call(base_url, access_token, scope)
    if "eligibility" in partner["scopes"] and benefit:
        answers["eligibility"] = call(base_url, access_token, "eligibility", benefit=benefit)
    return answers


def _ask_for_code(partner, state, listen):
    if listen and urlsplit(partner["redirect_uri"]).hostname in ("127.0.0.1", "localhost"):
        print(f"Waiting for the browser at {partner['redirect_uri']} (Ctrl-C to paste instead) …")
        try:
            answer = wait_for_redirect(partner["redirect_uri"])
        except KeyboardInterrupt:
            answer = None
        if answer:
            return code_from(answer, state)
    return code_from(input("Paste the address your browser was sent to (or the code): "), state)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL)
    parser.add_argument("--credentials", default=str(DEFAULT_CREDENTIALS))
    parser.add_argument("--partner", default="lender", help="lender, tourism, a name or client id")
    parser.add_argument("--benefit", default="hotel_deposit_free",
                        help="benefit code for the eligibility check")
    parser.add_argument("--url-only", action="store_true",
                        help="print the consent URL and remember the verifier for --code")
    parser.add_argument("--code", help="the code from the redirect (after --url-only)")
    parser.add_argument("--no-listen", action="store_true",
                        help="do not listen on the redirect URI; ask for the address instead")
    args = parser.parse_args(argv)
    base_url = args.base_url.rstrip("/")
    partner = load_partner(args.credentials, args.partner)
    pending = Path(args.credentials).with_name("partner-client-pending.json")  # for --code

    if args.code:
        verifier, code = json.loads(pending.read_text())["verifier"], args.code
        pending.unlink()
    else:
        verifier, challenge = pkce_pair()
        state = secrets.token_urlsafe(16)
        url = authorize_url(base_url, partner, state, challenge)
        print(f"{partner['name']}: ask the resident to open\n\n  {url}\n")
        if args.url_only:
            pending.write_text(json.dumps({"verifier": verifier, "state": state}))
            print(f"Then run again with --code <code> (the verifier waits in {pending}).")
            return 0
        code = _ask_for_code(partner, state, not args.no_listen)

    token = exchange_code(base_url, partner, code, verifier)
    print(f"Token for scopes {token['scope']!r}, valid {token['expires_in']} s")
    for path, answer in read_credit(base_url, partner, token["access_token"],
                                    args.benefit).items():
        print(f"\nGET /api/v1/partner/{path}\n{json.dumps(answer, ensure_ascii=False, indent=2)}")
    token = refresh(base_url, partner, token["refresh_token"])
    print("\nRefreshed: a new access token and a new refresh token")
    revoke(base_url, partner, token["refresh_token"])  # its access token stops with it
    try:
        call(base_url, token["access_token"], "score")
    except PartnerApiError as error:
        print(f"Revoked: the next call answers {error.status} {error.code}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
