"""A repaired record counts no more: on the immediate path, in the nightly set-based rescore and
at the serious-record gate; the person is rescored the moment it is marked."""
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.core.audit import AuditEntry
from app.core.errors import ApiError
from app.core.extensions import db
from app.records.models import CreditRecord
from app.records.services import mark_repaired
from app.scoring.models import Score
from app.scoring.services import explain, rescore_all, serious_record_in_force

AT = datetime(2026, 11, 20, 8, 0, tzinfo=timezone.utc)


def record_of(resident, rtype):
    return db.session.scalar(select(CreditRecord).filter_by(person_id=resident.person_id,
                                                            type_code=rtype))


def stored(resident):
    db.session.expire_all()
    return db.session.get(Score, resident.person_id).score


def test_marking_repaired_rescores_at_once_and_is_audited(make_resident):
    resident = make_resident(records=[("admin_penalty_minor", 10), ("blood_donation", 10)])
    assert stored(resident) == 100 - 5 + 5
    record = record_of(resident, "admin_penalty_minor")
    mark_repaired(record.id, AT)
    assert (record.status, record.repaired_at) == ("repaired", AT)
    assert stored(resident) == 105
    contribution = next(c for c in explain(resident.person_id).contributions
                        if c.record_id == record.id)
    assert (contribution.counted, contribution.note) == (False, "repaired")
    entry = db.session.scalar(select(AuditEntry).filter_by(action="record.repaired",
                                                           object_id=str(record.id)))
    assert entry.subject_id == resident.person_id


def test_the_nightly_rescore_does_not_count_it_either(make_resident):
    resident = make_resident(records=[("admin_penalty_major", 10)])
    mark_repaired(record_of(resident, "admin_penalty_major").id, AT)
    db.session.get(Score, resident.person_id).score = 0  # the nightly run must put it right
    db.session.flush()
    rescore_all()
    assert stored(resident) == 100


def test_a_repaired_serious_record_no_longer_blocks_benefits(make_resident):
    resident = make_resident(records=[("admin_penalty_serious", 10)])
    assert serious_record_in_force(resident.person_id)
    mark_repaired(record_of(resident, "admin_penalty_serious").id, AT)
    assert not serious_record_in_force(resident.person_id)


def test_marking_twice_changes_nothing_and_a_revoked_record_cannot_be_repaired(make_resident):
    resident = make_resident(records=[("admin_penalty_minor", 10), ("traffic_violation", 5)])
    record = record_of(resident, "admin_penalty_minor")
    mark_repaired(record.id, AT)
    mark_repaired(record.id, datetime(2026, 11, 21, tzinfo=timezone.utc))
    assert record.repaired_at == AT
    revoked = record_of(resident, "traffic_violation")
    revoked.status = "revoked"
    db.session.flush()
    with pytest.raises(ApiError) as error:
        mark_repaired(revoked.id, AT)
    assert error.value.status == 409 and revoked.repaired_at is None
