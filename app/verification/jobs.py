"""Verification's scheduled job (see app.core.jobs)."""
from app.core.extensions import db
from app.verification.redemptions import process_defaults as record_due_defaults


def process_defaults() -> dict:
    """Turn defaults whose grace period has passed into negative records."""
    recorded = record_due_defaults()
    db.session.commit()
    return {"recorded": recorded}
