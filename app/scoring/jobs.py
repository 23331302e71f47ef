"""Scoring's scheduled job (see app.core.jobs)."""
from datetime import date

from app.core.jobs import report_progress
from app.core.time import city_today
from app.residents.read import last_person_id
from app.scoring.services import rescore_all


def nightly_rescore(as_of: str | None = None) -> dict:
    """Bring every resident's score up to `as_of` (an ISO date; the city's today by default),
    rescoring only those whose score can have changed since the last run."""
    day = date.fromisoformat(as_of) if as_of else city_today()
    # rescore_all commits each chunk of persons itself
    changed = rescore_all(day)
    return {"as_of": day.isoformat(), "scores": changed}


def full_rescore(as_of: str | None = None) -> dict:
    """Rescore every resident under the scheme now current (after a new one is published),
    reporting the persons done to whoever watches the job."""
    day = date.fromisoformat(as_of) if as_of else city_today()
    total, done = last_person_id() + 1, 0
    report_progress(0, total)

    def progress(persons):
        nonlocal done
        done += persons
        report_progress(done, total)

    changed = rescore_all(day, progress=progress, full=True)
    return {"as_of": day.isoformat(), "scores": changed}
