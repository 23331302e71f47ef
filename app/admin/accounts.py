"""Operator accounts: creation, password + TOTP sign-in, enrolment and recovery codes."""
import re
import secrets
import time
from dataclasses import dataclass

import pyotp
from sqlalchemy import func, or_, select, update

from app.admin.models import ROLES, Operator, RecoveryCode
from app.core import crypto, signin_guard
from app.core.audit import audit
from app.core.extensions import db
from app.core.passwords import check_password, hash_password
from app.core.time import utcnow

ISSUER = "信易+"
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,39}$")
RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
STEP = 30  # seconds per TOTP code (RFC 6238's default, which authenticator apps assume)


@dataclass(frozen=True)
class SignInResult:
    operator: Operator
    needs_enrolment: bool = False
    used_recovery_code: bool = False


def normalise_username(username: str) -> str:
    """Return the username in its stored form; raise ValueError if it cannot be one."""
    username = username.strip().lower()
    if not USERNAME.match(username):
        raise ValueError(username)
    return username


def find_operator(username: str) -> Operator | None:
    return db.session.scalar(select(Operator).filter_by(username=username))


def create_operator(username: str, password: str, role: str, totp_secret: str | None = None,
                    enrolled: bool = False) -> Operator:
    """Create an operator with a new TOTP secret (or the given one), enrolled only if told."""
    if role not in ROLES:
        raise ValueError(f"unknown role: {role}")
    operator = Operator(username=normalise_username(username),
                        password_hash=hash_password(password), role=role,
                        totp_secret=totp_secret or pyotp.random_base32(),
                        totp_enrolled_at=utcnow() if enrolled else None)
    db.session.add(operator)
    db.session.flush()
    return operator


def provisioning_uri(operator: Operator) -> str:
    """The otpauth:// URI an authenticator app reads from the enrolment QR code."""
    return pyotp.TOTP(operator.totp_secret).provisioning_uri(name=operator.username,
                                                             issuer_name=ISSUER)


def authenticate(username: str, password: str, otp: str, address: str) -> SignInResult | None:
    """The operator with this username, password and one-time code (a TOTP code, or a recovery
    code), or None, counted against `address` whatever was wrong. An operator not yet enrolled
    needs only the password and comes back with `needs_enrolment`. Raises
    `signin_guard.TooManyFailures` while the address must wait."""
    try:
        username = normalise_username(username)
    except ValueError:
        username = ""

    def check():
        operator = find_operator(username) if username else None
        if operator is None or not operator.active or not password:
            return None
        if not check_password(operator.password_hash, password):
            return None
        if operator.totp_enrolled_at is None:
            return SignInResult(operator, needs_enrolment=True)
        if accept_totp(operator, otp):
            return SignInResult(operator)
        if use_recovery_code(operator, otp):
            return SignInResult(operator, used_recovery_code=True)
        return None

    return signin_guard.guarded(f"operator:{username or '?'}", address, check)


def accept_totp(operator: Operator, code: str, at: float | None = None) -> bool:
    """True if `code` is the operator's TOTP code for now (or the step either side, for clock
    drift) and no code of that step or a later one was accepted before: a code works once."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return False
    totp, now = pyotp.TOTP(operator.totp_secret), time.time() if at is None else at
    current = int(now // STEP)
    for step in (current, current - 1, current + 1):
        if secrets.compare_digest(totp.at(step * STEP), code):
            # a conditional UPDATE, so that two sign-ins racing with one code cannot both win
            claimed = db.session.execute(
                update(Operator)
                .where(Operator.id == operator.id,
                       or_(Operator.last_totp_step.is_(None), Operator.last_totp_step < step))
                .values(last_totp_step=step)
                .execution_options(synchronize_session=False)).rowcount
            if claimed:
                operator.last_totp_step = step
            return claimed == 1
    return False


def _recovery_digest(code: str) -> str:
    return crypto.blind_index(code.strip().lower().replace("-", "").replace(" ", ""),
                              "operator_recovery_codes")


def new_recovery_codes(operator: Operator) -> list[str]:
    """Replace the operator's recovery codes with new ones; return them (shown once)."""
    db.session.execute(update(RecoveryCode).where(
        RecoveryCode.operator_id == operator.id, RecoveryCode.used_at.is_(None)
    ).values(used_at=utcnow()).execution_options(synchronize_session=False))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    db.session.add_all(RecoveryCode(operator_id=operator.id, code_digest=_recovery_digest(code))
                       for code in codes)
    db.session.flush()
    return codes


def use_recovery_code(operator: Operator, code: str) -> bool:
    """Spend one unused recovery code of the operator's; True if it was one."""
    code = (code or "").strip()
    if not 10 <= len(code) <= 12:
        return False
    spent = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.operator_id == operator.id,
               RecoveryCode.code_digest == _recovery_digest(code), RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    return spent == 1


def recovery_codes_left(operator: Operator) -> int:
    return db.session.scalar(select(func.count()).select_from(RecoveryCode).where(
        RecoveryCode.operator_id == operator.id, RecoveryCode.used_at.is_(None)))


def enrol(operator: Operator, code: str) -> list[str] | None:
    """Confirm the authenticator with a first code; return the new recovery codes, or None if
    the code is wrong (or the operator is already enrolled)."""
    if operator.totp_enrolled_at is not None or not accept_totp(operator, code):
        return None
    # a conditional UPDATE: of two enrolment pages confirmed at once, only one enrols and
    # shows recovery codes (the other would replace them unseen)
    enrolled = db.session.execute(
        update(Operator).where(Operator.id == operator.id, Operator.totp_enrolled_at.is_(None))
        .values(totp_enrolled_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    db.session.refresh(operator)
    if enrolled != 1:
        return None
    codes = new_recovery_codes(operator)
    audit(operator.actor, "operator.enrolled_totp", "operator", operator.id)
    return codes


def load_operator(operator_id: int) -> Operator | None:
    operator = db.session.get(Operator, operator_id)
    return operator if operator is not None and operator.active else None
