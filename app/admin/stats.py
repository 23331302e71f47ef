"""The dashboard's figures: one aggregate query each, whatever the number of residents."""
from datetime import date, timedelta

import redis
from rq import Worker
from sqlalchemy import Date, func, literal_column, select

from app.benefits.models import Benefit
from app.admin.charts import BIN_WIDTH, score_histogram
from app.catalogue.models import Tier
from app.catalogue.services import current_scheme
from app.core.audit import AuditEntry
from app.core.extensions import db
from app.core.jobs import connection, get_queue
from app.core.time import city_today
from app.departments.models import Department
from app.governance.models import OPEN_OBJECTION, Objection, Repair
from app.records.models import CreditRecord
from app.residents.models import Resident
from app.scoring.models import Score, ScoreRun
from app.verification.models import Redemption

DAYS = 30
VERIFICATION_ACTIONS = ("verification.granted", "verification.denied")


def city_day(column):
    """SQL: the city's calendar day of a UTC timestamp column (China keeps UTC+8 all year)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Shanghai", column), type_=Date)
    return func.date(column, literal_column("'+8 hours'"), type_=Date)


def last_days(today: date | None = None, days=DAYS) -> list[date]:
    today = today or city_today()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def headline() -> dict:
    """Residents scored, records held and redemptions of the last 30 days, in one round trip."""
    since = last_days()[0]
    return db.session.execute(select(
        select(func.count()).select_from(Resident).where(
            Resident.consented_at.is_not(None), Resident.closed_at.is_(None))
        .scalar_subquery().label("residents"),
        select(func.count()).select_from(CreditRecord).where(CreditRecord.status == "active")
        .scalar_subquery().label("records"),
        select(func.count()).select_from(Redemption).where(
            city_day(Redemption.granted_at) >= since).scalar_subquery()
        .label("redemptions"),
        select(func.count()).select_from(Benefit).where(Benefit.active.is_(True))
        .scalar_subquery().label("benefits"),
    )).one()._asdict()


def queues_due(today: date | None = None) -> dict:
    """Open objections (overdue, due in the next three days), disputed defaults among them, and
    repair applications waiting, in one round trip."""
    today = today or city_today()
    soon = today + timedelta(days=3)
    open_ = Objection.status.in_(OPEN_OBJECTION)

    def objections(*conditions):
        return select(func.count()).select_from(Objection).where(open_, *conditions)

    return db.session.execute(select(
        objections().scalar_subquery().label("open"),
        objections(Objection.verdict_by < today).scalar_subquery().label("overdue"),
        objections(Objection.verdict_by >= today, Objection.verdict_by <= soon)
        .scalar_subquery().label("due_soon"),
        objections(Objection.redemption_id.is_not(None)).scalar_subquery().label("defaults"),
        select(func.count()).select_from(Repair).where(Repair.status == "submitted")
        .scalar_subquery().label("repairs"),
    )).one()._asdict()


def residents_by_tier() -> list[tuple[str, str, int]]:
    """(tier code, tier, residents) of the scheme in force, highest tier first."""
    counts = dict(db.session.execute(select(Score.tier, func.count()).group_by(Score.tier)).all())
    tiers = db.session.scalars(select(Tier).where(Tier.scheme_id == current_scheme().id)
                               .order_by(Tier.min_score.desc())).all()
    return [(t.code, t, counts.get(t.code, 0)) for t in tiers]


def score_bins() -> list[tuple[int, int, int]]:
    """(lowest score, highest score, residents) in bins of ten points over the scheme's range."""
    scheme = current_scheme()
    bin_of = (Score.score - scheme.min_score) // BIN_WIDTH
    rows = db.session.execute(select(bin_of, func.count()).group_by(bin_of)).all()
    return score_histogram(rows, scheme.min_score, scheme.max_score)


def records_per_department(days: list[date]) -> list[tuple[str, list[int]]]:
    """(department, records delivered on each day) for the departments that delivered any."""
    day = city_day(CreditRecord.created_at)
    rows = db.session.execute(
        select(Department.name, day, func.count())
        .join(Department, Department.id == CreditRecord.department_id)
        .where(day >= days[0])
        .group_by(Department.name, day)).all()
    return _per_day(rows, days)


def verifications_per_day(days: list[date]) -> list[tuple[str, list[int]]]:
    """(action, verifications on each day): granted and denied, from the audit log."""
    day = city_day(AuditEntry.at)
    rows = db.session.execute(
        select(AuditEntry.action, day, func.count())
        .where(AuditEntry.action.in_(VERIFICATION_ACTIONS), day >= days[0])
        .group_by(AuditEntry.action, day)).all()
    counted = dict(_per_day(rows, days))
    return [(action, counted.get(action, [0] * len(days))) for action in VERIFICATION_ACTIONS]


def redemptions_per_scene(days: list[date]) -> list[tuple[str, list[int]]]:
    """(scene, redemptions granted on each day)."""
    day = city_day(Redemption.granted_at)
    rows = db.session.execute(
        select(Benefit.scene, day, func.count())
        .join(Benefit, Benefit.id == Redemption.benefit_id)
        .where(day >= days[0])
        .group_by(Benefit.scene, day)).all()
    return _per_day(rows, days)


def redemption_outcomes(days: list[date]) -> list[tuple[str, dict]]:
    """(scene, {status: redemptions}) of the redemptions granted in these days."""
    day = city_day(Redemption.granted_at)
    rows = db.session.execute(
        select(Benefit.scene, Redemption.status, func.count())
        .join(Benefit, Benefit.id == Redemption.benefit_id)
        .where(day >= days[0])
        .group_by(Benefit.scene, Redemption.status).order_by(Benefit.scene)).all()
    out = {}
    for scene, status, n in rows:
        out.setdefault(scene, {})[status] = n
    return list(out.items())


def _per_day(rows, days) -> list[tuple[str, list[int]]]:
    """(key, count per day) from (key, day, count) rows, keys with the most first."""
    index = {d: i for i, d in enumerate(days)}
    series = {}
    for key, day, n in rows:
        position = index.get(day)
        if position is not None:
            series.setdefault(key, [0] * len(days))[position] += n
    return sorted(series.items(), key=lambda item: -sum(item[1]))


def last_runs(limit=5) -> list[ScoreRun]:
    return list(db.session.scalars(select(ScoreRun).order_by(ScoreRun.id.desc()).limit(limit)))


def queue_status() -> dict | None:
    """The job queue's counts and the workers' states; None when Redis cannot be reached."""
    try:
        queue = get_queue()
        return {"queued": queue.count, "started": queue.started_job_registry.count,
                "failed": queue.failed_job_registry.count,
                "finished": queue.finished_job_registry.count,
                "workers": [(w.name, str(getattr(w.get_state(), "value", w.get_state())))
                            for w in Worker.all(connection=connection())]}
    except redis.RedisError:
        return None
