"""信易+ benefits: conveniences on top of normal service, unlocked by a good score."""
from datetime import date

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.extensions import db

SCENES = ("信易租", "信易行", "信易游", "信易医", "信易购", "信易停", "信易贷", "信易阅")


class Benefit(db.Model):
    """A 信易+ item: a convenience on top of normal service, unlocked by a good score."""

    __tablename__ = "benefits"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    scene: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    min_tier: Mapped[str | None] = mapped_column(String(30))
    min_score: Mapped[int | None] = mapped_column(Integer)
    limit_count: Mapped[int | None] = mapped_column(Integer)
    limit_period: Mapped[str | None] = mapped_column(String(10))  # day | month | year
    value_text: Mapped[str] = mapped_column(String(120), default="")
    value_text_en: Mapped[str] = mapped_column(String(160), default="")
    deposit_free: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __repr__(self):
        return f"<Benefit {self.code}>"
