"""Two operators acting on the same thing at once: the second publishing of one scheme version
and the second rotation of one department's key are refused in a friendly way, never a 500 and
never a key shown as new that no longer works."""
import re
import time

import pytest

from app.admin import accounts, schemes
from app.admin.models import Operator
from app.catalogue.services import parse_scheme
from app.core import crypto
from app.core.extensions import db
from app.core.time import utcnow
from app.departments import services as department_services
from app.departments.models import Department
from app.merchants import services as merchant_services
from app.merchants.models import Merchant, merchant_benefits
from app.partners import services as partner_services
from app.partners.models import PartnerClient
from tests.admin.conftest import post, totp_code
from tests.partners.conftest import lender, tourism  # noqa: F401 - fixtures
from tests.verification_support import make_benefit, make_merchant  # noqa: F401 - fixtures
from tests.admin.scheme_files import scheme_text
from tests.verification_support import fresh_key_cache  # noqa: F401 - forgets the scheme cached


def test_a_version_published_meanwhile_by_another_operator_is_a_friendly_refusal(
        app, signed_in, monkeypatch):
    client = signed_in("operator")
    source = scheme_text("t-race-1")
    publish = schemes.publish

    def other_operator_first(data, actor):
        publish(parse_scheme(source), "operator:other")  # committed while this one checked
        return publish(data, actor)

    monkeypatch.setattr(schemes, "publish", other_operator_first)
    answer = post(client, "/admin/schemes/publish", {"source": source})
    assert answer.status_code == 409, answer.status_code
    assert "t-race-1" in answer.get_data(as_text=True)  # the version is named as taken


def test_a_key_rotated_meanwhile_by_another_operator_is_not_overwritten(
        app, signed_in, make_department, monkeypatch):
    client = signed_in("operator")
    department = make_department()
    others = crypto.new_api_key("dep")
    new_key = crypto.new_api_key

    def rotated_by_another_first(prefix):
        db.session.execute(Department.__table__.update()
                           .where(Department.id == department.id)
                           .values(api_key_hash=crypto.hash_api_key(others)))
        return new_key(prefix)

    monkeypatch.setattr(department_services.crypto, "new_api_key", rotated_by_another_first)
    answer = post(client, f"/admin/departments/{department.id}/key")
    monkeypatch.undo()
    page = answer.get_data(as_text=True)
    assert answer.status_code == 409, page
    assert "rotated" in page or "轮换" in page
    assert not re.search(r"dep_[A-Za-z0-9_-]{20,}", page)  # no key shown that would not work
    db.session.expire_all()
    assert db.session.get(Department, department.id).api_key_hash == crypto.hash_api_key(others)


def test_a_partner_secret_rotated_meanwhile_by_another_operator_is_not_overwritten(
        app, signed_in, lender, monkeypatch):
    client = signed_in("operator")
    others = "the-other-operators-new-secret"
    draw = partner_services.secrets.token_urlsafe

    def rotated_by_another_first(n):
        db.session.execute(PartnerClient.__table__.update()
                           .where(PartnerClient.id == lender.client.id)
                           .values(secret_hash=crypto.hash_api_key(others)))
        return draw(n)

    monkeypatch.setattr(partner_services.secrets, "token_urlsafe", rotated_by_another_first)
    answer = post(client, f"/admin/partners/{lender.partner.id}/clients/{lender.client.id}/secret")
    monkeypatch.undo()
    assert answer.status_code == 409, answer.status_code
    db.session.expire_all()
    assert db.session.get(PartnerClient, lender.client.id).secret_hash == crypto.hash_api_key(
        others)


