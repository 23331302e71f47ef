"""Sending one-time codes by SMS behind a small interface, so the gateway can be swapped."""
import logging

from flask import current_app

log = logging.getLogger(__name__)


class SmsSender:
    """Deliver a text message to a phone number."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsSender(SmsSender):
    """The embedded default: no gateway, the message goes to the server log."""

    def send(self, phone, text):
        log.warning("SMS to %s: %s", phone, text)
        print(f"[sms] to {phone}: {text}", flush=True)


class InMemoryTestSmsSender(SmsSender):
    """For tests only: keeps every message so a test can read the code it was sent."""

    def __init__(self):
        self.sent = []

    def send(self, phone, text):
        self.sent.append((phone, text))

    def last_to(self, phone):
        return next((text for to, text in reversed(self.sent) if to == phone), None)


def sms_sender() -> SmsSender:
    """The sender configured for this app (`app.extensions["sms"]`), the console one by default."""
    return current_app.extensions.setdefault("sms", ConsoleSmsSender())
