"""Sign-in shared by residents, merchant staff and operators, and bearer credentials.

A session's user id is `kind:id:epoch`; each domain registers how to load its kind. Bumping the
account's epoch signs it out everywhere.
"""
from flask import request, session
from flask_login import login_user

from app.core.extensions import login_manager

_loaders = {}


def register_user_kind(kind, loader):
    """`loader(id)` returns the account or None."""
    _loaders[kind] = loader


@login_manager.user_loader
def load_user(user_id):
    kind, _sep, rest = user_id.partition(":")
    ident, _sep, epoch = rest.partition(":")
    loader = _loaders.get(kind)
    if loader is None or not ident.isdigit() or not epoch.isdigit():
        return None
    user = loader(int(ident))
    if user is None or user.get_id() != user_id:
        return None
    return user


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


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer …` header, or None."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
