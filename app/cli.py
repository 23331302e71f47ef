"""The `flask` command line: each domain contributes its own group."""


def register(app):
    from app.admin.commands import admin_group
    from app.catalogue.commands import scheme
    from app.core.calendar_commands import calendar_group
    from app.core.commands import audit_group
    from app.core.job_commands import jobs_group
    from app.credit_codes.commands import credit_keys
    from app.demo.commands import demo
    from app.governance.commands import objections, repairs
    from app.governance.retention_commands import retention
    from app.partners.commands import partners
    from app.records.commands import records
    from app.scoring.commands import scores
    from app.verification.commands import redemptions

    for command in (admin_group, scheme, audit_group, jobs_group, demo, records, scores,
                    credit_keys, redemptions, calendar_group, objections, repairs, retention,
                    partners):
        app.cli.add_command(command)
