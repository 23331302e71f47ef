"""The console's dashboard: residents by tier and score, records in, verifications and
redemptions, and the background jobs, as server-drawn charts."""
from flask import render_template
from flask_babel import get_locale
from flask_babel import gettext as _

from app.admin import stats
from app.admin.access import EVERYONE, role_required
from app.admin.blueprint import bp
from app.admin.charts import PALETTE, Series, bar_chart

LABEL_EVERY = 5  # of the 30 days, every fifth is labelled


def _top(series, keep=len(PALETTE) - 1):
    """The largest series, the rest summed as one (a chart has only so many colours)."""
    if len(series) <= keep + 1:
        return series
    rest = [sum(values) for values in zip(*(v for _k, v in series[keep:]))]
    return series[:keep] + [(_("Others"), rest)]


def _name(item) -> str:
    return item.name_en if str(get_locale()) == "en" and item.name_en else item.name


def _daily(series, days):
    labels = [f"{d:%m-%d}" for d in days]
    return bar_chart(labels, [Series(str(name), values) for name, values in _top(series)],
                     stacked=True, label_every=LABEL_EVERY)


@bp.get("/dashboard", endpoint="dashboard")
@role_required(*EVERYONE)
def dashboard_page():
    days = stats.last_days()
    tiers = stats.residents_by_tier()
    bins = stats.score_bins()
    records = stats.records_per_department(days)
    verifications = stats.verifications_per_day(days)
    scenes = stats.redemptions_per_scene(days)
    decided = {"verification.granted": _("Granted"), "verification.denied": _("Denied")}
    charts = {
        "tiers": bar_chart([_name(t) for _c, t, _n in tiers],
                           [Series(_("Residents"), [n for _c, _t, n in tiers])]),
        "scores": bar_chart([str(low) for low, _h, _n in bins],
                            [Series(_("Residents"), [n for _l, _h, n in bins])], label_every=2),
        "records": _daily(records, days),
        "verifications": _daily([(decided[a], v) for a, v in verifications], days),
        "scenes": _daily(scenes, days),
    }
    return render_template(
        "admin/dashboard.html", charts=charts, figures=stats.headline(),
        queues=stats.queues_due(),
        tier_rows=[(_name(t), n) for _c, t, n in tiers],
        score_rows=[(f"{low}–{high}", n) for low, high, n in bins],
        outcomes=stats.redemption_outcomes(days), runs=stats.last_runs(),
        queue=stats.queue_status())
