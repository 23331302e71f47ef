"""Who is calling: a signed-in resident, a merchant's API key, or a merchant's staff session."""
from dataclasses import dataclass

from flask import request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.benefits.models import Merchant, MerchantApiKey, MerchantStaff
from app.core import crypto
from app.core.auth import register_user_kind, user_kind
from app.core.errors import ApiError
from app.departments.services import bearer_token
from app.extensions import db
from app.residents.models import Resident


@dataclass(frozen=True)
class MerchantCaller:
    merchant: Merchant
    staff: MerchantStaff | None
    api_key_id: int | None

    @property
    def actor(self):
        if self.staff is not None:
            return f"staff:{self.staff.id}"
        return f"merchant:{self.merchant.id}:key:{self.api_key_id}"


def register_kinds():
    """Load staff sessions; load residents too if the residents' web has not registered them."""
    from app.core import auth

    register_user_kind("staff", lambda i: db.session.get(MerchantStaff, i))
    if "resident" not in auth._loaders:
        register_user_kind("resident", lambda i: db.session.get(Resident, i))


def current_resident() -> Resident:
    if user_kind(current_user) != "resident":
        raise ApiError(401, "unauthorized", _("Please sign in first."))
    return current_user


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
        row = db.session.execute(
            select(MerchantApiKey, Merchant).join(Merchant, Merchant.id == MerchantApiKey.merchant_id)
            .where(MerchantApiKey.key_hash == crypto.hash_api_key(token),
                   MerchantApiKey.revoked_at.is_(None), Merchant.active.is_(True))).first()
        if row is None:
            raise ApiError(401, "invalid_credentials", _("The API key is not valid."))
        caller = MerchantCaller(row[1], None, row[0].id)
    else:
        staff = current_staff()
        if staff is None:
            raise ApiError(401, "missing_credentials",
                           _("Send the merchant API key as a Bearer token or sign in as staff."))
        caller = MerchantCaller(staff.merchant, staff, None)
    request.environ["app.merchant_caller"] = caller
    return caller


def merchant_rate_key() -> str:
    try:
        return f"merchant:{merchant_caller().merchant.id}"
    except ApiError:
        from flask_limiter.util import get_remote_address

        return f"ip:{get_remote_address()}"
