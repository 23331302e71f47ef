"""Sign-in shared by residents, merchant staff and operators, and bearer credentials.

A session's user id is `kind:id:epoch`; each domain registers how to load its kind. Bumping the
account's epoch signs it out everywhere. The cookie also carries a token of a session recorded
on the server (`app.core.sessions`) and when it was last used: signing out deletes the record,
and a session ends after `SESSION_IDLE_MINUTES` unused (a kind may name a shorter setting) or
`SESSION_MAX_HOURS` in all.
"""
import time
from datetime import timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user

from app.core import sessions
from app.core.extensions import login_manager

TOKEN_KEY = "sid"
SEEN_KEY = "seen"
SEEN_STEP = 60  # seconds: the last-used time is rewritten (a new cookie) at most once a minute

_loaders = {}
_idle_settings = {}


def register_user_kind(kind, loader, idle_setting="SESSION_IDLE_MINUTES"):
    """`loader(id)` returns the account or None; `idle_setting` names the config value of how
    many minutes unused end this kind's sessions."""
    _loaders[kind] = loader
    _idle_settings[kind] = idle_setting


@login_manager.user_loader
def load_user(user_id):
    kind, _sep, rest = user_id.partition(":")
    ident, _sep, epoch = rest.partition(":")
    loader = _loaders.get(kind)
    if loader is None or not ident.isdigit() or not epoch.isdigit():
        return None
    if not _session_is_live(f"{kind}:{ident}", _idle_settings[kind]):
        return None
    user = loader(int(ident))
    if user is None or user.get_id() != user_id:
        return None
    return user


def _session_is_live(account, idle_setting):
    token, seen, now = session.get(TOKEN_KEY), session.get(SEEN_KEY), int(time.time())
    idle = current_app.config[idle_setting] * 60
    if not isinstance(token, str) or not isinstance(seen, int) or now - seen > idle:
        return False
    if not sessions.is_live(token, account):
        return False
    if now - seen >= SEEN_STEP:
        session[SEEN_KEY] = now
    return True


def account_of(user) -> str:
    """`kind:id` of a user, the epoch left out."""
    return user.get_id().rpartition(":")[0]


def user_kind(user):
    return user.get_id().partition(":")[0] if user.is_authenticated else None


def sign_in(user):
    """Start a new session for `user`: nothing from before survives but the chosen language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(user, fresh=True)
    session.permanent = False
    lifetime = timedelta(hours=current_app.config["SESSION_MAX_HOURS"])
    session[TOKEN_KEY] = sessions.start(account_of(user), lifetime)
    session[SEEN_KEY] = int(time.time())


def sign_out():
    """End this session on the server and in the browser (the caller commits)."""
    token = session.get(TOKEN_KEY)
    if isinstance(token, str):
        sessions.end(token)
    logout_user()
    session.clear()


def end_sessions(user):
    """End every session of the user, wherever its cookies are (the caller commits)."""
    sessions.end_all(account_of(user))


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
