"""Merchants that offer 信易+ benefits: organisations, API keys, staff and their sign-in."""


def register():
    """Load merchant staff sessions."""
    from app.core.auth import register_user_kind
    from app.merchants.access import load_staff

    register_user_kind("staff", load_staff)
