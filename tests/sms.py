"""An SMS sender for tests: keeps every message so a test can read the code it was sent."""
from app.residents.sms import SmsSender


class InMemorySmsSender(SmsSender):
    def __init__(self, config=None):
        self.sent = []

    def send(self, phone, text):
        self.sent.append((phone, text))

    def last_to(self, phone):
        return next((text for to, text in reversed(self.sent) if to == phone), None)
