"""The quick reading of a delivered record gives exactly what the schema gives: the same
values, or the same errors."""
import itertools

import marshmallow as ma
import pytest

from app.records.schemas import RecordArgs, load_record

GOOD = {"source_id": "s-1", "id_number": "410102199001011235", "name": "张三",
        "type": "volunteer_hours", "occurred_at": "2026-01-02"}

VARIANTS = {
    "source_id": [None, "", "x" * 64, "x" * 65, "a\tb", "a\x00b", "a\x85b", 5, ["s"]],
    "id_number": [None, "", "1" * 30, "1" * 31, "4101\n02"],
    "name": [None, "", "张" * 50, "张" * 51, "张\u202e三", "张\u200b三", "张\ue000三", "a\tb"],
    "type": [None, "", "t" * 60, "t" * 61, "t\x7f"],
    "occurred_at": [None, "", "2026-1-2", "2026-02-30", "1899-12-31", "1900-01-01", "2999-12-31",
                    "3000-01-01", "2026-W01-1", "2026-01-02T23:30:00+00:00", "20260102", 20260102],
    "ended_at": [None, "2026-01-03", "2026-13-01", "", 5, "2026-01-02T01:00:00"],
    "attributes": [None, {}, {"hours": 12}, {"hours": 12.5}, {"hours": float("inf")},
                   {"hours": 2**53}, {"note": "a\x00"}, {"note": "a\tb"}, {"a": {"b": [1, "c"]}},
                   [], "x", {"k\x01": 1}],
    "document_ref": [None, "", "郑市监罚〔2026〕12号", "d" * 100, "d" * 101, "a\x00b", "a\tb",
                     "郑\u202e罚", " ", 12, ["d"]],
    "extra": ["ignored"],
}


def _schema(raw):
    try:
        return RecordArgs().load(raw, unknown=ma.EXCLUDE)
    except ma.ValidationError as err:
        return err.messages


def _quick(raw):
    try:
        return load_record(raw)
    except ma.ValidationError as err:
        return err.messages


def _cases():
    yield dict(GOOD)
    for key, values in VARIANTS.items():
        yield {k: v for k, v in GOOD.items() if k != key}  # the field left out
        for value in values:
            yield {**GOOD, key: value}
    for (a, va), (b, vb) in itertools.combinations(
            [(k, v) for k, vs in VARIANTS.items() for v in vs[:3]], 2):
        if a != b:
            yield {**GOOD, a: va, b: vb}


@pytest.mark.parametrize("raw", list(_cases()))
def test_the_quick_reading_agrees_with_the_schema(app, raw):
    assert _quick(raw) == _schema(raw)
