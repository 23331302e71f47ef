"""The audit log's scheduled job (see app.core.jobs)."""
from app.core.audit import seal
from app.core.extensions import db


def seal_audit_log() -> dict:
    """Chain the audit entries appended since the last sealing."""
    sealed = seal()
    db.session.commit()
    return {"sealed": sealed}
