"""Verifying a credit code for a benefit: signature, expiry, single use, offer, eligibility, limits.

The unique `redemptions.token_id` is the barrier against double redemption, and the resident's
query reads whether the token was redeemed in the same round trip, so Redis decides nothing here.
Benefits, who offers them and the scheme's rules are cached for a few seconds
(`merchants.services.offer`, `catalogue.services.current_rules`).
"""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from datetime import time as dtime
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Boolean, and_, bindparam, delete, false, func, select, text, true
from sqlalchemy.dialects import postgresql

from app.benefits.eligibility import VALIDITY_REASONS, closed_reason, eligibility, score_needed
from app.catalogue.services import current_rules
from app.core.audit import AuditEntry, redact
from app.core.crypto import mask_name
from app.core.db import conflict_insert, first_row
from app.core.errors import ApiError
from app.core.extensions import db
from app.core.http import select_locale
from app.core.time import CITY_TZ, city_today, utcnow
from app.credit_codes import codes
from app.credit_codes.tokens import InvalidToken
from app.merchants.services import offer
from app.records.read import serious_in_force
from app.residents.read import account_subject
from app.scoring.services import explain, stored_score_of
from app.verification.models import Redemption
from app.verification.trail import access_logged, audited, decision_trail, record_decision

REASONS = ("expired", "already_used", "invalid", "not_eligible", "not_offered", "limit_reached")
_PERSON_LOCK = 7_240_100  # advisory-lock namespace: one verification per person at a time


@dataclass
class Decision:
    body: dict
    token_id: str | None = None
    person_id: int | None = None
    live: dict = field(default_factory=dict)  # a denial for the resident's page; empty if none
    access_logged: bool = False  # the person's access-log entry is written already


def benefit_name(benefit) -> str:
    # the locale selector's answer as is: flask-babel's get_locale() parses it into a babel
    # Locale, which costs more than the rest of a verification's Python work
    return benefit.name_en if select_locale() == "en" else benefit.name


def verify(caller, token_text: str, benefit_code: str) -> Decision:
    """Decide one scan; inserts a redemption when granted and audits every decision.

    The hot path of the platform, so it is written for few round trips: the benefit and whether
    this merchant offers it come from a short-lived cache; on PostgreSQL one statement then reads
    the resident (score, serious records, whether the token was redeemed), logs the read in
    their access log and, when every condition of a grant holds in it, inserts the redemption
    with its audit entry (`grant_statement`). The conditions are checked again here, by the
    rule the pages use; any case the statement leaves undecided (no stored score yet, a limited
    benefit, a race on the token) takes the general path below, as every scan on SQLite does.
    """
    found = offer(caller.merchant.id, benefit_code)
    if found is None:
        raise ApiError(422, "unknown_benefit", _("There is no benefit with this code."),
                       {"benefit": benefit_code})
    benefit, offered = found
    body = {"decision": "denied", "reason": None,
            "benefit": {"code": benefit.code, "name": benefit_name(benefit)},
            "resident": {"masked_name": None}}
    decision = Decision(body)
    try:
        # an 18-digit numeric code costs one indexed read; a QR token none
        checked = codes.check_token(codes.token_of_typed(token_text))
    except InvalidToken:
        return _deny(caller, decision, benefit, "invalid")
    rules, today = current_rules(), city_today()
    token_id = checked.claims.token_id_hex
    subject = _read_and_grant(caller, checked, benefit, offered, rules, today)
    if subject is None:
        return _deny(caller, decision, benefit, "invalid")
    decision.token_id, decision.person_id = token_id, subject.person_id
    decision.access_logged = subject.access_logged
    body["resident"]["masked_name"] = mask_name(subject.name)
    reason, facts = _refusal(checked, subject, benefit, offered, rules, today)
    granted_id = subject.redemption_id
    if reason and granted_id is not None:
        # the statement grants a subset of what the rule grants; rolled back with the request
        raise RuntimeError(f"grant statement and eligibility rule disagree: {reason}")
    if reason:
        return _deny(caller, decision, benefit, reason)
    if granted_id is None:
        reason, granted_id = _redeem(caller, subject, benefit, token_id, facts)
        if reason:
            return _deny(caller, decision, benefit, reason)
        record_decision(caller, "verification.granted", "redemption", granted_id,
                        subject.person_id, _grant_data(caller, benefit), subject.access_logged)
    body.update(decision="granted", redemption_id=granted_id)
    # nothing to publish live: the resident's page reads a grant from the database
    # (`redemptions.result_for_token`), so a grant costs no Redis round trip
    return decision


