"""The 信易+ catalogue of benefits."""
from sqlalchemy import select

from app.benefits.models import Benefit
from app.core.extensions import db


def active_benefits() -> list[Benefit]:
    return db.session.scalars(select(Benefit).filter_by(active=True)
                              .order_by(Benefit.scene, Benefit.id)).all()



# what an operator sets on a benefit (its code is fixed once made)
EDITABLE = ("name", "name_en", "scene", "description", "description_en", "min_tier", "min_score",
            "limit_count", "limit_period", "value_text", "value_text_en", "deposit_free",
            "valid_from", "valid_until", "active")


def all_benefits() -> list[Benefit]:
    return list(db.session.scalars(select(Benefit).order_by(Benefit.scene, Benefit.id)))


def find_benefit(code: str) -> Benefit | None:
    return db.session.scalar(select(Benefit).filter_by(code=code))


def create_benefit(code: str, **fields) -> Benefit:
    benefit = Benefit(code=code, **{name: fields[name] for name in EDITABLE if name in fields})
    db.session.add(benefit)
    db.session.flush()
    return benefit


def update_benefit(benefit: Benefit, **fields) -> dict:
    """Set the given editable fields; return {field: [before, after]} of those that changed."""
    changes = {}
    for name in EDITABLE:
        if name in fields and getattr(benefit, name) != fields[name]:
            changes[name] = [getattr(benefit, name), fields[name]]
            setattr(benefit, name, fields[name])
    db.session.flush()
    return changes
