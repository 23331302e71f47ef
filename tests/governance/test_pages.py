"""The resident's screens: object from the records page (with evidence), follow the status and
every deadline, the calendar warning, and a personal "How to improve"."""
import io
from datetime import date, timedelta

from sqlalchemy import select

from app.core.extensions import db
from app.core.time import city_today
from app.governance.attachments import attachments_of
from app.governance.models import Objection
from tests.governance.support import record_of, signed_in
from tests.resident_support import form_token

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _none_filed(resident):
    return db.session.scalar(select(Objection.id).filter_by(person_id=resident.person_id)) is None


def test_objecting_from_the_records_page_with_evidence(client, make_resident):
    resident = make_resident(records=[("fare_evasion", 40)])
    record = record_of(resident, "fare_evasion")
    signed_in(client, resident)
    records = client.get("/records").get_data(as_text=True)
    url = f"/records/{record.id}/object"
    assert f'href="{url}"' in records
    token = form_token(client, url)
    response = client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "reason": "当天不在郑州",
        "evidence": [(io.BytesIO(PNG), "ticket.png"), (io.BytesIO(b"%PDF-1.7 x"), "hotel.pdf")]})
    assert response.status_code == 303, response.get_data(as_text=True)
    objection = db.session.scalar(select(Objection).filter_by(person_id=resident.person_id))
    assert response.headers["Location"].endswith(f"/objections/{objection.id}")
    kinds = [a.content_type for a in attachments_of("objection", objection.id)]
    assert kinds == ["image/png", "application/pdf"]
    page = client.get(f"/objections/{objection.id}").get_data(as_text=True)
    for key in ("forward_by", "verdict_by", "notify_by", "final_by"):
        assert f'data-testid="{key}"' in page
    assert 'data-testid="calendar-warning"' not in page
    # the records page now links to the objection under way instead
    assert f'/objections/{objection.id}' in client.get("/records").get_data(as_text=True)


def test_files_that_are_not_images_or_pdfs_are_refused(client, make_resident):
    resident = make_resident(records=[("fare_evasion", 40)])
    record = record_of(resident, "fare_evasion")
    signed_in(client, resident)
    url = f"/records/{record.id}/object"
    token = form_token(client, url)
    for name, data, status in [("photo.png", b"MZ\x90\x00 not a png", 415),
                               ("big.pdf", b"%PDF-" + b"0" * (2 * 1024 * 1024), 413)]:
        response = client.post(url, content_type="multipart/form-data", data={
            "csrf_token": token, "reason": "证据", "evidence": [(io.BytesIO(data), name)]})
        assert response.status_code == status
        assert _none_filed(resident)
    many = [(io.BytesIO(PNG), f"{i}.png") for i in range(4)]
    response = client.post(url, content_type="multipart/form-data", data={
        "csrf_token": token, "reason": "证据", "evidence": many})
    assert response.status_code == 422 and _none_filed(resident)
    # a missing reason is a friendly form error, not a crash
    response = client.post(url, data={"csrf_token": token, "reason": ""})
    assert response.status_code == 422


def test_a_deadline_in_a_year_without_calendar_data_is_flagged(client, make_resident,
                                                               monkeypatch):
    # filed on 28 December 2026: the deadlines reach 2027, which has no holiday data yet
    monkeypatch.setattr("app.governance.objections.city_today", lambda: date(2026, 12, 28))
    monkeypatch.setattr("app.resident_web.governance_pages.city_today", lambda: date(2026, 12, 28))
    resident = make_resident(records=[("fare_evasion", 40)])
    record = record_of(resident, "fare_evasion")
    headers = signed_in(client, resident)
    form = client.get(f"/records/{record.id}/object").get_data(as_text=True)
    assert 'data-testid="calendar-warning"' in form
    body = client.post("/api/v1/me/objections", headers=headers,
                       json={"record_id": record.id, "reason": "不是我"}).get_json()
    assert body["deadlines_estimated"] is True
    # Monday to Friday assumed: 29–31 December, then 1 January 2027 counts, …
    assert body["deadlines"]["forward_by"] == "2027-01-04"
    page = client.get(f"/objections/{body['id']}").get_data(as_text=True)
    assert 'data-testid="calendar-warning"' in page
    # a filing whose deadlines stay within 2026 carries no warning
    monkeypatch.setattr("app.resident_web.governance_pages.city_today", lambda: date(2026, 11, 2))
    form = client.get(f"/records/{record.id}/object").get_data(as_text=True)
    assert 'data-testid="calendar-warning"' not in form


def test_how_to_improve_is_personal(client, make_resident):
    resident = make_resident(records=[("fare_evasion", 120), ("utility_arrears", 30)])
    fare = record_of(resident, "fare_evasion")
    arrears = record_of(resident, "utility_arrears")
    signed_in(client, resident)
    page = client.get("/score/improve").get_data(as_text=True)
    # fare evasion: full for 180 days, fading for 185 more; repair open after 90 days
    occurred = city_today() - timedelta(days=120)
    assert f'data-record-id="{fare.id}"' in page and f'data-record-id="{arrears.id}"' in page
    assert f"/records/{fare.id}/repair" in page
    assert f"/records/{arrears.id}/repair" not in page  # ongoing arrears: settle first
    assert f"/records/{arrears.id}/object" in page and f"/records/{fare.id}/object" in page
    from flask_babel import format_date

    with client.application.test_request_context(headers={"Accept-Language": "zh-CN"}):
        ends = format_date(occurred + timedelta(days=365), "medium")
    assert ends in page
    # honours come after the negative records
    assert page.index(f'data-record-id="{arrears.id}"') < page.index('class="hints"')


def test_deadline_dates_are_on_the_page_in_order(client, make_resident):
    resident = make_resident(records=[("fare_evasion", 40)])
    headers = signed_in(client, resident)
    body = client.post("/api/v1/me/objections", headers=headers, json={
        "record_id": record_of(resident, "fare_evasion").id, "reason": "不是我"}).get_json()
    deadlines = [date.fromisoformat(body["deadlines"][k])
                 for k in ("forward_by", "verdict_by", "notify_by", "final_by")]
    assert deadlines[0] <= deadlines[1] < deadlines[2] < deadlines[3]
    assert client.get("/objections").status_code == 200


def test_the_department_reads_the_evidence_and_no_one_else(client, api, make_department,
                                                           make_resident):
    metro = make_department(issues="fare_evasion")
    other = make_department()
    resident = make_resident(records=[("fare_evasion", 40)])
    record = record_of(resident, "fare_evasion")
    signed_in(client, resident)
    url = f"/records/{record.id}/object"
    client.post(url, content_type="multipart/form-data", data={
        "csrf_token": form_token(client, url), "reason": "有车票",
        "evidence": [(io.BytesIO(PNG), "ticket.png")]})
    objection = db.session.scalar(select(Objection).filter_by(person_id=resident.person_id))
    key = {"Authorization": f"Bearer {metro.plain_key}"}
    listed = api.get(f"/api/v1/objections/{objection.id}", headers=key).get_json()
    (item,) = listed["attachments"]
    assert item["content_type"] == "image/png" and item["size"] == len(PNG)
    path = f"/api/v1/objections/{objection.id}/attachments/{item['id']}"
    response = api.get(path, headers=key)
    assert response.status_code == 200 and response.data == PNG
    assert response.mimetype == "image/png"
    assert api.get(path, headers={"Authorization": f"Bearer {other.plain_key}"}).status_code == 404
    assert api.get(path).status_code == 401
    assert api.get(f"{path}0", headers=key).status_code == 404
