"""Query counts of the resident's pages: they do not grow with records, benefits or merchants."""
import pytest

from tests.resident_support import add_benefit, sign_in

PAGES = ["/", "/records", "/score/explained", "/benefits", "/api/v1/me/score"]


def page_queries(client, count_queries, path):
    client.get(path)  # caches (scheme rules, translations) filled once per process
    with count_queries() as queries:
        response = client.get(path)
    assert response.status_code == 200
    return queries.count


@pytest.mark.parametrize("path", PAGES)
def test_pages_cost_the_same_for_one_record_or_ten(app, make_resident, count_queries, path):
    few = make_resident(records=[("tax_paid_on_time", 30)])
    many = make_resident(records=[("tax_paid_on_time", 30 + i) for i in range(5)]
                         + [("blood_donation", 3 + i) for i in range(5)])
    counts = []
    for resident in (few, many):
        client = app.test_client()
        sign_in(client, resident)
        counts.append(page_queries(client, count_queries, path))
    assert counts[0] == counts[1]


def test_benefits_page_costs_the_same_for_one_benefit_or_six(client, make_resident,
                                                              count_queries):
    resident = make_resident(records=[("tax_paid_on_time", 30)])
    sign_in(client, resident)
    add_benefit()
    one = page_queries(client, count_queries, "/benefits")
    for _ in range(5):
        add_benefit()
    assert page_queries(client, count_queries, "/benefits") == one
