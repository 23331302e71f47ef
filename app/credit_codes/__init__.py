"""Residents' credit codes (DESIGN §4, §10): signing keys, tokens, QR images, the JWKS and the
live scan result a resident's page shows.

- `codes.issue_credit_code(resident) -> (token, expires_at)`: a fresh Ed25519-signed token (140
  characters of base32, QR alphanumeric mode, version ≤ 8 at level Q). The caller commits (the
  very first code creates the signing key).
- `codes.issue_shown_code(resident) -> ShownCode(token, numeric_code, expires_at)`: the token
  and its 18-digit numeric code (`numeric`), issued together for the resident's screen.
- `codes.token_of_typed(text)`: the token a typed or scanned code stands for.
- `codes.check_token(text) -> CheckedToken`: signature, resident and expiry of a token.
- `codes.url_handle(token)` / `codes.token_of_handle(handle)`: what URLs carry instead of a token.
- `live.publish_after(response, token_id, result)` / `live.latest(token_id)`: the scan result,
  through Redis, stored once the merchant's answer is sent.
- `GET /.well-known/jwks.json`; CLI `flask credit-keys rotate|list`.
"""
