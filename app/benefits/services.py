"""The 信易+ catalogue of benefits."""
from sqlalchemy import select

from app.benefits.models import Benefit
from app.core.extensions import db


def active_benefits() -> list[Benefit]:
    return db.session.scalars(select(Benefit).filter_by(active=True)
                              .order_by(Benefit.scene, Benefit.id)).all()

