"""The sign-in state's scheduled job (see app.core.jobs)."""
from app.core import sessions, signin_guard
from app.core.extensions import db


def prune_sign_in_state() -> dict:
    """Delete expired sessions and password-failure counts that no longer count."""
    ended, forgotten = sessions.prune(), signin_guard.prune()
    db.session.commit()
    return {"sessions": ended, "failures": forgotten}
