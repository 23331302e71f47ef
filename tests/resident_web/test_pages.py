"""What a signed-in resident sees: score, tier, dimensions, trend, hints, records, explanation,
benefits, and the score API."""
import html
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core.extensions import db
from app.core.time import city_today
from app.records.models import CreditRecord
from app.scoring.models import ScoreHistory
from app.scoring.services import rescore_people
from tests.resident_support import add_benefit, sign_in


def _text(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _testid(html, name):
    value = re.search(rf'data-testid="{name}">([^<]+)<', html).group(1)
    return int(value.replace("−", "-").replace("+", ""))


@pytest.fixture
def mixed(make_resident):
    """+5 tax, blood donation three times (yearly cap 10), three honours (dimension cap 30),
    a minor penalty (−5) and a revoked penalty."""
    resident = make_resident(records=[
        ("tax_paid_on_time", 30), ("blood_donation", 5), ("blood_donation", 4),
        ("blood_donation", 3), ("honour_moral_model", 20), ("honour_heroic_act", 21),
        ("honour_model_worker", 22), ("admin_penalty_minor", 10), ("admin_penalty_major", 12),
    ])
    record = db.session.scalar(select(CreditRecord).filter_by(
        person_id=resident.person_id, type_code="admin_penalty_major"))
    record.status = "revoked"
    rescore_people([resident.person_id])
    return resident


def test_home_shows_score_tier_dimensions_trend_and_hints(client, mixed):
    sign_in(client, mixed)
    html = client.get("/").get_data(as_text=True)
    # 100 + 5 tax + 10 blood (capped) + 30 honours (capped) − 5 penalty
    assert _testid(html, "score") == 140
    assert 'data-testid="tier">信用优秀<' in html
    text = _text(html)
    for name in ("身份特质", "履约守信", "遵纪守法", "社会公益", "荣誉表彰"):
        assert name in text
    assert "近 12 个月" in text and 'class="trend-line"' in html
    assert "如何提升" in text
    assert "无偿献血" not in text.split("如何提升")[1]  # a kind of record they already have
    assert "基本养老保险连续缴费" in text.split("如何提升")[1]


def test_trend_uses_the_score_history(client, make_resident):
    resident = make_resident()
    today = city_today()
    db.session.add(ScoreHistory(person_id=resident.person_id, day=today - timedelta(days=200),
                                score=87, tier="minor_dishonesty"))
    db.session.flush()
    sign_in(client, resident)
    html = client.get("/").get_data(as_text=True)
    table = html.split("<tbody>")[-1]
    assert "<td>87</td>" in table and "<td>100</td>" in table


def test_records_list_every_record_in_plain_language(client, mixed):
    sign_in(client, mixed)
    html = client.get("/records").get_data(as_text=True)
    assert html.count("data-record-id=") == 9
    text = _text(html)
    assert "按期足额纳税" in text
    assert "测试部门" in text  # the department that sent it
    assert "已被部门撤销：不计分" in text and "已撤销" in text
    assert "未计分：此类记录已达到年度上限" in text
    assert "全额计分" in text
    assert html.count('class="record not-counted"') == 2  # revoked + fully capped blood donation
    assert "faded_out" not in text and "full" not in text.split("我的记录")[1]  # no engine codes


def test_explanation_adds_up_to_the_score(client, mixed):
    sign_in(client, mixed)
    html = client.get("/score/explained").get_data(as_text=True)
    base, added, deducted = (_testid(html, n) for n in ("base", "added", "deducted"))
    adjusted, total = _testid(html, "adjusted"), _testid(html, "total")
    assert base + added + deducted + adjusted == total == 140
    assert (base, added, deducted, adjusted) == (100, 60, -5, -15)
    text = _text(html)
    assert "本维度上限" in text and "单类记录年度上限" in text and "2026.1" in text


def test_explanation_in_english(client, mixed):
    sign_in(client, mixed)
    text = _text(client.get("/score/explained?lang=en").get_data(as_text=True))
    assert "Base score" in text and "Upper limit of this dimension" in text
    assert "Honours & awards" in text


def test_benefits_are_grouped_and_explain_why_not_yet(client, make_resident):
    resident = make_resident(records=[("blood_donation", 3)])  # 105: 信用良好
    add_benefit(code="t_bike", scene="信易行", name="单车免押", min_tier="good",
                merchant_name="测试单车公司")
    add_benefit(code="t_hotel", scene="信易游", name="酒店免押", min_tier="very_good")
    add_benefit(code="t_loan", scene="信易贷", name="快速贷款", min_tier=None, min_score=130)
    sign_in(client, resident)
    html = client.get("/benefits").get_data(as_text=True)
    bike = html.split('data-benefit="t_bike"')[1].split("</li>")[0]
    hotel = html.split('data-benefit="t_hotel"')[1].split("</li>")[0]
    loan = html.split('data-benefit="t_loan"')[1].split("</li>")[0]
    assert "可享受" in bike and "测试单车公司" in bike
    assert "暂未达到" in hotel and "需要达到“信用优秀”或以上" in hotel
    assert "需要信用分达到 130 分或以上" in loan
    assert "<h2" in html and "信易行" in html and "信易游" in html


def test_a_serious_record_makes_every_benefit_unavailable(client, make_resident):
    resident = make_resident(records=[("honour_moral_model", 5), ("honour_heroic_act", 5),
                                      ("tax_serious_violation", 3)])
    add_benefit(code="t_any", min_tier="poor")
    sign_in(client, resident)
    html = client.get("/benefits").get_data(as_text=True)
    item = html.split('data-benefit="t_any"')[1].split("</li>")[0]
    # the true reason, not "暂未达到" for a benefit no score can unlock now
    assert "不可用" in item and "暂未达到" not in item and "存在生效中的严重失信记录" in item
    assert 'class="benefit eligible"' not in html
    assert "严重失信记录" in client.get("/").get_data(as_text=True)


def test_score_api_matches_the_contract(client, mixed):
    sign_in(client, mixed)
    response = client.get("/api/v1/me/score")
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.get_json()
    assert set(body) == {"score", "tier", "as_of", "scheme_version", "dimensions", "contributions"}
    assert body["score"] == 140 and body["tier"] == {"code": "very_good", "name": "信用优秀"}
    assert body["scheme_version"] == "2026.1" and body["as_of"] == city_today().isoformat()
    assert [d["code"] for d in body["dimensions"]] == ["identity", "fulfilment", "law", "social",
                                                       "honours"]
    assert all(set(d) == {"code", "name", "points"} for d in body["dimensions"])
    assert len(body["contributions"]) == 9
    assert all(set(c) == {"record_id", "type", "points", "counted", "note"}
               for c in body["contributions"])
    revoked = [c for c in body["contributions"] if c["type"] == "admin_penalty_major"]
    assert revoked == [{"record_id": revoked[0]["record_id"], "type": "admin_penalty_major",
                        "points": 0, "counted": False, "note": "revoked"}]
    total = 100 + sum(d["points"] for d in body["dimensions"])
    assert total == body["score"]
    english = client.get("/api/v1/me/score?lang=en").get_json()
    assert english["tier"]["name"] == "Very good"


def test_score_api_needs_a_resident_session(client):
    response = client.get("/api/v1/me/score")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize("url", ["/", "/login", "/register"])
def test_public_pages_render_for_visitors(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert 'lang="zh-CN"' in response.get_data(as_text=True)


def test_landing_page_offers_sign_in_and_registration(client):
    text = _text(client.get("/").get_data(as_text=True))
    assert "登录" in text and "注册" in text and "信用郑州" in text


def test_pages_show_the_stored_score_that_merchants_check(client, make_resident):
    """Between nightly runs a fading record makes today's score differ from the stored one; the
    pages explain the stored score (on its own date), which is what a merchant's check uses."""
    from app.catalogue.services import current_scheme, record_type
    from app.scoring.models import Score
    from app.scoring.services import explain

    rule = record_type(current_scheme(), "tax_paid_on_time")
    age = rule.full_days + rule.fade_days // 2  # fading a little every day
    resident = make_resident(records=[("tax_paid_on_time", age)])
    last_run = city_today() - timedelta(days=rule.fade_days // 2)
    rescore_people([resident.person_id], as_of=last_run)
    stored = db.session.get(Score, resident.person_id)
    assert explain(resident.person_id).score != stored.score  # the two really differ
    sign_in(client, resident)
    body = client.get("/api/v1/me/score").get_json()
    assert body["as_of"] == last_run.isoformat()
    assert body["score"] == stored.score == db.session.get(Score, resident.person_id).score
    page = client.get("/score/explained").get_data(as_text=True)
    assert _testid(page, "total") == stored.score
    assert _testid(client.get("/").get_data(as_text=True), "score") == stored.score
