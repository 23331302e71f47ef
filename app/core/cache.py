"""Short-lived per-process caches for what hot paths read on every request.

Only slowly changing facts go here (API keys, benefits and who offers them, the scheme's
rules): a change reaches every worker within the cache's lifetime. Nothing that decides single
use or counts towards a limit is ever cached; the database answers those on every request.
"""
import threading
import time

from flask import current_app


class TtlCache:
    """Values at most `seconds` old, kept apart per application (tests run several)."""

    def __init__(self, seconds):
        self.seconds = seconds
        self._entries = {}  # (app id, key) -> (value, loaded at)
        self._lock = threading.Lock()

    def get(self, key, load):
        """The cached value for `key`, or `load()`'s (not cached when it is None)."""
        full_key = (id(current_app._get_current_object()), key)
        entry = self._entries.get(full_key)
        now = time.monotonic()
        if entry is not None and now - entry[1] < self.seconds:
            return entry[0]
        value = load()
        if value is not None:
            with self._lock:
                self._entries[full_key] = (value, now)
        return value

    def clear(self):
        with self._lock:
            self._entries.clear()
