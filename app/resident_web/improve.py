""""How to improve", made personal: for each negative record that counts, what ends it."""
from dataclasses import dataclass
from datetime import date, timedelta

from app.catalogue.services import current_rules
from app.core.time import city_today
from app.governance.objections import open_objection_ids
from app.governance.repairs import pending_repair, repair_opens_on


@dataclass
class NegativeLine:
    row: object  # dashboard.RecordRow
    fades_from: date | None  # its weight starts to fall (None: ongoing until it is ended)
    ends_on: date | None  # it no longer counts
    repair_opens: date | None  # None: not repairable
    repair_open: bool
    repair_pending: bool
    objection_id: int | None  # an objection under way


def negative_lines(rows) -> list[NegativeLine]:
    """The counting negative records, the one that ends last first."""
    rules, today = current_rules(), city_today()
    negatives = [r for r in rows if r.counted and r.points < 0]
    objected = open_objection_ids([r.record.id for r in negatives])
    lines = []
    for row in negatives:
        record = row.record
        rule = rules.types.get(record.type_code)
        start = record.ended_on or (None if rule is None or rule.state else record.occurred_on)
        fades = start + timedelta(days=rule.full_days) if start is not None else None
        ends = fades + timedelta(days=rule.fade_days) if fades is not None else None
        opens = repair_opens_on(record, rules)
        lines.append(NegativeLine(row, fades, ends, opens, opens is not None and opens <= today,
                                  pending_repair(record.id) is not None, objected.get(record.id)))
    lines.sort(key=lambda line: line.ends_on or date.max, reverse=True)
    return lines
