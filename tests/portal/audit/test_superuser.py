"""Every superuser action is recorded as such (seed 004 第14条: superusers for set-up only)."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessRecord
from portal.audit.reports import ReportPeriod, report_build
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


def flagged():
    return AccessRecord.objects.filter(detail__superuser=True).order_by("position")


def test_a_superuser_request_is_recorded_with_method_path_and_status(client, superuser):
    client.force_login(superuser)
    before = flagged().count()

    response = client.get("/admin/audit/accessrecord/?q=secret-search")

    assert response.status_code == 200
    record = flagged().last()
    assert flagged().count() == before + 1
    assert (record.actor, record.action, record.result) == (superuser, AccessAction.VIEW, AccessResult.SUCCESS)
    assert record.request_path == "/admin/audit/accessrecord/"  # never the query string
    assert record.detail == {"superuser": True, "method": "GET", "status": 200}
    assert "secret-search" not in str(AccessRecord.objects.filter(position=record.position).values().get())


def test_a_superuser_post_is_recorded_as_a_change(client, superuser):
    client.force_login(superuser)

    response = client.post(reverse("admin:password_change"), {})

    record = flagged().last()
    assert (record.action, record.detail["method"], record.detail["status"]) == (
        AccessAction.CHANGE,
        "POST",
        response.status_code,
    )


def test_a_refused_superuser_request_is_recorded_once_flagged(client, superuser):
    client.force_login(superuser)
    before = AccessRecord.objects.filter(result=AccessResult.REFUSED).count()

    response = client.get(reverse("admin:audit_accessrecord_add"))

    assert response.status_code == 403
    refused = AccessRecord.objects.filter(result=AccessResult.REFUSED)
    assert refused.count() == before + 1  # not once more by AccessRefusalMiddleware
    assert refused.order_by("position").last().detail == {"superuser": True, "method": "GET", "status": 403}


def test_a_missing_page_is_recorded_as_failed(client, superuser):
    client.force_login(superuser)

    client.get("/admin/no-such-page/")

    assert (flagged().last().result, flagged().last().detail["status"]) == (AccessResult.FAILED, 404)


def test_requests_of_other_users_are_not_flagged(client, audit_officer, outsider):
    client.force_login(audit_officer)
    client.get("/admin/audit/accessrecord/")
    client.force_login(outsider)
    client.get("/mypage/")
    client.logout()
    client.get("/")

    assert not flagged().exists()
    assert AccessRecord.objects.filter(actor=audit_officer, action=AccessAction.VIEW).count() == 1


def test_createsuperuser_is_recorded_outside_a_request(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-enough-password-for-tests")

    call_command("createsuperuser", interactive=False, username="setup", email="setup@example.go.jp", verbosity=0)

    record = flagged().get()
    assert (record.actor_user_id, record.action, record.object_type) == (None, AccessAction.CREATE, "accounts.user")
    assert record.object_repr == "setup"
    assert record.detail["superuser"] is True and record.detail["outside_request"] is True
    assert record.request_path == ""


def test_creating_an_ordinary_user_is_not_recorded_as_a_superuser_action():
    UserFactory(is_staff=True)

    assert not flagged().exists()


def test_superuser_actions_appear_in_the_audit_report(client, superuser, clock):
    clock.set(2026, 6, 15, 14, 30)
    client.force_login(superuser)
    client.get("/admin/audit/accessrecord/?q=x")
    clock.set(2026, 7, 1, 0, 0)
    client.get("/admin/")  # the next month: not in June's report

    period = ReportPeriod(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
    sections = {section.key: section for section in report_build(period=period, row_limit=100)}

    rows = [row[1:] for row in sections["superuser_actions"].rows]
    assert rows == [
        (
            "令和8年6月15日 14:30:00",
            f"{superuser.display_name}（root）",
            "閲覧",
            "GET",
            "/admin/audit/accessrecord/",
            "200",
            "成功",
        )
    ]
