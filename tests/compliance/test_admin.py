"""The admin of incidents and outsourcing: who sees what, adding through the services, the warning of
第26条第4項, access records, and fixed query counts on the lists."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.roles import StaffRole
from portal.audit.models import AccessRecord
from portal.compliance.enums import Clause, IncidentStatus, InspectionResult, OutsourcingStatus, StepKind
from portal.compliance.models import Incident, IncidentStep, Outsourcing, Subcontracting
from tests.factories.accounts import staff_user
from tests.factories.compliance import clauses_check_all, incident_reported, outsourcing_active, outsourcing_created
from tests.factories.proposals import CORPORATE_NUMBER

pytestmark = pytest.mark.django_db

INCIDENTS = reverse("admin:compliance_incident_changelist")
OUTSOURCINGS = reverse("admin:compliance_outsourcing_changelist")


def _change_url(obj):
    return reverse(f"admin:compliance_{obj._meta.model_name}_change", args=[obj.pk])


def _messages(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


# --- incidents ---


def test_any_staff_member_reports_an_incident_in_the_admin(client, chief_manager, organization):
    approver = staff_user(StaffRole.APPROVER)
    client.force_login(approver)

    response = client.post(
        reverse("admin:compliance_incident_add"),
        {
            "title": "誤送信",
            "summary": "匿名加工情報を別の契約相手方に送信した。",
            # Yesterday: "today 09:00" lies in the future before 09:00 JST.
            "detected_at_0": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "detected_at_1": "09:00",
            "organization": organization.pk,
        },
    )

    incident = Incident.objects.get()
    assert response.status_code == 302
    assert (incident.title, incident.reported_by, incident.organization) == ("誤送信", approver, organization)
    assert incident.escalations.filter(recipient=chief_manager).exists()


def test_incident_add_with_a_future_date_shows_a_message_and_saves_nothing(client, chief_manager):
    client.force_login(chief_manager)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)

    response = client.post(
        reverse("admin:compliance_incident_add"),
        {"title": "件名", "summary": "概要", "detected_at_0": tomorrow.isoformat(), "detected_at_1": "09:00"},
    )

    assert response.status_code == 200
    assert "未来の日時は指定できません。" in response.content.decode()
    assert Incident.objects.count() == 0


def test_incident_view_by_staff_is_an_access_record(client, chief_manager):
    incident = incident_reported(chief_manager)
    client.force_login(chief_manager)

    response = client.get(_change_url(incident))

    assert response.status_code == 200
    records = AccessRecord.objects.filter(action="view", object_type="compliance.incident", object_id=str(incident.pk))
    assert records.count() == 1


def test_incident_list_is_limited_to_the_organization_of_a_protection_manager(
    client, chief_manager, protection_manager, organization, other_organization
):
    own = incident_reported(chief_manager, organization=organization)
    incident_reported(chief_manager, organization=other_organization)
    unassigned = incident_reported(chief_manager)
    client.force_login(protection_manager)

    response = client.get(INCIDENTS)

    assert set(response.context["cl"].result_list) == {own, unassigned}


def test_incident_of_another_organization_is_not_shown_nor_its_history(
    client, chief_manager, protection_manager, other_organization
):
    other = incident_reported(chief_manager, organization=other_organization)
    client.force_login(protection_manager)

    change = client.get(_change_url(other))
    history = client.get(reverse("admin:compliance_incident_history", args=[other.pk]))

    assert change.status_code == 404  # "no access" answers as "does not exist" (portal/admin_objects.py)
    assert history.status_code == 404
    assert not AccessRecord.objects.filter(action="view", result="success", object_type="compliance.incident").exists()


def test_a_screener_sees_only_the_incidents_they_reported(client, chief_manager):
    screener = staff_user(StaffRole.SCREENER)
    own = incident_reported(screener)
    incident_reported(chief_manager)
    client.force_login(screener)

    response = client.get(INCIDENTS)

    assert list(response.context["cl"].result_list) == [own]


def test_the_audit_officer_sees_every_incident_but_cannot_record_steps(client, chief_manager, audit_officer):
    incident = incident_reported(chief_manager)
    client.force_login(audit_officer)

    listed = client.get(INCIDENTS)
    page = client.get(_change_url(incident))

    assert list(listed.context["cl"].result_list) == [incident]
    assert page.status_code == 200
    assert not page.context["has_change_permission"]


def _step_post(incident, **row):
    data = {
        "title": incident.title,
        "summary": incident.summary,
        "detected_at_0": timezone.localtime(incident.detected_at).date().isoformat(),
        "detected_at_1": timezone.localtime(incident.detected_at).strftime("%H:%M:%S"),
        "is_serious": "",
        "organization": incident.organization_id or "",
        "occurred_on": "",
    }
    for prefix in ("escalations", "steps", "transitions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data["escalations-TOTAL_FORMS"] = data["escalations-INITIAL_FORMS"] = str(incident.escalations.count())
    for i, escalation in enumerate(incident.escalations.all()):
        data[f"escalations-{i}-id"] = escalation.pk
        data[f"escalations-{i}-incident"] = incident.pk
    data.update({"steps-TOTAL_FORMS": "1", **{f"steps-0-{key}": value for key, value in row.items()}})
    return data


def test_a_manager_records_a_step_on_the_incident_page(client, chief_manager):
    incident = incident_reported(chief_manager)
    client.force_login(chief_manager)
    now = timezone.localtime() - datetime.timedelta(minutes=10)

    response = client.post(
        _change_url(incident),
        _step_post(
            incident,
            kind=StepKind.CONTAINMENT,
            taken_at_0=now.date().isoformat(),
            taken_at_1=now.strftime("%H:%M:%S"),
            text="端末をネットワークから切り離した。",
        ),
    )

    assert response.status_code == 302, _messages(response) or response.content.decode()[:3000]
    step = IncidentStep.objects.get()
    assert (step.kind, step.recorded_by) == (StepKind.CONTAINMENT, chief_manager)


def test_a_step_without_the_reason_not_to_publish_is_refused_on_the_page(client, chief_manager):
    incident = incident_reported(chief_manager)
    client.force_login(chief_manager)
    now = timezone.localtime() - datetime.timedelta(minutes=10)

    response = client.post(
        _change_url(incident),
        _step_post(
            incident,
            kind=StepKind.NO_PUBLICATION,
            taken_at_0=now.date().isoformat(),
            taken_at_1=now.strftime("%H:%M:%S"),
            text="",
        ),
    )

    assert response.status_code == 200
    assert "公表しない場合は、その理由を記入してください。" in response.content.decode()
    assert IncidentStep.objects.count() == 0


def test_a_protection_manager_cannot_move_an_incident_to_another_organization(
    client, chief_manager, protection_manager, organization, other_organization
):
    incident = incident_reported(chief_manager, organization=organization)
    client.force_login(protection_manager)
    data = _step_post(incident)
    data.update({"steps-TOTAL_FORMS": "0", "organization": other_organization.pk, "title": "件名を訂正"})

    response = client.post(_change_url(incident), data)

    incident.refresh_from_db()
    assert response.status_code == 302
    assert (incident.title, incident.organization) == ("件名を訂正", organization)


def test_the_close_action_refuses_without_the_records_and_says_why(client, chief_manager):
    incident = incident_reported(chief_manager)
    Incident.objects.filter(pk=incident.pk).update(status=IncidentStatus.INVESTIGATING)
    client.force_login(chief_manager)

    response = client.post(INCIDENTS, {"action": "action_close", "_selected_action": [incident.pk]}, follow=True)

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.INVESTIGATING
    assert any("終結できません" in message for message in _messages(response))


# Session, user, OTP device, permissions, guardian's organizations, the count, the page: the same at 1 and 3.
# The outsourcing list adds the 第26条第4項 warning count. Raise them only with a reason.
QUERIES_ON_THE_INCIDENT_LIST = 12


@pytest.mark.parametrize("count", [1, 3])
def test_the_incident_list_runs_a_fixed_number_of_queries(
    client, protection_manager, organization, count, django_assert_num_queries
):
    for _ in range(count):
        incident_reported(protection_manager, organization=organization)
    client.force_login(protection_manager)
    client.get(INCIDENTS)  # warm caches (content types, permissions)

    with django_assert_num_queries(QUERIES_ON_THE_INCIDENT_LIST):
        response = client.get(INCIDENTS)

    assert response.context["cl"].result_count == count


# --- outsourcing ---


def test_outsourcing_added_in_the_admin_gets_the_eight_items(client, protection_manager, organization):
    client.force_login(protection_manager)
    today = timezone.localdate()

    response = client.post(
        reverse("admin:compliance_outsourcing_add"),
        {
            "kind": "outsourcing",
            "name": "株式会社加工",
            "corporate_number": CORPORATE_NUMBER,
            "organization": organization.pk,
            "work": "加工作業",
            "data_scope": "加工に必要な記録項目",
            "period_start": today.isoformat(),
            "period_end": (today + datetime.timedelta(days=365)).isoformat(),
        },
    )

    assert response.status_code == 302
    assert Outsourcing.objects.get().clauses.count() == 8


def test_outsourcing_with_a_wrong_corporate_number_is_refused_in_the_admin(client, chief_manager):
    client.force_login(chief_manager)
    today = timezone.localdate()

    response = client.post(
        reverse("admin:compliance_outsourcing_add"),
        {
            "kind": "outsourcing",
            "name": "株式会社加工",
            "corporate_number": "1234567890123",
            "work": "加工作業",
            "data_scope": "範囲",
            "period_start": today.isoformat(),
            "period_end": today.isoformat(),
        },
    )

    assert response.status_code == 200
    assert "法人番号が正しくありません" in response.content.decode()
    assert Outsourcing.objects.count() == 0


def test_the_activate_action_refuses_while_a_clause_is_unchecked(client, chief_manager):
    outsourcing = outsourcing_created(chief_manager)
    clauses_check_all(outsourcing, chief_manager, but=(Clause.ERASURE,))
    client.force_login(chief_manager)

    response = client.post(
        OUTSOURCINGS, {"action": "action_activate", "_selected_action": [outsourcing.pk]}, follow=True
    )

    outsourcing.refresh_from_db()
    assert outsourcing.status == OutsourcingStatus.PREPARING
    assert any("第26条第1項第6号" in message for message in _messages(response))


def test_the_list_warns_of_active_outsourcings_not_inspected_this_year(client, chief_manager):
    outsourcing_active(chief_manager, name="未検査株式会社")
    client.force_login(chief_manager)

    response = client.get(OUTSOURCINGS)
    missing = client.get(OUTSOURCINGS, {"inspection": "missing"})

    assert any("1件" in message and "第26条第4項" in message for message in _messages(response))
    assert [o.name for o in missing.context["cl"].result_list] == ["未検査株式会社"]


def test_the_list_filter_done_shows_the_inspected(client, chief_manager):
    from portal.compliance import services

    inspected = outsourcing_active(chief_manager, name="検査済み株式会社")
    outsourcing_active(chief_manager, name="未検査株式会社")
    services.outsourcing_inspection_record(
        outsourcing=inspected,
        actor=chief_manager,
        inspected_on=timezone.localdate(),
        method="documents",
        inspector="検査 一郎",
        findings="問題なし",
        result=InspectionResult.ADEQUATE,
    )
    client.force_login(chief_manager)

    response = client.get(OUTSOURCINGS, {"inspection": "done"})

    assert list(response.context["cl"].result_list) == [inspected]


def test_outsourcing_list_is_limited_to_the_organization_of_a_protection_manager(
    client, chief_manager, protection_manager, organization, other_organization
):
    own = outsourcing_created(chief_manager, organization=organization)
    other = outsourcing_created(chief_manager, organization=other_organization)
    client.force_login(protection_manager)

    listed = client.get(OUTSOURCINGS)
    history = client.get(reverse("admin:compliance_outsourcing_history", args=[other.pk]))

    assert list(listed.context["cl"].result_list) == [own]
    assert history.status_code == 404


def _outsourcing_post(client, outsourcing, *, clauses=None, subcontracting=None, inspection=None, **fields):
    """The change page's form as a browser would send it, with `fields` changed, clause rows and one new
    re-contracting approval."""
    page = client.get(_change_url(outsourcing))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in ("name", "corporate_number", "work", "data_scope", "period_start", "period_end")
    }
    data.update(fields)
    data.update({"clauses-TOTAL_FORMS": "8", "clauses-INITIAL_FORMS": "8"})
    for i, clause in enumerate(outsourcing.clauses.order_by("id")):
        data[f"clauses-{i}-id"] = clause.pk
        data[f"clauses-{i}-outsourcing"] = outsourcing.pk
        data[f"clauses-{i}-location"] = clause.location
        if clause.checked or clause.clause in (clauses or {}):
            data[f"clauses-{i}-checked"] = "on"
            data[f"clauses-{i}-location"] = (clauses or {}).get(clause.clause, clause.location)
    data.update({"subcontractings-TOTAL_FORMS": "0", "subcontractings-INITIAL_FORMS": "0"})
    if subcontracting:
        data["subcontractings-TOTAL_FORMS"] = "1"
        data.update({f"subcontractings-0-{key}": value for key, value in subcontracting.items()})
    for prefix in ("inspections", "transitions"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    if inspection:
        data["inspections-TOTAL_FORMS"] = "1"
        data.update({f"inspections-0-{key}": value for key, value in inspection.items()})
    return client.post(_change_url(outsourcing), data, follow=True)


def test_a_manager_checks_clauses_on_the_page(client, protection_manager, organization):
    outsourcing = outsourcing_created(protection_manager, organization=organization)
    client.force_login(protection_manager)

    response = _outsourcing_post(
        client, outsourcing, clauses={Clause.CONFIDENTIALITY: "第3条", Clause.ERASURE: "第9条"}
    )

    assert response.status_code == 200
    checked = outsourcing.clauses.filter(checked=True).order_by("id")
    assert [(c.clause, c.location, c.checked_by) for c in checked] == [
        (Clause.CONFIDENTIALITY, "第3条", protection_manager),
        (Clause.ERASURE, "第9条", protection_manager),
    ]


def test_subcontracting_refused_on_the_page_rolls_everything_back(client, chief_manager):
    outsourcing = outsourcing_created(chief_manager)
    client.force_login(chief_manager)

    response = _outsourcing_post(
        client,
        outsourcing,
        name="名称を変更した株式会社",
        clauses={Clause.CONFIDENTIALITY: "第3条"},
        subcontracting={
            "subcontractor": "再委託先株式会社",
            "scope": "検証",
            "approved_on": timezone.localdate().isoformat(),
        },
    )

    outsourcing.refresh_from_db()
    assert Subcontracting.objects.count() == 0
    # Nothing else of the page is half-saved: neither the name nor the clause checked on it.
    assert outsourcing.name == "株式会社試験データ処理"
    assert outsourcing.clauses.filter(checked=True).count() == 0
    assert any("再委託を承認できません" in message for message in _messages(response))


def test_subcontracting_approved_on_the_page_once_every_clause_is_checked(client, chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    client.force_login(chief_manager)

    _outsourcing_post(
        client,
        outsourcing,
        subcontracting={
            "subcontractor": "再委託先株式会社",
            "scope": "検証",
            "approved_on": timezone.localdate().isoformat(),
            "is_subsidiary": "on",
        },
    )

    approval = Subcontracting.objects.get()
    assert (approval.subcontractor, approval.is_subsidiary, approval.approved_by) == (
        "再委託先株式会社",
        True,
        chief_manager,
    )


def test_a_contractor_inspection_recorded_on_the_outsourcing_page(client, chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    client.force_login(chief_manager)

    _outsourcing_post(
        client,
        outsourcing,
        inspection={
            "inspected_on": timezone.localdate().isoformat(),
            "method": "on_site",
            "inspector": "検査 一郎",
            "result": InspectionResult.ADEQUATE,
            "findings": "保管庫を確認した。",
        },
    )

    inspection = outsourcing.inspections.get()
    assert (inspection.subcontracting, inspection.inspector, inspection.recorded_by) == (
        None,
        "検査 一郎",
        chief_manager,
    )


QUERIES_ON_THE_OUTSOURCING_LIST = 13


@pytest.mark.parametrize("count", [1, 3])
def test_the_outsourcing_list_runs_a_fixed_number_of_queries(
    client, protection_manager, organization, count, django_assert_num_queries
):
    for _ in range(count):
        outsourcing_active(protection_manager, organization=organization)
    client.force_login(protection_manager)
    client.get(OUTSOURCINGS)

    with django_assert_num_queries(QUERIES_ON_THE_OUTSOURCING_LIST):
        response = client.get(OUTSOURCINGS)

    assert response.context["cl"].result_count == count
