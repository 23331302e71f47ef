"""Credit codes' scheduled job (see app.core.jobs)."""
from app.core.extensions import db
from app.credit_codes import numeric


def prune_numeric_codes() -> dict:
    """Forget numeric codes whose token expired over an hour ago."""
    pruned = numeric.prune()
    db.session.commit()
    return {"pruned": pruned}
