"""Loading published schemes into the catalogue and reading them back as scoring rules."""
from datetime import date
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select, update

from app.catalogue.models import Dimension, RecordType, Scheme, Tier
from app.catalogue.rules import Rules, TypeRule
from app.catalogue.validation import (  # noqa: F401 - SchemeError re-exported
    DEFAULT_RETENTION_DAYS,
    SchemeError,
    parse_scheme,
)
from app.core.cache import TtlCache
from app.core.extensions import db

SCHEMES_DIR = Path(__file__).parent / "schemes"


def read_scheme_file(path) -> dict:
    """A scheme file's checked contents (SchemeError names every problem)."""
    return parse_scheme(Path(path).read_text(encoding="utf-8"))


def publish_scheme(data: dict, make_current=True) -> Scheme:
    """Store a scheme version (once; versions are immutable) and optionally make it current."""
    scheme = db.session.scalar(select(Scheme).filter_by(version=data["version"]))
    if scheme is None:
        scheme = Scheme(
            version=data["version"], name=data["name"], name_en=data["name_en"],
            published_on=date.fromisoformat(data["published_on"]), base=data["base"],
            min_score=data["min_score"], max_score=data["max_score"], source=data,
            commitment_text=data.get("commitment_text", ""),
        )
        db.session.add(scheme)
        db.session.flush()
        for position, d in enumerate(data["dimensions"]):
            db.session.add(Dimension(scheme_id=scheme.id, position=position, **_pick(
                d, "code", "name", "name_en", "floor", "cap")))
        for t in data["tiers"]:
            db.session.add(Tier(scheme_id=scheme.id, **_pick(t, "code", "name", "name_en", "min_score")))
        for t in data["record_types"]:
            db.session.add(RecordType(
                scheme_id=scheme.id,
                severity=t.get("severity") or None,
                cap_per_year=t.get("cap_per_year") or None,
                unit_attribute=t.get("unit_attribute") or None,
                unit_size=t.get("unit_size") or 1,
                state=t.get("state", False),
                issuers=list(t["issuers"]),
                retention_days=(t.get("retention_days", DEFAULT_RETENTION_DAYS)
                                if t["polarity"] == "negative" else None),
                document_required=t.get("document_required", False),
                repair_after_days=t.get("repair_after_days"),
                **_pick(t, "code", "name", "name_en", "description", "description_en",
                        "dimension", "polarity", "points", "full_days", "fade_days",
                        "legal_basis"),
            ))
    if make_current and not scheme.is_current:
        db.session.execute(update(Scheme).values(is_current=False))
        scheme.is_current = True
        current_rules_cache.clear()
    db.session.flush()
    return scheme


def _pick(mapping, *keys):
    return {k: mapping[k] for k in keys}


def load_default_scheme(version) -> Scheme:
    return publish_scheme(read_scheme_file(SCHEMES_DIR / f"{version}.toml"))


def current_scheme() -> Scheme:
    scheme = db.session.scalar(select(Scheme).filter_by(is_current=True))
    if scheme is None:
        raise LookupError("no scoring scheme has been published")
    return scheme


def current_scheme_key() -> tuple[int, str]:
    """(id, version) of the current scheme, read without loading it: what a hot path derives
    from a published scheme, which never changes, it can keep by this key."""
    key = db.session.execute(
        select(Scheme.id, Scheme.version).where(Scheme.is_current.is_(True))).first()
    if key is None:
        raise LookupError("no scoring scheme has been published")
    return key.id, key.version


current_rules_cache = TtlCache(30)  # None -> Rules of the current scheme


def current_rules() -> Rules:
    """The current scheme's rules for hot paths; a newly published scheme shows within 30 s."""
    return current_rules_cache.get(None, lambda: rules_for(current_scheme()))


def record_types(scheme: Scheme) -> dict[str, RecordType]:
    """{code: RecordType} of a scheme, in one query."""
    return {t.code: t for t in db.session.scalars(select(RecordType).filter_by(scheme_id=scheme.id))}


def types_by_issuer(scheme: Scheme) -> dict[str, list[RecordType]]:
    """{department code: the scheme's record types it is entitled to deliver}."""
    issued = {}
    for record_type in sorted(record_types(scheme).values(), key=lambda t: t.id):
        for code in record_type.issuers:
            issued.setdefault(code, []).append(record_type)
    return issued


def record_type(scheme: Scheme, code: str) -> RecordType | None:
    return db.session.scalar(select(RecordType).filter_by(scheme_id=scheme.id, code=code))


def rules_for(scheme: Scheme) -> Rules:
    return _rules_from_source(scheme.version, scheme.id)


@lru_cache(maxsize=8)
def _rules_from_source(version, scheme_id) -> Rules:
    # published versions never change, so their rules can be kept for the process' lifetime
    scheme = db.session.get(Scheme, scheme_id)
    return Rules(
        scheme_id=scheme_id,
        version=version,
        base=scheme.base,
        min_score=scheme.min_score,
        max_score=scheme.max_score,
        dimensions=tuple((d.code, d.floor, d.cap) for d in scheme.dimensions),
        tiers=tuple((t.code, t.min_score) for t in scheme.tiers),
        types={
            t.code: TypeRule(t.code, t.dimension, t.signed_points, t.full_days, t.fade_days,
                             t.cap_per_year, t.severity, t.state, issuers=tuple(t.issuers),
                             retention_days=t.retention_days,
                             document_required=t.document_required,
                             repair_after_days=t.repair_after_days)
            for t in scheme.record_types
        },
        commitment_text=scheme.commitment_text,
    )


def rules_from_data(data: dict) -> Rules:
    """The rules of a checked scheme file not (yet) published, for a dry run in memory."""
    return Rules(
        scheme_id=0,
        version=data["version"],
        base=data["base"],
        min_score=data["min_score"],
        max_score=data["max_score"],
        dimensions=tuple((d["code"], d["floor"], d["cap"]) for d in data["dimensions"]),
        tiers=tuple(sorted(((t["code"], t["min_score"]) for t in data["tiers"]),
                           key=lambda tier: -tier[1])),
        types={
            t["code"]: TypeRule(
                t["code"], t["dimension"], t["points"] if t["polarity"] == "positive"
                else -t["points"], t["full_days"], t["fade_days"], t["cap_per_year"] or None,
                t["severity"] or None, t["state"], issuers=tuple(t["issuers"]),
                retention_days=t["retention_days"], document_required=t["document_required"],
                repair_after_days=t["repair_after_days"])
            for t in data["record_types"]
        },
        commitment_text=data["commitment_text"],
    )
