"""Which merchant is calling: an API key, or a staff session.

API keys are looked up once per `API_KEY_SECONDS` per worker: revoking a key (or deactivating
its merchant) takes effect within that time.
"""
from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.core import crypto
from app.core.auth import bearer_token, user_kind
from app.core.cache import TtlCache
from app.core.errors import ApiError
from app.core.extensions import db
from app.merchants.models import Merchant, MerchantApiKey, MerchantStaff

API_KEY_SECONDS = 10
api_keys = TtlCache(API_KEY_SECONDS)  # key hash -> MerchantCaller


@dataclass(frozen=True)
class MerchantRef:
    """What the verification path needs of an API key's merchant."""

    id: int
    name: str


@dataclass(frozen=True)
class MerchantCaller:
    merchant: Merchant | MerchantRef
    staff: MerchantStaff | None
    api_key_id: int | None

    @property
    def actor(self):
        if self.staff is not None:
            return f"staff:{self.staff.id}"
        return f"merchant:{self.merchant.id}:key:{self.api_key_id}"


def load_staff(staff_id):
    staff = db.session.get(MerchantStaff, staff_id)
    return staff if staff is not None and staff.active and staff.merchant.active else None


def current_staff() -> MerchantStaff | None:
    if user_kind(current_user) == "staff" and current_user.active and current_user.merchant.active:
        return current_user
    return None


def merchant_caller() -> MerchantCaller:
    """The merchant behind this request (API key first, then a staff session), or 401."""
    cached = request.environ.get("app.merchant_caller")
    if cached is not None:
        return cached
    token = bearer_token()
    if token:
        key_hash = crypto.hash_api_key(token)
        caller = api_keys.get(key_hash, lambda: _api_key_caller(key_hash))
        if caller is None:
            raise ApiError(401, "invalid_credentials", _("The API key is not valid."))
    else:
        staff = current_staff()
        if staff is None:
            raise ApiError(401, "missing_credentials",
                           _("Send the merchant API key as a Bearer token or sign in as staff."))
        caller = MerchantCaller(staff.merchant, staff, None)
    request.environ["app.merchant_caller"] = caller
    return caller


def _api_key_caller(key_hash) -> MerchantCaller | None:
    row = db.session.execute(
        select(MerchantApiKey.id, Merchant.id.label("merchant_id"), Merchant.name)
        .join(Merchant, Merchant.id == MerchantApiKey.merchant_id)
        .where(MerchantApiKey.key_hash == key_hash, MerchantApiKey.revoked_at.is_(None),
               Merchant.active.is_(True))).first()
    if row is None:
        return None
    return MerchantCaller(MerchantRef(row.merchant_id, row.name), None, row.id)


def merchant_rate_key() -> str:
    try:
        return f"merchant:{merchant_caller().merchant.id}"
    except ApiError:
        from flask_limiter.util import get_remote_address

        return f"ip:{get_remote_address()}"
