"""Request and response shapes of the department records API."""
from datetime import date, datetime

import marshmallow as ma

from app.core.time import CITY_TZ
from app.core.validation import (DATE_RANGE, MAX_DATE, MIN_DATE, NO_CONTROL,
                                 has_hidden_characters, json_value, visible_text)


class CityDate(ma.fields.Field):
    """A date, or a date-time taken as its date in the city's time zone."""

    default_error_messages = {"invalid": "Not a valid date (YYYY-MM-DD) or ISO date-time."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid")
        try:
            if len(value) == 10:
                return date.fromisoformat(value)
            moment = datetime.fromisoformat(value)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=CITY_TZ)
            return moment.astimezone(CITY_TZ).date()
        except (ValueError, OverflowError) as exc:  # overflow: the first or last day of time
            raise self.make_error("invalid") from exc

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else value.isoformat()


DOCUMENT_REF = [ma.validate.Length(1, 100), NO_CONTROL, visible_text]
DOCUMENT_REF_HELP = ("The deciding document's reference (决定书文号, e.g. 郑市监罚〔2026〕12号); "
                     "required where the catalogue type has `document_required`.")


class RecordArgs(ma.Schema):
    source_id = ma.fields.String(required=True, validate=[ma.validate.Length(1, 64), NO_CONTROL])
    id_number = ma.fields.String(required=True, validate=[ma.validate.Length(1, 30), NO_CONTROL])
    name = ma.fields.String(required=True,
                            validate=[ma.validate.Length(1, 50), NO_CONTROL, visible_text])
    type = ma.fields.String(required=True, validate=[ma.validate.Length(1, 60), NO_CONTROL])
    occurred_at = CityDate(required=True, validate=DATE_RANGE)
    ended_at = CityDate(load_default=None, allow_none=True, validate=DATE_RANGE)
    attributes = ma.fields.Dict(keys=ma.fields.String(), load_default=dict, validate=json_value)
    document_ref = ma.fields.String(load_default=None, allow_none=True, validate=DOCUMENT_REF,
                                    metadata={"description": DOCUMENT_REF_HELP})


_record_args = RecordArgs()
_HAS_CONTROL = NO_CONTROL.pattern.search


def load_record(raw: dict) -> dict:
    """`RecordArgs().load(raw, unknown=EXCLUDE)`, with a quick path for a record that plainly
    passes every check; anything else goes through the schema, which words the errors."""
    get = raw.get  # the quick path reads each field once and checks their text all together
    source_id, id_number, name, rtype = get("source_id"), get("id_number"), get("name"), get("type")
    occurred, ended = _plain_date(get("occurred_at")), get("ended_at")
    attributes, document = get("attributes", {}), get("document_ref")
    if (isinstance(source_id, str) and isinstance(id_number, str) and isinstance(name, str)
            and isinstance(rtype, str) and (document is None or isinstance(document, str))
            and 0 < len(source_id) <= 64 and 0 < len(id_number) <= 30 and 0 < len(name) <= 50
            and 0 < len(rtype) <= 60 and (document is None or 0 < len(document) <= 100)
            and occurred is not None
            and (ended is None or (ended := _plain_date(ended)) is not None)
            and not _HAS_CONTROL(f"{source_id}{id_number}{name}{rtype}{document or ''}")
            and not _hidden(name, document) and _plain_attributes(attributes)):
        return {"source_id": source_id, "id_number": id_number, "name": name, "type": rtype,
                "occurred_at": occurred, "ended_at": ended, "attributes": dict(attributes),
                "document_ref": document}
    return _record_args.load(raw, unknown=ma.EXCLUDE)


def _hidden(name: str, document: str | None) -> bool:
    """What `visible_text` refuses, in the name or the document reference."""
    if f"{name}{document or ''}".isprintable():  # checked in C: most text is
        return False
    return has_hidden_characters(name) or (document is not None
                                            and has_hidden_characters(document))


def _plain_attributes(value) -> bool:
    if value == {}:  # what most rows of a file carry
        return True
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        return False
    try:
        json_value(value)
    except ma.ValidationError:
        return False
    return True


def _plain_date(value):
    """A YYYY-MM-DD date within DATE_RANGE, else None."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if MIN_DATE <= day <= MAX_DATE else None


class RecordBatchArgs(ma.Schema):
    # any item, even null: each record is checked on its own so a bad one never stops the rest
    records = ma.fields.List(
        ma.fields.Raw(allow_none=True), required=True, validate=ma.validate.Length(min=1, max=1000),
        metadata={"description": (
            "Each record: source_id, id_number, name, type, occurred_at, ended_at (optional), "
            "attributes (optional) and document_ref (optional): " + DOCUMENT_REF_HELP
            + " A type may be delivered only by a department the catalogue names in its "
            "`issuers` (else rejected on `type`); a negative record whose retention has ended "
            "is rejected on `ended_at` (or `occurred_at` for a one-off event).")})


class RecordPatchArgs(ma.Schema):
    type = ma.fields.String(validate=[ma.validate.Length(1, 60), NO_CONTROL])
    occurred_at = CityDate(validate=DATE_RANGE)
    ended_at = CityDate(allow_none=True, validate=DATE_RANGE)
    attributes = ma.fields.Dict(keys=ma.fields.String(), validate=json_value)
    document_ref = ma.fields.String(allow_none=True, validate=DOCUMENT_REF,
                                    metadata={"description": DOCUMENT_REF_HELP})


class FieldErrorSchema(ma.Schema):
    field = ma.fields.String()
    message = ma.fields.String()


class RecordResultSchema(ma.Schema):
    source_id = ma.fields.Raw()
    status = ma.fields.String()
    record_id = ma.fields.Integer()
    errors = ma.fields.List(ma.fields.Nested(FieldErrorSchema))


class BatchResultSchema(ma.Schema):
    accepted = ma.fields.Integer()
    duplicates = ma.fields.Integer()
    rejected = ma.fields.Integer()
    results = ma.fields.List(ma.fields.Nested(RecordResultSchema))


class RecordSchema(ma.Schema):
    record_id = ma.fields.Integer(attribute="id")
    source_id = ma.fields.String()
    type = ma.fields.String(attribute="type_code")
    status = ma.fields.String()
    occurred_at = CityDate(attribute="occurred_on")
    ended_at = CityDate(attribute="ended_on")
    attributes = ma.fields.Dict()
    document_ref = ma.fields.String(allow_none=True)
