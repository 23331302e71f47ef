"""The catalogue publishes who may issue each type, its retention, the deciding-document rule,
repair eligibility and the credit commitment (issue 8 items 1, 2 and 5)."""
import copy

import pytest

from app.catalogue.services import SCHEMES_DIR, SchemeError, current_rules, read_scheme_file
from app.catalogue.validation import check_scheme

SCHEME = read_scheme_file(SCHEMES_DIR / "2026.1.toml")


def test_every_type_names_its_issuers_and_negatives_their_retention_and_repair(client):
    body = client.get("/api/v1/catalogue").get_json()
    assert "信用承诺" in body["commitment_text"] or "承诺" in body["commitment_text"]
    types = {t["code"]: t for t in body["record_types"]}
    for t in types.values():
        assert t["issuers"] and all(isinstance(code, str) for code in t["issuers"])
        assert isinstance(t["document_required"], bool)
        if t["polarity"] == "negative":
            assert t["retention_days"] == 1825
        else:
            assert t["retention_days"] is None and t["repair_after_days"] is None
    # only the court lists judgment debtors; the volunteers' federation lists nobody
    assert types["court_dishonest_debtor"]["issuers"] == ["court"]
    assert all("volunteers" not in t["issuers"] for t in types.values() if t["polarity"] == "negative")
    assert types["court_dishonest_debtor"]["document_required"] is True
    assert types["utility_arrears"]["document_required"] is False
    # repair: minor after three months, major after a year, court lists not through the centre
    assert types["admin_penalty_minor"]["repair_after_days"] == 90
    assert types["admin_penalty_major"]["repair_after_days"] == 365
    assert types["court_dishonest_debtor"]["repair_after_days"] is None


def test_the_openapi_spec_documents_the_fields(client):
    spec = client.get("/api/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    record_type = next(s for name, s in schemas.items() if name.startswith("RecordType"))
    for field in ("issuers", "retention_days", "document_required", "repair_after_days"):
        assert record_type["properties"][field].get("description")
    batch = schemas["RecordBatchArgs"]["properties"]["records"]["description"]
    assert "document_ref" in batch and "决定书文号" in batch and "issuers" in batch
    patch = schemas["RecordPatchArgs"]["properties"]["document_ref"]
    assert "决定书文号" in patch["description"]


def test_the_rules_carry_them_for_the_hot_paths(app):
    rules = current_rules()
    assert rules.types["tax_arrears"].issuers == ("tax",)
    assert rules.types["tax_arrears"].document_required
    assert rules.types["merchant_default"].issuers == ("xinyi_platform",)
    assert rules.commitment_text.startswith("本人郑重承诺")


def broken(change):
    data = copy.deepcopy(SCHEME)
    change({t["code"]: t for t in data["record_types"]})
    return data


@pytest.mark.parametrize("change", [
    lambda t: t["blood_donation"].pop("issuers"),
    lambda t: t["blood_donation"].update(issuers=[]),
    lambda t: t["tax_arrears"].update(retention_days=30),  # shorter than it counts
    lambda t: t["blood_donation"].update(retention_days=1825),  # positive types are not purged
    lambda t: t["tax_arrears"].update(repair_after_days=5000),
    lambda t: t["tax_arrears"].update(document_required="yes"),
])
def test_a_scheme_breaking_the_rules_is_not_published(change):
    with pytest.raises(SchemeError):
        check_scheme(broken(change))
