"""The `flask` command line: each domain contributes its own group."""


def register(app):
    from app.catalogue.commands import scheme
    from app.core.calendar_commands import calendar_group
    from app.core.commands import audit_group
    from app.core.job_commands import jobs_group
    from app.credit_codes.commands import credit_keys
    from app.demo.commands import demo
    from app.partners.commands import partners
    from app.governance.commands import objections, repairs
    from app.governance.retention_commands import retention
    from app.records.commands import records
    from app.scoring.commands import scores
    from app.verification.commands import redemptions

    for command in (scheme, audit_group, jobs_group, demo, records, scores, credit_keys,
                    redemptions, partners, calendar_group, objections, repairs, retention):
        app.cli.add_command(command)
