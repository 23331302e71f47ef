"""Credit codes and their verification by merchants (DESIGN §4, §10).

Interface for other domains (stable):

- `app.verification.codes.issue_credit_code(resident) -> (token, expires_at)`: a fresh 60-second
  Ed25519-signed token (140 characters of base32, QR alphanumeric mode, version ≤ 8 at level Q).
  The caller commits (the very first code creates the signing key).
- HTTP, resident session (+ `X-CSRFToken` header on POST):
  `POST /api/v1/me/credit-code` → `{"token", "expires_at", "qr_svg_url"}` (12/minute per resident);
  `GET qr_svg_url` (= `/api/v1/me/credit-code/<token>.svg`) → the QR as SVG, own codes only;
  `GET /api/v1/me/credit-code/<token>/result` → `{"status": "pending"}` until a merchant scans it,
  then `{"status": "scanned", "decision", "reason", "benefit": {"code", "name"}, "merchant",
  "at", "expires_at"}` — poll it every ~1.5 s while the code is shown;
  `GET /api/v1/me/credit-code/<token>/events` → the same result as a server-sent event.
- `GET /.well-known/jwks.json` → `{"keys": [{"kty": "OKP", "crv": "Ed25519", "kid", "x"}]}`.
- Merchants (API key as Bearer, or a staff session + CSRF header):
  `POST /api/v1/verifications`, `GET /api/v1/redemptions[?day=]`, `GET /api/v1/redemptions/<id>`,
  `POST /api/v1/redemptions/<id>/complete|default|cancel`. Staff console pages at `/merchant/`.
- CLI: `flask credit-keys rotate|list`, `flask redemptions process-defaults`.
"""


def register(app, api):
    """Register the APIs, the merchant console and the merchant staff session kind."""
    from app.verification import api as verification_api
    from app.verification.access import register_kinds
    from app.verification.console import bp as merchant_console

    register_kinds()
    for blp in (verification_api.jwks_blp, verification_api.code_blp,
                verification_api.verify_blp, verification_api.redemption_blp):
        api.register_blueprint(blp)
    app.register_blueprint(merchant_console)
