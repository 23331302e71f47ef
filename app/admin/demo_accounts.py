"""The demo's operators (asked for by `app.demo.operators`, connected in the factory)."""
from app.admin import accounts
from app.core.audit import audit
from app.core.passwords import check_password, hash_password


def make_demo_operator(username, password, role):
    """Make the operator enrolled with a fresh TOTP secret, or set its password and role
    again; return its TOTP secret."""
    operator = accounts.find_operator(username)
    if operator is None:
        operator = accounts.create_operator(username, password, role, enrolled=True)
        audit("demo", "operator.created", "operator", operator.id,
              data={"username": username, "role": role})
    else:
        if not check_password(operator.password_hash, password):
            operator.password_hash = hash_password(password)
        operator.role, operator.active = role, True
    return operator.totp_secret
