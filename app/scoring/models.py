from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime
from app.core.extensions import db
from app.core.time import utcnow


class Score(db.Model):
    """A person's current score with its dimension totals, and the day its value and tier took
    effect (the values before it are in `ScoreHistory`)."""

    __tablename__ = "scores"

    # no foreign key: it would lock the person's row for every score written (most of the first
    # rescore's writing time); scores are written for residents only and removed with the account
    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(30))
    scheme_version: Mapped[str] = mapped_column(String(20))
    as_of: Mapped[date] = mapped_column(Date)
    # the day the score and tier took this value: first scored, or last moved (a rewrite of the
    # totals, scheme or next change alone keeps it)
    since: Mapped[date] = mapped_column(Date)
    # JSON text, not JSONB: the batch rescore writes it and compares it whole, and building or
    # parsing JSONB for each score would cost it more than the arithmetic
    dimensions: Mapped[dict] = mapped_column(JSON)
    # the first day after `as_of` on which one of the person's records counts other points
    # (NULL: none ever will); the nightly rescore looks at the person again from that day
    next_change_on: Mapped[date | None] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self):
        return f"<Score person={self.person_id} {self.score}>"


class ScoreHistory(db.Model):
    """A value a person's score had before its current one: from `day` until the next row's day
    or, for the last row, the current score's `since`. The current value is kept only in
    `Score`, so a person's first score writes no history row."""

    __tablename__ = "score_history"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)  # as in `scores`
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    score: Mapped[int] = mapped_column(Integer)
    tier: Mapped[str] = mapped_column(String(30))

    def __repr__(self):
        return f"<ScoreHistory person={self.person_id} {self.day} {self.score}>"


class ScoreRun(db.Model):
    """One nightly rescore: the day and scheme it scored, and whether it finished."""

    __tablename__ = "score_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    scheme_version: Mapped[str] = mapped_column(String(20))
    full_rescore: Mapped[bool] = mapped_column(Boolean)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    candidates: Mapped[int | None] = mapped_column(Integer)  # persons looked at; NULL: everyone
    written: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self):
        kind = "full" if self.full_rescore else "incremental"
        return f"<ScoreRun {self.as_of} {self.scheme_version} {kind}>"


class ScoreCandidate(db.Model):
    """A person whose score can differ on the running night's day; refilled by each run."""

    __tablename__ = "score_candidates"

    person_id: Mapped[int] = mapped_column(Integer, primary_key=True)

    def __repr__(self):
        return f"<ScoreCandidate person={self.person_id}>"
