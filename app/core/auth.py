"""Session sign-in shared by residents, merchant staff and operators.

A session's user id is `kind:id:epoch`; each domain registers how to load its kind. Bumping the
account's epoch signs it out everywhere.
"""
from app.extensions import login_manager

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
