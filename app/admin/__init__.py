"""The operators' console of the credit centre: sign-in with TOTP, roles, onboarding, schemes, queues, dashboard, audit."""
