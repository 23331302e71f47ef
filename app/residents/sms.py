"""Sending one-time codes by SMS behind a small interface, so the gateway can be swapped.

`SMS_SENDER` names the gateway's class as `module:Class` (built with the app's config); unset,
the embedded default writes messages to the log, which production refuses to start with.
"""
import logging

from flask import current_app

from app.core.outside import connect

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
    app.extensions["sms"] = connect(app, "SMS_SENDER", f"{__name__}:ConsoleSmsSender",
                                    ConsoleSmsSender)


def sms_sender() -> SmsSender:
    return current_app.extensions["sms"]
