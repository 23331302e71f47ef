"""`flask repairs ...` and `flask objections ...`: operators decide repairs and may step into
objections (the operators' console calls the same services)."""
import getpass

import click
from flask.cli import AppGroup

from app.core.errors import ApiError
from app.core.extensions import db
from app.governance import objections as objection_services
from app.governance import repairs as repair_services
from app.governance.models import Objection
from app.residents.access import log_access

repairs = AppGroup("repairs", help="Credit repair applications (信用修复).")
objections = AppGroup("objections", help="Objections (异议) and their deadlines.")

_OPERATOR = click.option("--operator", default=getpass.getuser, show_default="the shell user",
                         help="Who decides, as written in the audit log.")


def _done(call):
    try:
        result = call()
    except ApiError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    return result


@repairs.command("list")
@_OPERATOR
def list_repairs(operator):
    """Applications waiting for a decision, oldest first (each read in the access log)."""
    for repair in repair_services.submitted_repairs():
        log_access(repair.person_id, "operator", operator, repair_services.WHAT_REPAIR,
                   repair_services.PURPOSE_DECIDING_REPAIR)
        click.echo(f"{repair.id}\trecord {repair.record_id}\tfiled {repair.filed_at:%Y-%m-%d}\t"
                   f"{repair.statement[:60]}")
    db.session.commit()


@repairs.command("approve")
@click.argument("repair_id", type=int)
@click.option("--reason", required=True)
@_OPERATOR
def approve(repair_id, reason, operator):
    """Approve: the record stops counting and the score is recomputed at once."""
    _done(lambda: repair_services.decide_repair(repair_id, operator, True, reason))
    click.echo(f"repair {repair_id} approved")


@repairs.command("refuse")
@click.argument("repair_id", type=int)
@click.option("--reason", required=True)
@_OPERATOR
def refuse(repair_id, reason, operator):
    """Refuse, with the reasons the resident will read."""
    _done(lambda: repair_services.decide_repair(repair_id, operator, False, reason))
    click.echo(f"repair {repair_id} refused")


@objections.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only objections under way.")
def list_objections(only_open):
    """Objections with their deadlines; overdue steps are marked."""
    query = db.select(Objection).order_by(Objection.filed_at)
    if only_open:
        query = query.where(Objection.status.in_(("submitted", "forwarded")))
    for o in db.session.scalars(query):
        overdue = objection_services.overdue_steps(o)
        click.echo(f"{o.id}\t{o.status}\tverdict by {o.verdict_by}\tfinal by {o.final_by}"
                   + (f"\tOVERDUE: {', '.join(overdue)}" if overdue else ""))


@objections.command("decide")
@click.argument("objection_id", type=int)
@click.argument("verdict", type=click.Choice(objection_services.VERDICTS))
@click.option("--reason", required=True)
@_OPERATOR
def decide(objection_id, verdict, reason, operator):
    """Step in for the department: upheld revokes the record (or annuls a default)."""
    objection = _done(lambda: objection_services.decide(objection_id, verdict, reason,
                                                        f"operator:{operator}"))
    objection_services.tell_resident_of_verdict(objection)
    click.echo(f"objection {objection_id} {verdict}")
