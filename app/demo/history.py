"""A year of score history for demo residents, computed as their scores stood on each month-end."""
from datetime import timedelta

from app.catalogue.services import current_scheme, rules_for
from app.core.extensions import db
from app.core.time import city_today
from app.scoring.engine import compute
from app.scoring.models import ScoreHistory
from app.scoring.services import facts_for


def backfill_history(person_ids, months=12):
    rules, today = rules_for(current_scheme()), city_today()
    days = [today - timedelta(days=30 * m) for m in range(months, 0, -1)]
    for person_id in person_ids:
        facts, last = facts_for(person_id), None
        for day in days:
            result = compute(facts, rules, day)
            if (result.score, result.tier) != last and db.session.get(ScoreHistory, (person_id, day)) is None:
                db.session.add(ScoreHistory(person_id=person_id, day=day, score=result.score,
                                            tier=result.tier))
            last = (result.score, result.tier)
    db.session.flush()
