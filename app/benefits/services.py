"""Merchants, their keys and staff, and the benefits they offer."""
from sqlalchemy import select
from stdnum.cn import uscc

from app.core import crypto
from app.extensions import db
from app.benefits.models import Benefit, Merchant, MerchantApiKey, MerchantStaff


def normalise_credit_code(code: str) -> str:
    """Return a valid unified social credit code (统一社会信用代码); raise ValueError if not."""
    try:
        return uscc.validate(code)
    except Exception as exc:  # stdnum raises several ValidationError subclasses
        raise ValueError(str(exc)) from exc


def create_merchant(name: str, credit_code: str) -> Merchant:
    merchant = Merchant(name=name, credit_code=normalise_credit_code(credit_code))
    db.session.add(merchant)
    db.session.flush()
    return merchant


def issue_api_key(merchant: Merchant, label="", key: str | None = None) -> str:
    """Create an API key for the merchant; the key is returned once and stored hashed."""
    key = key or crypto.new_api_key("mk")
    db.session.add(MerchantApiKey(merchant=merchant, key_hash=crypto.hash_api_key(key), label=label))
    db.session.flush()
    return key


def staff_phone_index(phone: str) -> str:
    return crypto.blind_index(phone, "merchant_staff.phone")


def add_staff(merchant, name, phone, password_hash, role="clerk") -> MerchantStaff:
    staff = MerchantStaff(merchant=merchant, name=name, role=role, password_hash=password_hash,
                          phone_index=staff_phone_index(phone),
                          phone_enc=crypto.encrypt(phone, "merchant_staff.phone"))
    db.session.add(staff)
    db.session.flush()
    return staff


def find_staff_by_phone(phone: str) -> MerchantStaff | None:
    return db.session.scalar(select(MerchantStaff).filter_by(phone_index=staff_phone_index(phone)))


def active_benefits() -> list[Benefit]:
    return db.session.scalars(select(Benefit).filter_by(active=True).order_by(Benefit.scene, Benefit.id)).all()