def _refusal(checked, subject, benefit, offered, rules, today):
    """(Why the scan is refused, or None; the facts eligibility was decided on)."""
    if checked.expired:
        return "expired", None
    if subject.redeemed:
        return "already_used", None
    if not offered:
        return "not_offered", None
    if subject.consented_at is None:
        return "not_eligible", None
    score = subject.score if subject.score is not None else explain(subject.person_id).score
    facts = dict(score=score, serious=subject.serious_in_force, rules=rules, today=today)
    verdict = eligibility(benefit, **facts)
    if not verdict.eligible:
        return ("not_offered" if verdict.reason in VALIDITY_REASONS else "not_eligible"), facts
    return None, facts


def _grant_data(caller, benefit):
    return {"merchant_id": caller.merchant.id, "benefit": benefit.code}


def _deny(caller, decision, benefit, reason):
    decision.body["reason"] = reason
    record_decision(caller, "verification.denied", "credit_code", decision.token_id,
                    decision.person_id,
                    {"merchant_id": caller.merchant.id, "benefit": benefit.code, "reason": reason},
                    decision.access_logged)
    decision.live = _live_body(caller, decision.body)
    return decision


def _live_body(caller, body):
    return {"status": "scanned", "decision": body["decision"], "reason": body["reason"],
            "benefit": body["benefit"], "merchant": caller.merchant.name,
            "at": utcnow().isoformat()}


@cache
def _subject_statement(serious_types: tuple):
    """The resident behind a token with their stored score, whether a serious record stands
    against them and whether this token was already redeemed: one query (built once per set of
    serious types), each part written by the domain whose table it reads."""
    return account_subject(lambda person_id: (
        stored_score_of(person_id).label("score"),
        serious_in_force(person_id, serious_types).label("serious_in_force"),
        select(Redemption.id).where(Redemption.token_id == bindparam("token_id"))
        .exists().label("redeemed")))


def _subject(resident_id, token_id, rules):
    return db.session.connection().execute(_subject_statement(tuple(rules.serious_types)), {
        "resident_id": resident_id, "token_id": token_id}).first()


@dataclass(frozen=True)
class _Subject:
    """The subject row, with the grant the statement made (if any) and whether it logged the read."""

    row: object
    redemption_id: int | None
    access_logged: bool

    def __getattr__(self, name):
        return getattr(self.row, name)


def _read_and_grant(caller, checked, benefit, offered, rules, today):
    """The token's subject; on PostgreSQL, with the redemption granted in the same statement
    when nothing in the benefit's terms or the person's facts stands against it."""
    resident_id, token_id = checked.resident_id, checked.claims.token_id_hex
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        row = _subject(resident_id, token_id, rules)
        return None if row is None else _Subject(row, None, False)
    needed = score_needed(benefit, rules)
    # the statement grants only what it can decide alone: a limited benefit needs the person's
    # lock and count first (`_redeem`)
    grantable = (offered and not checked.expired and needed is not None
                 and benefit.limit_count is None and closed_reason(benefit, today) is None)
    row = first_row(connection, grant_statement(_subject_statement(tuple(rules.serious_types))), {
        "resident_id": resident_id, "token_id": token_id,
        "grantable": grantable, "needed": needed if needed is not None else 0,
        **_redemption_row(caller, benefit, token_id),
        **decision_trail(caller, "verification.granted", _grant_data(caller, benefit))})
    return None if row is None else _Subject(row, row.redemption_id, True)


def period_start(period: str, now: datetime | None = None) -> datetime | None:
    local = (now or utcnow()).astimezone(CITY_TZ).date()
    start = {"day": local, "month": local.replace(day=1),
             "year": local.replace(month=1, day=1)}.get(period)
    if start is None:
        return None
    return datetime.combine(start, dtime(0), CITY_TZ).astimezone(timezone.utc)


_REDEMPTION_COLUMNS = ("token_id", "person_id", "resident_id", "merchant_id", "benefit_id",
                       "staff_id", "status", "granted_at", "note")


def _redemption_bind(name):
    return bindparam(name, type_=Redemption.__table__.c[name].type)


