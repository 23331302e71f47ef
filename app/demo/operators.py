"""Demo operators, one per role, with a shared password and each one's TOTP secret.

The accounts belong to the console, a sibling room: the demo asks for them by a signal that the
application factory connects to the console's receiver.
"""
from blinker import Namespace

_signals = Namespace()

#: sender: the username; `password`, `role`. The receiver makes or refreshes the enrolled
#: account and returns its TOTP secret (base32).
operator_wanted = _signals.signal("demo-operator-wanted")

ROLES = ("operator", "reviewer", "auditor")


def demo_operators(password: str) -> list[dict]:
    """Make or refresh `demo-<role>` for each role; their entries for the credentials file."""
    out = []
    for role in ROLES:
        username = f"demo-{role}"
        answers = [secret for _receiver, secret in operator_wanted.send(
            username, password=password, role=role) if secret]
        if not answers:
            raise RuntimeError("the console is not connected: no operator was made")
        out.append({"username": username, "password": password, "role": role,
                    "totp_secret": answers[0]})
    return out
