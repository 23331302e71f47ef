"""What the partners domain does when lower domains announce a change."""
from sqlalchemy import select

from app.core.extensions import db
from app.partners.consents import revoke_consent
from app.partners.models import Consent
from app.residents.models import Resident


def revoke_closed(person_id, **_extra):
    """A closed account's consents end, and every token with them."""
    resident = db.session.scalar(select(Resident).filter_by(person_id=person_id))
    if resident is None:
        return
    for consent in db.session.scalars(select(Consent).filter_by(resident_id=resident.id,
                                                                revoked_at=None)):
        revoke_consent(resident, consent)