def _redemption_row(caller, benefit, token_id):
    """The values of a new redemption, but for whose it is (person and resident)."""
    return {"token_id": token_id, "merchant_id": caller.merchant.id, "benefit_id": benefit.id,
            "staff_id": caller.staff.id if caller.staff else None, "status": "granted",
            "granted_at": utcnow(), "note": ""}


@cache
def _redemption_insert(dialect_name):
    """INSERT … ON CONFLICT (token_id) DO NOTHING RETURNING id, built once per dialect."""
    insert = conflict_insert(dialect_name)
    return (insert(Redemption.__table__)
            .values({name: _redemption_bind(name) for name in _REDEMPTION_COLUMNS})
            .on_conflict_do_nothing(index_elements=["token_id"])
            .returning(Redemption.__table__.c.id))


@cache
def grant_statement(subject_statement):
    """PostgreSQL, one statement: the subject (`subject_statement`'s row) with the id of the
    redemption granted to it, or NULL. The redemption is inserted only when `:grantable` and the
    person's facts allow it (consent, token unused, score at least `:needed`, no serious
    record); the read goes into the person's access log and a grant gets its audit entry
    (`trail`). Built once, and run on the driver's cursor (`first_row`)."""
    subject = subject_statement.cte("subject")
    table = Redemption.__table__
    values = {name: _redemption_bind(name) for name in _REDEMPTION_COLUMNS
              if name not in ("person_id", "resident_id")}
    values.update(person_id=subject.c.person_id, resident_id=subject.c.resident_id,
                  contested=false())  # the column's default, spelled out for `first_row`
    granted = (postgresql.insert(table)
               .from_select(list(values), select(*values.values()).where(
                   bindparam("grantable", type_=Boolean), subject.c.consented_at.is_not(None),
                   ~subject.c.redeemed, ~subject.c.serious_in_force,
                   subject.c.score >= bindparam("needed")))
               .on_conflict_do_nothing(index_elements=["token_id"])
               .returning(table.c.id, table.c.person_id)).cte("granted")
    return (select(subject, granted.c.id.label("redemption_id"))
            .select_from(subject.outerjoin(granted, true()))
            .add_cte(access_logged(subject.c.person_id), audited(granted.c.id, granted.c.person_id)))


def _redeem(caller, subject, benefit, token_id, facts):
    """Insert the redemption (the unique token id decides races), then check the period limit
    counting it; returns (reason, redemption id)."""
    session = db.session
    connection = session.connection()
    dialect_name = connection.dialect.name
    start = period_start(benefit.limit_period) if benefit.limit_count else None
    if start is not None and dialect_name == "postgresql":
        # serialises one person's scans of limited benefits, so two tokens cannot both slip
        # under the limit (SQLite serialises writers already)
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :p)"),
                        {"ns": _PERSON_LOCK, "p": subject.person_id})
    redemption_id = connection.execute(_redemption_insert(dialect_name), {
        **_redemption_row(caller, benefit, token_id), "person_id": subject.person_id,
        "resident_id": subject.resident_id}).scalar()
    if redemption_id is None:
        return "already_used", None
    if start is not None:
        used = session.scalar(select(func.count(Redemption.id)).where(
            Redemption.person_id == subject.person_id, Redemption.benefit_id == benefit.id,
            Redemption.status != "cancelled", Redemption.granted_at >= start,
            Redemption.id != redemption_id))
        if not eligibility(benefit, used=used, **facts).eligible:
            session.execute(delete(Redemption).where(Redemption.id == redemption_id))
            return "limit_reached", None
    return None, redemption_id


def redemptions_for_records(record_ids) -> list[int]:
    """Ids of the redemptions whose outcome produced these records."""
    return list(db.session.scalars(select(Redemption.id).where(Redemption.record_id.in_(record_ids))))


def forget_redemptions(redemption_ids, actor: str) -> None:
    """Delete these redemptions and redact the audit entries about them (their default record
    reached the end of its retention). Only flushes."""
    if not redemption_ids:
        return
    redact(and_(AuditEntry.object_type == "redemption",
                AuditEntry.object_id.in_([str(i) for i in redemption_ids])),
           actor, "record_retention_ended")
    db.session.execute(delete(Redemption).where(Redemption.id.in_(redemption_ids)))
