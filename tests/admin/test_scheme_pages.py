"""The schemes screens: who may see, check and publish; friendly refusals of bad uploads."""
import io

import pytest
from sqlalchemy import func, select

from app.catalogue.models import Scheme
from app.catalogue.services import current_scheme
from app.core.audit import AuditEntry
from app.core.extensions import db
from app.scoring.models import Score
from tests.admin.conftest import post
from tests.admin.console_support import console  # noqa: F401 - a fixture
from tests.admin.scheme_files import scheme_text


def upload(client, text, name="scheme.toml"):
    body = text.encode() if isinstance(text, str) else text
    return post(client, "/admin/schemes/preview", {"file": (io.BytesIO(body), name)},
                content_type="multipart/form-data")


@pytest.mark.parametrize("role, status", [("operator", 200), ("auditor", 200), ("reviewer", 403)])
def test_the_scheme_in_force_is_shown_to_operators_and_auditors(console, role, status):
    answer = console(role).get("/admin/schemes")
    assert answer.status_code == status
    if status == 200:
        page = answer.get_data(as_text=True)
        assert "2026.1" in page and "court_dishonest_debtor" in page
        # only an operator is offered the upload
        assert ('name="file"' in page) == (role == "operator")


def test_a_visitor_is_sent_to_sign_in(client):
    answer = client.get("/admin/schemes")
    assert answer.status_code == 302 and "/admin/login" in answer.headers["Location"]


@pytest.mark.parametrize("role", ["reviewer", "auditor"])
@pytest.mark.parametrize("url", ["/admin/schemes/preview", "/admin/schemes/publish"])
def test_only_an_operator_checks_or_publishes_a_scheme(console, role, url):
    client = console(role)
    answer = post(client, url, {"source": scheme_text("2026.9")})
    assert answer.status_code == 403
    assert current_scheme().version == "2026.1"


@pytest.mark.parametrize("body, name, status, message", [
    (None, None, 400, "Choose a scheme file"),
    ("version = 1", "scheme.txt", 415, "is a .toml file"),
    ("x" * (512 * 1024 + 1), "scheme.toml", 413, "larger than 512 KB"),
    (b"version = \"\xff\xfe\"", "scheme.toml", 422, "must be UTF-8"),
    ("[[tiers", "scheme.toml", 422, "not valid TOML"),
    ("version = \"2026.3\"\n", "scheme.toml", 422, "name is missing"),
    (scheme_text("2026.1"), "scheme.toml", 422, "2026.1 has already been published"),
])
def test_a_bad_upload_gets_a_friendly_refusal(console, body, name, status, message):
    client = console()
    if body is None:
        answer = post(client, "/admin/schemes/preview", content_type="multipart/form-data")
    else:
        answer = upload(client, body, name)
    assert answer.status_code == status
    page = answer.get_data(as_text=True)
    assert message in page and 'role="alert"' in page


def test_publishing_a_file_that_is_not_valid_is_refused(console):
    client = console()
    answer = post(client, "/admin/schemes/publish", {"source": "[[tiers"})
    assert answer.status_code == 422 and "not valid TOML" in answer.get_data(as_text=True)
    assert post(client, "/admin/schemes/publish", {}).status_code == 400
    assert current_scheme().version == "2026.1"


def test_the_check_shows_the_diff_and_the_dry_run_and_writes_nothing(console, make_resident):
    make_resident(records=[("traffic_violation", 10)])
    client = console()
    counts = [db.session.scalar(select(func.count()).select_from(m))
              for m in (Scheme, Score, AuditEntry)]
    answer = upload(client, scheme_text("2026.4", points={"traffic_violation": 32},
                                        removed=["fare_evasion"], added=True))
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "community_mediation" in page and "fare_evasion" in page
    assert "<code>points</code>: 2 → 32" in page
    assert 'id="dry-run-tiers-table"' in page and "<svg" in page
    assert 'name="source"' in page and 'version = &#34;2026.4&#34;' in page
    assert [db.session.scalar(select(func.count()).select_from(m))
            for m in (Scheme, Score, AuditEntry)] == counts
    assert current_scheme().version == "2026.1"


def test_an_unknown_rescore_is_a_404_in_the_json_error_shape(console):
    answer = console("auditor").get("/admin/schemes/rescore/no-such-job.json")
    assert answer.status_code == 404
    assert answer.get_json()["error"]["code"] == "not_found"
    assert console().get("/admin/schemes/rescore/no-such-job").status_code == 404
