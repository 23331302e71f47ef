"""The serious-record gate, written once (records.read) and read by scoring and verification."""
import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.records.models import CreditRecord
from app.scoring.services import serious_record_in_force


def record_of(resident, type_code):
    return db.session.scalar(select(CreditRecord).filter_by(person_id=resident.person_id,
                                                            type_code=type_code))


def test_an_active_unended_serious_record_stands(make_resident):
    debtor = make_resident(records=[("court_dishonest_debtor", 10)])
    assert serious_record_in_force(debtor.person_id)


@pytest.mark.parametrize("change", ["ended", "revoked", "repaired"])
def test_an_ended_revoked_or_repaired_one_does_not(make_resident, change):
    debtor = make_resident(records=[("court_dishonest_debtor", 10)])
    record = record_of(debtor, "court_dishonest_debtor")
    if change == "ended":
        record.ended_on = record.occurred_on
    else:
        record.status = change
    db.session.flush()
    assert not serious_record_in_force(debtor.person_id)


def test_a_major_record_is_not_serious(make_resident):
    assert not serious_record_in_force(
        make_resident(records=[("admin_penalty_major", 1)]).person_id)
