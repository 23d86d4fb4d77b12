import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal.audit import tasks
from portal.audit.chain import exported_heads_read, heads_file_path
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessRecord

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def refusal_middleware(settings):
    settings.ROOT_URLCONF = "tests.portal.audit.urls"
    position = settings.MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE[:position],
        "portal.audit.middleware.AccessRefusalMiddleware",
        *settings.MIDDLEWARE[position:],
    ]


@pytest.mark.django_db
def test_a_403_to_a_signed_in_user_is_recorded_as_unauthorized(client, outsider, refusal_middleware):
    client.force_login(outsider)

    response = client.post("/refused/")

    assert response.status_code == 403
    last = AccessRecord.objects.order_by("-position").first()
    assert (last.actor, last.action, last.result, last.request_path, last.detail) == (
        outsider,
        AccessAction.UNAUTHORIZED,
        AccessResult.REFUSED,
        "/refused/",
        {"method": "POST"},
    )


@pytest.mark.django_db
def test_a_refusal_the_view_recorded_is_not_recorded_twice(client, outsider, refusal_middleware):
    client.force_login(outsider)

    client.get("/refused-and-recorded/")

    assert list(AccessRecord.objects.order_by("position").values_list("action", "result")) == [
        ("sign_in", "success"),
        ("view", "refused"),
    ]


@pytest.mark.django_db
def test_anonymous_403s_and_allowed_requests_are_not_recorded(client, outsider, refusal_middleware):
    anonymous = client.get("/refused/")
    client.force_login(outsider)
    allowed = client.get("/allowed/")

    assert (anonymous.status_code, allowed.status_code) == (403, 200)
    assert list(AccessRecord.objects.values_list("action", flat=True)) == ["sign_in"]


@pytest.mark.django_db
def test_the_export_task_has_a_stable_name_and_appends_the_head(make_records):
    make_records(2)

    result = tasks.export_chain_head.apply().get()

    assert tasks.export_chain_head.name == "audit.export_chain_head"
    assert (result["position"], [head.position for head in exported_heads_read(heads_file_path())]) == (2, [2])


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("AUDIT_RETENTION_DAYS", "30", "AUDIT_RETENTION_DAYS must be at least 366"),
        ("AUDIT_TRUSTED_PROXY_COUNT", "one", "AUDIT_TRUSTED_PROXY_COUNT must be a whole number"),
        ("AUDIT_BUSINESS_HOURS_END", "7", "AUDIT_BUSINESS_HOURS_START must be before AUDIT_BUSINESS_HOURS_END"),
        ("AUDIT_BUSINESS_HOURS_END", "25", "AUDIT_BUSINESS_HOURS_START must be before AUDIT_BUSINESS_HOURS_END"),
        ("AUDIT_HEAD_SYSLOG_ADDRESS", "loghost", "AUDIT_HEAD_SYSLOG_ADDRESS must be a socket path or host:port"),
        ("AUDIT_DOWNLOAD_ALERT_ROWS", "-1", "AUDIT_DOWNLOAD_ALERT_ROWS must be at least 0"),
    ],
)
def test_a_bad_audit_setting_stops_the_process(variable, value, message):
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test", variable: value}

    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings_test"], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 1
    assert message in result.stderr


def test_both_download_thresholds_off_stops_the_process():
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "AUDIT_DOWNLOAD_ALERT_ROWS": "0",
        "AUDIT_DOWNLOAD_ALERT_BYTES": "0",
    }

    result = subprocess.run(
        [sys.executable, "-c", "import portal.settings_test"], cwd=ROOT, env=environment, capture_output=True, text=True
    )

    assert result.returncode == 1
    assert "cannot both be 0" in result.stderr
