"""Read-only admin of access records and alerts; an alert can be marked reviewed (seed 004 第12条)."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db.models.signals import m2m_changed
from django.urls import reverse
from factory.django import mute_signals

from portal.audit.enums import AccessAction, AccessResult, AlertKind
from portal.audit.models import AccessAlert, AccessRecord
from portal.audit.services import JST, access_record, alert_raise, alert_review
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db

RECORDS_URL = reverse("admin:audit_accessrecord_changelist")
ALERTS_URL = reverse("admin:audit_accessalert_changelist")


def _grant(user, *codenames: str):
    with mute_signals(m2m_changed):  # the persona's set-up, not on the record (tests/factories/accounts.py)
        user.user_permissions.add(*Permission.objects.filter(content_type__app_label="audit", codename__in=codenames))
    return type(user).objects.get(pk=user.pk)  # a fresh instance: no cached permissions


@pytest.fixture
def officer(audit_officer):
    return _grant(audit_officer, "view_accessrecord", "view_accessalert", "view_accessarchive")


@pytest.fixture
def reviewer(chief_manager):
    return _grant(chief_manager, "view_accessrecord", "view_accessalert", "review_accessalert")


@pytest.fixture
def alert(db):
    subject = UserFactory(username="suspect", last_name="疑", first_name="義")
    start = datetime.datetime(2026, 6, 10, tzinfo=JST)
    alert, _ = alert_raise(
        kind=AlertKind.OFF_HOURS,
        dedup_key="off_hours:test",
        subject=subject,
        period_start=start,
        period_end=start + datetime.timedelta(days=1),
        record_count=2,
    )
    return alert


def _alert_url(alert) -> str:
    return reverse("admin:audit_accessalert_change", args=[alert.pk])


def test_an_audit_officer_reads_the_records_and_the_reading_is_recorded(client, officer):
    access_record(actor=UserFactory(last_name="閲覧", first_name="者"), action="view", result="success")
    client.force_login(officer)

    response = client.get(RECORDS_URL)

    assert response.status_code == 200
    assert "閲覧 者" in response.text
    last = AccessRecord.objects.order_by("-position").first()
    assert (last.actor, last.action, last.result, last.object_type) == (
        officer,
        AccessAction.VIEW,
        AccessResult.SUCCESS,
        "audit.accessrecord",
    )


def test_a_record_detail_is_shown_read_only_and_its_reading_recorded(client, officer):
    record = access_record(actor=None, action="view", result="success")
    client.force_login(officer)

    response = client.get(reverse("admin:audit_accessrecord_change", args=[record.pk]))

    assert response.status_code == 200
    assert 'name="_save"' not in response.text
    last = AccessRecord.objects.order_by("-position").first()
    assert (last.object_type, last.object_id) == ("audit.accessrecord", str(record.pk))


def test_search_by_actor_name(client, officer):
    access_record(actor=UserFactory(last_name="検索", first_name="対象"), action="view", result="success")
    access_record(actor=UserFactory(last_name="無関係", first_name="者"), action="view", result="success")
    client.force_login(officer)

    response = client.get(RECORDS_URL, {"q": "検索"})

    assert [record.actor_name for record in response.context["cl"].result_list] == ["検索 対象"]


def test_filter_by_action_and_result(client, officer):
    access_record(actor=None, username="x", action="sign_in_failed", result="failed")
    access_record(actor=None, action="download", result="success")
    client.force_login(officer)

    response = client.get(RECORDS_URL, {"action__exact": "sign_in_failed", "result__exact": "failed"})

    assert [record.action for record in response.context["cl"].result_list] == ["sign_in_failed"]


def test_someone_without_the_permission_is_refused_and_the_refusal_recorded(client, outsider):
    outsider.is_staff = True
    outsider.save()
    client.force_login(outsider)

    response = client.get(RECORDS_URL)

    assert response.status_code == 403
    last = AccessRecord.objects.order_by("-position").first()
    assert (last.actor, last.action, last.result) == (outsider, AccessAction.VIEW, AccessResult.REFUSED)


@pytest.mark.parametrize("model", ["accessrecord", "accessalert", "accessarchive"])
def test_nobody_adds_or_deletes_not_even_a_superuser(client, model):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    record = access_record(actor=None, action="view", result="success")
    client.force_login(superuser)

    add = client.get(reverse(f"admin:audit_{model}_add"))
    delete = client.post(reverse(f"admin:audit_{model}_delete", args=[record.pk]), {"post": "yes"})

    # an alert or archive with the record's id does not exist: 404, as for "no access" (admin_objects.py)
    assert (add.status_code, delete.status_code) in [(403, 403), (403, 404)]
    assert AccessRecord.objects.filter(pk=record.pk).exists()


def test_a_superuser_cannot_change_a_record(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    record = access_record(actor=None, action="view", result="success")
    client.force_login(superuser)

    response = client.post(reverse("admin:audit_accessrecord_change", args=[record.pk]), {"object_repr": "x"})

    assert response.status_code == 403
    assert AccessRecord.objects.get(pk=record.pk).object_repr == ""


@pytest.mark.parametrize("count", [1, 3])
def test_the_record_list_takes_a_fixed_number_of_queries(client, officer, django_assert_num_queries, count):
    for _ in range(count):
        access_record(actor=UserFactory(), action="view", result="success")
    client.force_login(officer)
    client.get(RECORDS_URL)  # warm the session and the content types

    # session, user, permissions (2), the view's own access record (savepoint, head, insert, head update,
    # release), filter choices and the page of records.
    with django_assert_num_queries(13):
        response = client.get(RECORDS_URL)

    # plus the officer's sign-in, the warm-up view and this view, recorded before the page is read
    assert len(response.context["cl"].result_list) == count + 3


def test_a_manager_marks_an_alert_reviewed_with_a_note(client, reviewer, alert):
    client.force_login(reviewer)

    response = client.post(_alert_url(alert), {"review_note": "本人に確認。深夜の障害対応のため。"})

    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.reviewed_by, alert.reviewed_by_name, alert.review_note) == (
        reviewer,
        reviewer.display_name,
        "本人に確認。深夜の障害対応のため。",
    )
    change = AccessRecord.objects.filter(action=AccessAction.CHANGE).get()
    assert (change.actor, change.result, change.object_type, change.object_id, change.detail) == (
        reviewer,
        AccessResult.SUCCESS,
        "audit.accessalert",
        str(alert.pk),
        {"change": "reviewed"},
    )


def test_a_review_without_a_note_is_refused(client, reviewer, alert):
    client.force_login(reviewer)

    response = client.post(_alert_url(alert), {"review_note": "   "})

    assert response.status_code == 200
    assert "確認の記録を入力してください。" in response.text
    alert.refresh_from_db()
    assert alert.reviewed_at is None


def test_a_reviewed_alert_cannot_be_reviewed_again(client, reviewer, alert):
    alert_review(alert=alert, actor=reviewer, note="確認済み")
    client.force_login(reviewer)

    response = client.post(_alert_url(alert), {"review_note": "上書き"})

    assert response.status_code == 403
    alert.refresh_from_db()
    assert alert.review_note == "確認済み"


def test_an_audit_officer_sees_alerts_but_cannot_review_them(client, officer, alert):
    client.force_login(officer)

    shown = client.get(_alert_url(alert))
    posted = client.post(_alert_url(alert), {"review_note": "確認"})

    assert (shown.status_code, posted.status_code) == (200, 403)
    assert 'name="review_note"' not in shown.text
    alert.refresh_from_db()
    assert alert.reviewed_at is None


def test_alert_review_service_refuses_and_records_without_permission(officer, alert):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        alert_review(alert=alert, actor=officer, note="確認")

    last = AccessRecord.objects.order_by("-position").first()
    assert (last.actor, last.action, last.result) == (officer, AccessAction.CHANGE, AccessResult.REFUSED)


def test_the_alert_list_filters_unreviewed(client, reviewer, alert):
    client.force_login(reviewer)

    response = client.get(ALERTS_URL, {"reviewed_at__isempty": "1"})

    assert [shown.pk for shown in response.context["cl"].result_list] == [alert.pk]
    assert AccessAlert.objects.count() == 1
