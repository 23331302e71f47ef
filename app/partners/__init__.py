"""Partner institutions (信易贷 lenders, 信易游 tourism platforms): OAuth 2.0 clients, consents,
tokens and the partner API (DESIGN §5, §10 "Partners").

- `services`: partners, clients (secret shown once, stored hashed), online offers; CLI
  `flask partners create | add-client | list` (`commands`).
- `oauth`: authlib's authorization server (code + PKCE S256, refresh, RFC 7009 revocation) and
  the bearer-token protector; `views`: `/oauth/token`, `/oauth/revoke`. The consent page
  (`/oauth/authorize`) belongs to the residents' web, which calls `oauth.server`.
- `consents`: consents, codes and tokens; a revoked consent stops its tokens at once.
- `api`: `/api/v1/partner/score | report | eligibility | bookings`, rate-limited per partner.
"""


def connect():
    """A closed account's consents end with it."""
    from app.partners import receivers
    from app.residents.signals import account_closed

    account_closed.connect(receivers.revoke_closed)


def register(app, api):
    """Serve the token endpoints and the partner API, documented with the OAuth scheme."""
    from app.core.http import exempt_from_csrf
    from app.partners.api import blp
    from app.partners.models import SCOPES
    from app.partners.views import bp

    app.register_blueprint(bp)
    exempt_from_csrf("/oauth/token", "/oauth/revoke")
    if "partnerOAuth" not in api.spec.components.security_schemes:
        api.spec.components.security_scheme("partnerOAuth", {
            "type": "oauth2", "description": "Authorization code with PKCE (S256 required).",
            "flows": {"authorizationCode": {
                "authorizationUrl": "/oauth/authorize", "tokenUrl": "/oauth/token",
                "refreshUrl": "/oauth/token",
                "scopes": {scope: SCOPE_TEXTS[scope] for scope in SCOPES}}}})
    api.register_blueprint(blp)


SCOPE_TEXTS = {
    "score": "Credit score and tier",
    "report": "Explained report: dimensions, reasons, active negative records",
    "eligibility": "Whether the resident may use a named benefit",
    "booking": "Book benefits the partner offers online and report their outcome",
}
