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
    """Serve the token endpoints and the partner API (its OAuth security scheme is declared
    with the others in `core.api`)."""
    from app.core.http import exempt_from_csrf
    from app.partners.api import blp
    from app.partners.views import bp

    app.register_blueprint(bp)
    exempt_from_csrf("/oauth/token", "/oauth/revoke")
    api.register_blueprint(blp)
