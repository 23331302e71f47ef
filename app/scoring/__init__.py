"""Turning records into explained scores: the pure engine, storage, single and batch rescoring."""


def register():
    """Follow the lower domains' changes: records changed or consent given → rescore; account
    closed → forget the score."""
    from app.records.signals import records_changed
    from app.residents.signals import account_closed, consent_given
    from app.scoring import receivers

    records_changed.connect(receivers.rescore_changed)
    consent_given.connect(receivers.rescore_consenting)
    account_closed.connect(receivers.forget_closed)
