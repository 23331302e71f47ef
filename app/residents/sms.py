"""Sending one-time codes by SMS behind a small interface, so the gateway can be swapped.

`SMS_SENDER` names the gateway's class as `module:Class` (built with the app's config); unset,
the embedded default writes messages to the log, which production refuses to start with.
"""
import logging
from importlib import import_module

from flask import current_app

from app.core.config import ConfigError

log = logging.getLogger(__name__)


class SmsSender:
    """Deliver a text message to a phone number."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsSender(SmsSender):
    """The embedded default: no gateway, the message goes to the server log."""

    def __init__(self, config=None):
        pass

    def send(self, phone, text):
        log.warning("SMS to %s: %s", phone, text)
        print(f"[sms] to {phone}: {text}", flush=True)


def init_sms(app):
    """Set `app.extensions["sms"]` from `SMS_SENDER`; refuse the console sender in production."""
    path = app.config.get("SMS_SENDER") or f"{__name__}:ConsoleSmsSender"
    module, _sep, name = path.partition(":")
    sender_class = getattr(import_module(module), name)
    if app.config["APP_ENV"] == "production" and issubclass(sender_class, ConsoleSmsSender):
        raise ConfigError("SMS_SENDER must name a real SMS gateway in production")
    app.extensions["sms"] = sender_class(app.config)


def sms_sender() -> SmsSender:
    return current_app.extensions["sms"]
