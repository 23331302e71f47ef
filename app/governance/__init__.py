"""Credit governance: issuers and legal basis, retention and purge, objections (异议) on the working-day calendar, credit repair (信用修复)."""