def test_an_authenticator_enrolled_meanwhile_in_another_tab_is_not_enrolled_again(
        app, make_operator):
    """Two enrolment pages confirmed at once (with the codes of two steps): the second must not
    replace the recovery codes the first has just shown."""
    operator = make_operator("reviewer", enrolled=False)
    first_codes = accounts.enrol(operator, totp_code(operator, time.time() - 30))
    assert first_codes is not None
    db.session.execute(Operator.__table__.update().where(Operator.id == operator.id)
                       .values(totp_enrolled_at=None))
    db.session.expire(operator)
    stale = db.session.get(Operator, operator.id)  # the other tab read it before the first won
    db.session.execute(Operator.__table__.update().where(Operator.id == operator.id)
                       .values(totp_enrolled_at=utcnow()))
    assert accounts.enrol(stale, totp_code(operator)) is None
    assert accounts.recovery_codes_left(operator) == len(first_codes)


@pytest.mark.parametrize("change", ["add", "remove"])
def test_offers_changed_meanwhile_by_another_operator_are_a_friendly_refusal(
        app, signed_in, make_merchant, make_benefit, monkeypatch, change):
    """Two operators saving the same merchant's benefits at once: the second one's save finds
    the offer already added (or removed) and is asked to look again, not shown a 500."""
    client = signed_in("operator")
    kept, other = make_benefit(), make_benefit()
    merchant = make_merchant(benefits=[kept] + ([other] if change == "remove" else []))
    db.session.commit()
    wanted = [kept.code] + ([other.code] if change == "add" else [])
    save = merchant_services.set_benefits

    def saved_by_another_first(merchant_, benefits):
        pair = {"merchant_id": merchant.id, "benefit_id": other.id}
        table = merchant_benefits
        db.session.execute(table.insert().values(**pair) if change == "add" else
                           table.delete().where(table.c.merchant_id == merchant.id,
                                                table.c.benefit_id == other.id))
        return save(merchant_, benefits)

    monkeypatch.setattr(merchant_services, "set_benefits", saved_by_another_first)
    answer = post(client, f"/admin/merchants/{merchant.id}/benefits", {"benefits": wanted})
    assert answer.status_code == 409, answer.status_code


def test_a_benefits_offers_changed_meanwhile_are_a_friendly_refusal(
        app, signed_in, make_merchant, make_benefit, monkeypatch):
    from app.admin import benefits as benefit_pages
    from tests.admin.test_form_fuzz import forms_of

    client = signed_in("operator")
    benefit = make_benefit(name_en="Waiver")
    merchant = make_merchant(benefits=[])
    db.session.commit()
    url = f"/admin/benefits/{benefit.id}"
    (_action, _method, fields), *_rest = [f for f in forms_of(client.get(url).get_data(
        as_text=True)) if f[0] == url]
    fields.pop("csrf_token", None)
    offer = benefit_pages.set_offering

    def offered_by_another_first(benefit_, merchants):
        for chosen in merchants:
            list(chosen.benefits)  # this request read the offers before the other one saved
        db.session.execute(merchant_benefits.insert().values(merchant_id=merchant.id,
                                                             benefit_id=benefit.id))
        return offer(benefit_, merchants)

    monkeypatch.setattr(benefit_pages, "set_offering", offered_by_another_first)
    answer = post(client, url, {**fields, "name": "新名称", "merchants": [str(merchant.id)],
                                "limit_count": "", "limit_period": ""})
    assert answer.status_code == 409, answer.status_code
    db.session.expire_all()
    assert benefit.name != "新名称"  # saved with its offers or not at all


def test_a_partners_online_offers_changed_meanwhile_are_a_friendly_refusal(
        app, signed_in, make_benefit, tourism, monkeypatch):
    client = signed_in("operator")
    extra = make_benefit()
    db.session.commit()
    offer = partner_services.offer_online

    def offered_by_another_first(partner, codes, actor="system"):
        merchant = db.session.get(Merchant, partner.merchant_id)
        list(merchant.benefits)  # this request read the offers before the other one saved
        db.session.execute(merchant_benefits.insert().values(merchant_id=merchant.id,
                                                             benefit_id=extra.id))
        return offer(partner, codes, actor=actor)

    monkeypatch.setattr(partner_services, "offer_online", offered_by_another_first)
    answer = post(client, f"/admin/partners/{tourism.partner.id}/offers",
                  {"benefits": [tourism.benefit.code, extra.code]})
    assert answer.status_code == 409, answer.status_code
