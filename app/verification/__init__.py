"""Verification decisions and the redemption lifecycle (DESIGN §4, §10).

- `POST /api/v1/verifications` (merchant API key as Bearer, or a staff session + CSRF header),
  `GET /api/v1/redemptions[?day=]`, `GET /api/v1/redemptions/<id>`,
  `POST /api/v1/redemptions/<id>/complete|default|cancel`.
- `redemptions.result_for_token(token_id)`: a granted scan's result, for the resident's page.
- CLI: `flask redemptions process-defaults`; job `app.verification.jobs.process_defaults`.
"""
