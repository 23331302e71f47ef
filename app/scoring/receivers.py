"""Scoring's answers to what the records and residents domains announce."""
from app.scoring import services


def rescore_changed(person_ids, actor="system"):
    services.rescore_people(person_ids, actor=actor)


def rescore_consenting(person_id, actor="system"):
    services.rescore_people([person_id], actor=actor)


def forget_closed(person_id):
    services.forget_person(person_id)
