"""Query counts of the merchants' hot paths: a verification, and the redemption list."""
from tests.verification_support import bearer, issue, verify


def test_a_verification_is_a_fixed_handful_of_statements(app, client, make_resident, make_merchant,
                                                          count_queries):
    merchant = make_merchant()
    benefit = merchant.benefits[0]
    # the first call fills the per-process caches (API key, offer, scheme rules, signing key)
    assert verify(client, merchant, issue(make_resident()), benefit).get_json()["decision"] == "granted"
    token = issue(make_resident(records=[("blood_donation", 3)]))  # a stored score
    body = {"token": token, "benefit": benefit.code}
    with count_queries() as queries:
        response = client.post("/api/v1/verifications", json=body, headers=bearer(merchant))
    assert response.get_json()["decision"] == "granted"
    # the resident with score, serious records and prior use; the redemption; the audit entry;
    # the resident's access-log entry: on PostgreSQL one statement decides and writes them all
    # (SQLite, in process, cannot put an INSERT in a WITH and sends each on its own)
    postgres = app.extensions["sqlalchemy"].engine.dialect.name == "postgresql"
    assert queries.count == (1 if postgres else 4), queries
    for table in ("redemptions", "audit_entries", "access_entries"):
        assert sum(f"INSERT INTO {table}" in q for q in queries) == 1, queries


def test_redemption_list_does_not_grow_with_its_rows(client, make_resident, make_merchant,
                                                     count_queries):
    merchant = make_merchant()
    benefit = merchant.benefits[0]

    def listing():
        with count_queries() as queries:
            response = client.get("/api/v1/redemptions", headers=bearer(merchant))
        assert response.status_code == 200
        return len(response.get_json()["redemptions"]), queries.count

    verify(client, merchant, issue(make_resident()), benefit)
    one = listing()
    for _ in range(4):
        verify(client, merchant, issue(make_resident()), benefit)
    five = listing()
    assert (one[0], five[0]) == (1, 5)
    assert five[1] == one[1]
