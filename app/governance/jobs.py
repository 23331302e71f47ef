"""Governance's scheduled jobs (see app.core.jobs)."""
from app.governance.retention import purge_due


def purge_past_retention() -> dict:
    """Purge the records whose retention has ended, leaving tombstones."""
    return {"purged": purge_due()}
