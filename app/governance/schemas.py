"""Objections and repairs in and out (DESIGN §10 "Objections and repair")."""
import marshmallow as ma

from app.core.validation import MAX_ROW_ID, PLAIN_TEXT
from app.records.schemas import RecordPatchArgs

ROW_ID = ma.validate.Range(1, MAX_ROW_ID)
REASON = [ma.validate.Length(1, 2000), PLAIN_TEXT]


def _blank_refused(value):
    if not value.strip():
        raise ma.ValidationError("Shorter than minimum length 1.")


class ObjectionArgs(ma.Schema):
    record_id = ma.fields.Integer(strict=True, validate=ROW_ID)
    redemption_id = ma.fields.Integer(strict=True, validate=ROW_ID, metadata={
        "description": "Instead of record_id: a merchant's reported default in its grace period"})
    reason = ma.fields.String(required=True, validate=[*REASON, _blank_refused])

    @ma.validates_schema
    def one_target(self, data, **_kwargs):
        if ("record_id" in data) == ("redemption_id" in data):
            raise ma.ValidationError("Give either record_id or redemption_id.", "record_id")


class StatusArgs(ma.Schema):
    status = ma.fields.String(validate=ma.validate.OneOf(
        ("submitted", "forwarded", "upheld", "rejected", "withdrawn")))


class VerdictArgs(ma.Schema):
    verdict = ma.fields.String(required=True, validate=ma.validate.OneOf(("upheld", "rejected")))
    reason = ma.fields.String(required=True, validate=[*REASON, _blank_refused])
    correction = ma.fields.Nested(RecordPatchArgs, metadata={
        "description": "Upheld only: the fields to correct, as in "
                       "PATCH /api/v1/records/{source_id}; without it an upheld objection revokes the record"})

    @ma.validates_schema
    def correction_only_when_upheld(self, data, **_kwargs):
        if data.get("correction") and data["verdict"] != "upheld":
            raise ma.ValidationError("Only an upheld objection corrects the record.", "correction")


class DeadlinesSchema(ma.Schema):
    forward_by = ma.fields.Date(required=True)
    verdict_by = ma.fields.Date(required=True)
    notify_by = ma.fields.Date(required=True)
    final_by = ma.fields.Date(required=True)


class AttachmentSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    content_type = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True)


class DepartmentObjectionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    source_id = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    status = ma.fields.String(required=True)
    filed_at = ma.fields.DateTime(required=True)
    deadlines = ma.fields.Nested(DeadlinesSchema, required=True)
    overdue = ma.fields.List(ma.fields.String(), required=True, metadata={
        "description": "Deadlines passed without their step done"})
    verdict_reason = ma.fields.String(allow_none=True)
    attachments = ma.fields.List(ma.fields.Nested(AttachmentSchema), metadata={
        "description": "Evidence files: GET /api/v1/objections/{id}/attachments/{attachment_id}"})


class DepartmentObjectionListSchema(ma.Schema):
    objections = ma.fields.List(ma.fields.Nested(DepartmentObjectionSchema), required=True)


class MyObjectionSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    record_id = ma.fields.Integer(allow_none=True, required=True)
    redemption_id = ma.fields.Integer(allow_none=True)
    status = ma.fields.String(required=True, metadata={
        "description": "submitted → forwarded → upheld | rejected (or withdrawn)"})
    filed_at = ma.fields.DateTime(required=True)
    deadlines = ma.fields.Nested(DeadlinesSchema, required=True)
    deadlines_estimated = ma.fields.Boolean(required=True, metadata={
        "description": "A deadline fell in a year without holiday data: Monday–Friday assumed"})
    overdue = ma.fields.List(ma.fields.String(), required=True)
    verdict_reason = ma.fields.String(allow_none=True)
    decided_at = ma.fields.DateTime(allow_none=True)


class MyObjectionListSchema(ma.Schema):
    objections = ma.fields.List(ma.fields.Nested(MyObjectionSchema), required=True)


class RepairArgs(ma.Schema):
    record_id = ma.fields.Integer(required=True, strict=True, validate=ROW_ID)
    statement = ma.fields.String(required=True, validate=[*REASON, _blank_refused])
    commitment = ma.fields.Boolean(required=True, truthy={True}, falsy={False}, metadata={
        "description": "Must be true: the resident signs the scheme's credit commitment"})


class MyRepairSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    record_id = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True,
                              metadata={"description": "submitted | approved | refused"})
    commitment_text = ma.fields.String(required=True)
    filed_at = ma.fields.DateTime()
    decision_reason = ma.fields.String(allow_none=True)


class MyRepairListSchema(ma.Schema):
    repairs = ma.fields.List(ma.fields.Nested(MyRepairSchema), required=True)
