import click
from flask.cli import AppGroup

from app.core.audit import seal, verify_chain
from app.core.extensions import db

audit_group = AppGroup("audit", help="The tamper-evident audit log.")


@audit_group.command("seal")
def seal_command():
    """Chain the entries appended since the last sealing."""
    sealed = seal()
    db.session.commit()
    click.echo(f"sealed {sealed} audit entries")


@audit_group.command("verify")
def verify():
    """Seal what is unsealed, recompute the hash chain and report the first altered entry."""
    seal()
    db.session.commit()
    checked, broken = verify_chain()
    if broken is not None:
        click.echo(f"audit chain BROKEN at entry {broken} (after {checked} good entries)", err=True)
        raise SystemExit(1)
    click.echo(f"audit chain intact: {checked} entries")
