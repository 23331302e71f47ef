"""Varied record histories so the demo shows every tier."""
import random
from datetime import date, timedelta

# (department code, record type, attributes maker) grouped by the kind of life they sketch
GOOD = [
    ("hrss", "pension_insurance_continuous", None),
    ("medical_security", "medical_insurance_continuous", None),
    ("housing_fund", "housing_fund_continuous", None),
    ("tax", "tax_paid_on_time", None),
    ("utilities", "utilities_paid_on_time", None),
    ("volunteers", "volunteer_hours", lambda rng: {"hours": rng.choice([12, 24, 36, 60])}),
    ("blood_centre", "blood_donation", None),
    ("charity", "charity_donation", lambda rng: {"amount_yuan": rng.choice([500, 1000, 2000])}),
    ("civilisation_office", "honour_good_samaritan", None),
    ("civilisation_office", "honour_civilised_family", None),
    ("civilisation_office", "honour_outstanding_volunteer", None),
    ("civilisation_office", "honour_moral_model", None),
]
BAD = [
    ("utilities", "utility_arrears", None),
    ("tax", "tax_arrears", None),
    ("traffic_police", "traffic_violation", None),
    ("market_regulation", "admin_penalty_minor", None),
    ("market_regulation", "admin_penalty_major", None),
    ("court", "court_dishonest_debtor", None),
    ("bank_regulator", "loan_overdue", None),
]
ONGOING = {"pension_insurance_continuous", "medical_insurance_continuous",
           "housing_fund_continuous", "tax_arrears", "utility_arrears", "court_dishonest_debtor",
           "loan_overdue"}


# the deciding document's reference (决定书文号) as each department numbers its decisions
DOCUMENT_REFS = {
    "tax": "郑税稽罚〔{year}〕{n}号",
    "court": "（{year}）豫01执{n}号",
    "market_regulation": "郑市监罚〔{year}〕{n}号",
    "traffic_police": "郑公交决字〔{year}〕第{n}号",
}


def document_ref(seed: str, department: str, occurred: date) -> str | None:
    """A plausible reference of the decision behind a demo record, if its department decides."""
    pattern = DOCUMENT_REFS.get(department)
    return pattern and pattern.format(year=occurred.year, n=random.Random(seed).randint(1, 9999))


def history(rng: random.Random, profile: str, today: date):
    """Yield (department, type, occurred, ended, attributes) for one demo person."""
    goods = {"model": 9, "good": 5, "plain": 2, "troubled": 2, "dishonest": 1}[profile]
    bads = {"model": 0, "good": 0, "plain": 1, "troubled": 3, "dishonest": 2}[profile]
    for dept, rtype, attrs in rng.sample(GOOD, goods):
        yield _event(rng, dept, rtype, attrs, today)
    bad_pool = BAD if profile == "dishonest" else BAD[:-2]
    for dept, rtype, attrs in rng.sample(bad_pool, bads):
        yield _event(rng, dept, rtype, attrs, today)
    if profile == "dishonest":
        yield _event(rng, "court", "court_dishonest_debtor", None, today, ongoing=True)


def _event(rng, dept, rtype, attrs, today, ongoing=None):
    occurred = today - timedelta(days=rng.randint(20, 900))
    ongoing = rtype in ONGOING and rng.random() < 0.6 if ongoing is None else ongoing
    ended = None if ongoing or rtype not in ONGOING else min(
        today, occurred + timedelta(days=rng.randint(30, 300)))
    return dept, rtype, occurred, ended, attrs(rng) if attrs else {}
