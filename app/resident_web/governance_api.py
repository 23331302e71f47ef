"""The signed-in resident's objections and repair applications as JSON (DESIGN §10)."""
from flask.views import MethodView

from app.core.extensions import db, limiter
from app.governance import objections, repairs
from app.governance.schemas import (
    MyObjectionListSchema,
    MyObjectionSchema,
    MyRepairListSchema,
    MyRepairSchema,
    ObjectionArgs,
    RepairArgs,
)
from app.resident_web.api import blp, resident_key
from app.resident_web.blueprint import current_resident, resident_required


def objection_view(objection) -> dict:
    return {"id": objection.id, "record_id": objection.record_id,
            "redemption_id": objection.redemption_id, "status": objection.status,
            "filed_at": objection.filed_at, "deadlines": objection.deadlines,
            "deadlines_estimated": objection.deadlines_estimated,
            "overdue": objections.overdue_steps(objection),
            "verdict_reason": objection.verdict_reason, "decided_at": objection.decided_at}


@blp.route("/objections")
class MyObjections(MethodView):
    decorators = [resident_required()]

    @blp.response(200, MyObjectionListSchema)
    @blp.alt_response(401, description="Not signed in as a resident")
    def get(self):
        """My objections, newest first, with every deadline and what is overdue."""
        return {"objections": [objection_view(o)
                               for o in objections.resident_objections(current_resident())]}

    @limiter.limit("10/hour", key_func=resident_key)
    @blp.arguments(ObjectionArgs)
    @blp.response(201, MyObjectionSchema)
    @blp.alt_response(401, description="Not signed in as a resident")
    @blp.alt_response(404, description="Not my record (or no default open to objection)")
    @blp.alt_response(409, description="Record not in force, or an objection already under way")
    @blp.alt_response(422, description="Invalid input")
    @blp.alt_response(429, description="Too many objections filed")
    def post(self, args):
        """Object to one of my records (or a reported default in its grace period); it is
        forwarded to the issuing department at once and keeps counting meanwhile."""
        objection = objections.file_objection(
            current_resident(), args["reason"], record_id=args.get("record_id"),
            redemption_id=args.get("redemption_id"))
        db.session.commit()
        return objection_view(objection)


@blp.route("/objections/<id:objection_id>")
@resident_required()
@blp.response(200, MyObjectionSchema)
@blp.alt_response(401, description="Not signed in as a resident")
@blp.alt_response(404, description="Not my objection")
def my_objection(objection_id):
    """One of my objections."""
    return objection_view(objections.resident_objection(current_resident(), objection_id))


@blp.route("/objections/<id:objection_id>/withdraw", methods=["POST"])
@resident_required()
@blp.response(200, MyObjectionSchema)
@blp.alt_response(401, description="Not signed in as a resident")
@blp.alt_response(404, description="Not my objection")
@blp.alt_response(409, description="Already decided or withdrawn")
def withdraw_objection(objection_id):
    """Withdraw an objection still under way."""
    objection = objections.withdraw(current_resident(), objection_id)
    db.session.commit()
    return objection_view(objection)


@blp.route("/repairs")
class MyRepairs(MethodView):
    decorators = [resident_required()]

    @blp.response(200, MyRepairListSchema)
    @blp.alt_response(401, description="Not signed in as a resident")
    def get(self):
        """My credit repair applications, newest first."""
        return {"repairs": repairs.repairs_of(current_resident().person_id)}

    @limiter.limit("10/hour", key_func=resident_key)
    @blp.arguments(RepairArgs)
    @blp.response(201, MyRepairSchema)
    @blp.alt_response(401, description="Not signed in as a resident")
    @blp.alt_response(404, description="Not my record")
    @blp.alt_response(409, description="Not repairable (yet), or an application under review")
    @blp.alt_response(422, description="Invalid input or the commitment not signed")
    @blp.alt_response(429, description="Too many applications")
    def post(self, args):
        """Apply for credit repair of an eligible record, signing the scheme's commitment."""
        repair = repairs.file_repair(current_resident(), args["record_id"], args["statement"],
                                     args["commitment"])
        db.session.commit()
        return repair
