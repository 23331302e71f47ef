"""The test factories' own promises, on which tests that commit data rely."""
import random

from stdnum.cn import ric

from tests import factories


def test_an_id_number_is_never_handed_out_twice(monkeypatch):
    # a number drawn again names a person made before (in the same test, or committed by
    # another): a population that gave them a second account failed (residents.person_id NULL)
    monkeypatch.setattr(factories, "_rng", random.Random(1))
    first = factories.new_id_number()
    monkeypatch.setattr(factories, "_rng", random.Random(1))  # the same draws again
    second = factories.new_id_number()
    assert second != first
    assert ric.is_valid(first) and ric.is_valid(second)


def test_a_phone_number_is_never_handed_out_twice(monkeypatch):
    monkeypatch.setattr(factories, "_rng", random.Random(1))
    first = factories.new_phone()
    monkeypatch.setattr(factories, "_rng", random.Random(1))
    assert factories.new_phone() != first
