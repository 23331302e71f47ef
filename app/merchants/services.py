"""Merchants, their keys and staff, and the benefits they offer."""
from collections import defaultdict

from sqlalchemy import select, update
from stdnum.cn import uscc

from app.benefits.read import BenefitTerms, terms_by_code
from app.core import crypto, signin_guard
from app.core.cache import TtlCache
from app.core.extensions import db
from app.core.passwords import check_password
from app.core.time import utcnow
from app.merchants.models import Merchant, MerchantApiKey, MerchantStaff, merchant_benefits

OFFER_SECONDS = 10
offers = TtlCache(OFFER_SECONDS)  # (merchant id, benefit code) -> (BenefitTerms, offered)


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


def all_merchants() -> list[Merchant]:
    return list(db.session.scalars(select(Merchant).order_by(Merchant.id)))


def find_merchant_by_credit_code(credit_code: str) -> Merchant | None:
    return db.session.scalar(select(Merchant).filter_by(credit_code=credit_code))


def live_api_keys(merchant: Merchant) -> list[MerchantApiKey]:
    return list(db.session.scalars(select(MerchantApiKey).where(
        MerchantApiKey.merchant_id == merchant.id, MerchantApiKey.revoked_at.is_(None))
        .order_by(MerchantApiKey.id)))


def revoke_api_key(merchant: Merchant, key_id: int) -> bool:
    """Revoke one of the merchant's live keys (callers holding it are refused within
    `access.API_KEY_SECONDS`); False if it is not one."""
    return db.session.execute(
        update(MerchantApiKey)
        .where(MerchantApiKey.id == key_id, MerchantApiKey.merchant_id == merchant.id,
               MerchantApiKey.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)).rowcount == 1


def set_benefits(merchant: Merchant, benefits) -> None:
    """The benefits the merchant offers from now on (its counters see them within
    `OFFER_SECONDS`)."""
    merchant.benefits = sorted(benefits, key=lambda b: b.id)
    db.session.flush()


def offering(benefit) -> list[Merchant]:
    """Every merchant offering the benefit, active or not."""
    return list(db.session.scalars(
        select(Merchant).join(merchant_benefits, merchant_benefits.c.merchant_id == Merchant.id)
        .where(merchant_benefits.c.benefit_id == benefit.id).order_by(Merchant.id)))


def set_offering(benefit, merchants) -> None:
    """Exactly these merchants offer the benefit from now on."""
    chosen = {m.id for m in merchants}
    for merchant in set(offering(benefit)) | set(merchants):
        has = benefit in merchant.benefits
        if merchant.id in chosen and not has:
            merchant.benefits.append(benefit)
        elif merchant.id not in chosen and has:
            merchant.benefits.remove(benefit)
    db.session.flush()


def staff_phone_index(phone: str) -> str:
    return crypto.blind_index(phone, "merchant_staff.phone")


def add_staff(merchant, name, phone, password_hash, role="clerk") -> MerchantStaff:
    staff = MerchantStaff(merchant=merchant, name=name, role=role, password_hash=password_hash,
                          phone_index=staff_phone_index(phone), phone=phone)
    db.session.add(staff)
    db.session.flush()
    return staff


def find_staff_by_phone(phone: str) -> MerchantStaff | None:
    return db.session.scalar(select(MerchantStaff).filter_by(phone_index=staff_phone_index(phone)))


def authenticate_staff(phone: str, password: str, address: str) -> MerchantStaff | None:
    """The active staff member of an active merchant with this phone and password, or None
    (counted against `address`); raises `signin_guard.TooManyFailures` while it must wait."""
    def check():
        staff = find_staff_by_phone(phone) if phone.isdigit() and len(phone) == 11 else None
        if staff is None or not staff.active or not staff.merchant.active or not password:
            return None
        return staff if check_password(staff.password_hash, password) else None

    return signin_guard.guarded(f"staff:{staff_phone_index(phone)}", address, check)


def offering_merchants(benefit_ids) -> dict[int, list[Merchant]]:
    """{benefit id: active merchants offering it}, in one query."""
    rows = db.session.execute(
        select(merchant_benefits.c.benefit_id, Merchant)
        .join(Merchant, Merchant.id == merchant_benefits.c.merchant_id)
        .where(merchant_benefits.c.benefit_id.in_(set(benefit_ids)), Merchant.active.is_(True))
        .order_by(Merchant.id))
    out = defaultdict(list)
    for benefit_id, merchant in rows:
        out[benefit_id].append(merchant)
    return out


def offer(merchant_id: int, code: str) -> tuple[BenefitTerms, bool] | None:
    """The benefit with this code and whether the merchant offers it (cached for
    `OFFER_SECONDS`); None for an unknown code."""
    return offers.get((merchant_id, code), lambda: _load_offer(merchant_id, code))


def _load_offer(merchant_id, code):
    row = db.session.execute(terms_by_code(lambda benefit_id: (
        select(merchant_benefits.c.benefit_id).where(
            merchant_benefits.c.merchant_id == merchant_id,
            merchant_benefits.c.benefit_id == benefit_id).exists().label("offered"),)),
        {"code": code}).first()
    if row is None:
        return None
    return BenefitTerms(*row[:-1]), bool(row.offered)
