"""A new scheme version: checked with every problem named, compared with the one in force, and
tried on a sample of residents without writing anything."""
import pytest
from sqlalchemy import func, select

from app.admin.schemes import diff_schemes, dry_run
from app.catalogue.models import Scheme
from app.catalogue.services import current_scheme, parse_scheme
from app.catalogue.validation import SchemeError
from app.core.audit import AuditEntry
from app.core.extensions import db
from app.scoring.models import Score, ScoreHistory
from tests.admin.console_support import english  # noqa: F401 - a fixture
from tests.admin.scheme_files import DEFAULT, scheme_text, set_value


def test_the_default_file_passes_and_fills_optional_fields():
    data = parse_scheme(DEFAULT)
    assert data["version"] == "2026.1" and len(data["record_types"]) == 40
    added = parse_scheme(scheme_text("2026.2", added=True))["record_types"][-1]
    assert added["code"] == "community_mediation"
    assert (added["severity"], added["cap_per_year"], added["unit_size"], added["state"]) == (
        "", 0, 1, False)


@pytest.mark.parametrize("edit, expected", [
    (lambda t: t.replace("[[tiers]]", "[[tiers", 1), "not valid TOML"),
    (lambda t: set_value(t, "record_types", "blood_donation", "dimension", '"charity"'),
     "blood_donation: unknown dimension charity"),
    (lambda t: set_value(t, "record_types", "drink_driving", "severity", '""'),
     "drink_driving: a negative type needs a severity"),
    (lambda t: set_value(t, "record_types", "drink_driving", "fade_days", "2000"),
     "drink_driving: retention_days must cover full_days + fade_days"),
    (lambda t: set_value(t, "record_types", "blood_donation", "issuers", "[]"),
     "blood_donation: issuers must name at least one department code"),
    (lambda t: set_value(t, "record_types", "blood_donation", "points", "-5"),
     "blood_donation: points must be above 0"),
    (lambda t: set_value(t, "record_types", "blood_donation", "points", '"five"'),
     "blood_donation: points must be a whole number"),
    (lambda t: set_value(t, "record_types", "blood_donation", "code", '"charity_donation"'),
     "the code charity_donation appears twice"),
    (lambda t: set_value(t, "record_types", "blood_donation", "legal_basis", '""'),
     "blood_donation: legal_basis is missing"),
    (lambda t: set_value(t, "tiers", "good", "min_score", "120"),
     "Two tiers have the same minimum score"),
    (lambda t: set_value(t, "dimensions", "law", "floor", "5"),
     "Dimension law: the floor must be 0 or below"),
    (lambda t: t.replace("base = 100", "base = 300"), "min_score ≤ base ≤ max_score"),
    (lambda t: t.replace('published_on = "2026-01-01"', 'published_on = "soon"'),
     "published_on must be a date"),
])
def test_a_file_with_a_problem_is_refused_naming_it(english, edit, expected):
    with pytest.raises(SchemeError) as caught:
        parse_scheme(edit(scheme_text("2026.2")))
    assert any(expected in problem for problem in caught.value.problems), caught.value.problems


def test_every_problem_of_a_file_is_named_at_once(english):
    text = set_value(scheme_text("2026.2"), "record_types", "blood_donation", "dimension", '"x"')
    text = set_value(text, "record_types", "drink_driving", "severity", '"grave"')
    with pytest.raises(SchemeError) as caught:
        parse_scheme(text)
    assert len(caught.value.problems) == 2


def test_the_diff_names_what_was_added_removed_and_changed(app):
    new = parse_scheme(scheme_text("2026.2", points={"blood_donation": 7},
                                   tier_minimums={"good": 100}, removed=["fare_evasion"],
                                   added=True))
    diff = diff_schemes(current_scheme().source, new)
    types = diff.record_types
    assert [t["code"] for t in types.added] == ["community_mediation"]
    assert [t["code"] for t in types.removed] == ["fare_evasion"]
    assert types.changed == [{"code": "blood_donation", "name": "无偿献血",
                              "fields": [("points", 5, 7)]}]
    assert diff.tiers.changed == [{"code": "good", "name": "信用良好",
                                   "fields": [("min_score", 95, 100)]}]
    assert not diff.dimensions and diff.scheme == []


def test_the_same_rules_under_a_new_version_differ_in_nothing(app):
    assert not diff_schemes(current_scheme().source, parse_scheme(scheme_text("2026.2")))


def _row_counts():
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Score, ScoreHistory, AuditEntry, Scheme)}


def test_a_dry_run_shows_the_change_and_writes_nothing(app, make_resident, count_queries):
    donor = make_resident(records=[("organ_donor_registration", 10)])
    driver = make_resident(records=[("traffic_violation", 10)])
    make_resident()
    db.session.flush()
    stored = {r.person_id: db.session.get(Score, r.person_id).score for r in (donor, driver)}
    new = parse_scheme(scheme_text("2026.2", points={"organ_donor_registration": 9,
                                                     "traffic_violation": 32}))
    counts = _row_counts()
    with count_queries() as queries:
        result = dry_run(new)
    assert queries.count <= 6  # the same few queries for any sample size
    assert _row_counts() == counts
    assert {r.person_id: db.session.get(Score, r.person_id).score
            for r in (donor, driver)} == stored
    assert current_scheme().version == "2026.1"
    assert result.raised >= 1 and result.lowered >= 1
    assert result.sample == result.residents >= 3
    assert sum(b for _c, _n, b, _a in result.tiers) == result.sample
    assert sum(a for _c, _n, _b, a in result.tiers) == result.sample
    assert sum(b for _l, _h, b, _a in result.bins) == result.sample
    # the traffic violation now costs 32 points: the driver's 98 becomes 68, below 70
    assert stored[driver.person_id] == 98
    assert dict((c, a - b) for c, _n, b, a in result.tiers)["poor"] >= 1


def test_reusing_a_published_version_is_refused(english):
    from app.admin.schemes import check_new_version

    with pytest.raises(SchemeError, match="2026.1"):
        check_new_version(parse_scheme(DEFAULT))
