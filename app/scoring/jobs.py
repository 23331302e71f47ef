"""Scoring's scheduled job (see app.core.jobs)."""
from datetime import date

from app.core.time import city_today
from app.scoring.services import rescore_all


def nightly_rescore(as_of: str | None = None) -> dict:
    """Bring every resident's score up to `as_of` (an ISO date; the city's today by default),
    rescoring only those whose score can have changed since the last run."""
    day = date.fromisoformat(as_of) if as_of else city_today()
    # rescore_all commits each chunk of persons itself
    changed = rescore_all(day)
    return {"as_of": day.isoformat(), "scores": changed}
