"""Time helpers: all stored times are UTC; dates shown to people are in Asia/Shanghai."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

CITY_TZ = ZoneInfo("Asia/Shanghai")


def utcnow():
    return datetime.now(timezone.utc)


def city_today():
    """Return today's date in the city's time zone."""
    return datetime.now(CITY_TZ).date()
