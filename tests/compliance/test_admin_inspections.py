"""The admin of re-contracting (第26条第5項), of the protection managers' inspections (点検, 第30条・第13条)
and of dataset corrections (第8条), and the incident edit as an access record (第12条): pages, refusals
shown as messages with nothing saved, fixed query counts on the lists."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AccessRecord
from portal.compliance.enums import (
    CLAUSES_OF_OUTSOURCING,
    InspectionMethod,
    InspectionResult,
    InspectionSubject,
    SubcontractingStatus,
)
from portal.compliance.models import DatasetCorrection, Inspection, OutsourcingInspection, Subcontracting
from tests.factories.compliance import (
    clauses_check_all,
    correction_recorded,
    dataset_delivered,
    incident_reported,
    inspection_recorded,
    outsourcing_active,
    subcontracting_active,
    subcontracting_approved,
)

pytestmark = pytest.mark.django_db

SUBCONTRACTINGS = reverse("admin:compliance_subcontracting_changelist")
INSPECTIONS = reverse("admin:compliance_inspection_changelist")
CORRECTIONS = reverse("admin:compliance_datasetcorrection_changelist")
TODAY = timezone.localdate


def _change_url(obj):
    return reverse(f"admin:compliance_{obj._meta.model_name}_change", args=[obj.pk])


def _messages(response):
    return [str(message) for message in response.context["messages"]] if response.context else []


def _inline_management(data, prefix, total=0, initial=0):
    data.update({f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial)})


# --- the incident edit (第12条) ---


def test_an_incident_edited_on_its_page_is_an_access_record_change(client, chief_manager):
    incident = incident_reported(chief_manager, title="元の件名")
    client.force_login(chief_manager)
    page = client.get(_change_url(incident))
    data = {
        key: value
        for key, value in page.context["adminform"].form.initial.items()
        if key in ("summary", "organization", "is_serious", "occurred_on") and value is not None
    }
    detected = timezone.localtime(incident.detected_at)
    data.update(
        {
            "title": "訂正後の件名",
            "detected_at_0": detected.date().isoformat(),
            "detected_at_1": detected.strftime("%H:%M:%S"),
        }
    )
    data.pop("is_serious", None)
    _inline_management(data, "escalations", incident.escalations.count(), incident.escalations.count())
    for i, escalation in enumerate(incident.escalations.all()):
        data[f"escalations-{i}-id"] = escalation.pk
        data[f"escalations-{i}-incident"] = incident.pk
    _inline_management(data, "steps")
    _inline_management(data, "transitions")

    response = client.post(_change_url(incident), data)

    assert response.status_code == 302, _messages(response)
    incident.refresh_from_db()
    assert incident.title == "訂正後の件名"
    changes = AccessRecord.objects.filter(action="change", object_type="compliance.incident")
    assert list(changes.values_list("detail", flat=True)) == [{"fields": "title"}]


# --- re-contracting pages (第26条第5項) ---


def _subcontracting_post(client, subcontracting, *, clauses=(), inspection=None):
    data = {}
    rows = list(subcontracting.clauses.order_by("id"))
    _inline_management(data, "clauses", len(rows), len(rows))
    for i, clause in enumerate(rows):
        data[f"clauses-{i}-id"] = clause.pk
        data[f"clauses-{i}-subcontracting"] = subcontracting.pk
        data[f"clauses-{i}-location"] = clause.location
        if clause.checked or clause.clause in clauses:
            data[f"clauses-{i}-checked"] = "on"
            data[f"clauses-{i}-location"] = clause.location or "再委託契約第1条"
    _inline_management(data, "inspections")
    if inspection:
        _inline_management(data, "inspections", 1, 0)
        data.update({f"inspections-0-{key}": value for key, value in inspection.items()})
    _inline_management(data, "transitions")
    return client.post(_change_url(subcontracting), data, follow=True)


def test_a_manager_checks_the_items_of_the_subcontract_on_its_page(client, chief_manager):
    subcontracting = subcontracting_approved(outsourcing_active(chief_manager), chief_manager)
    client.force_login(chief_manager)

    response = _subcontracting_post(client, subcontracting, clauses=CLAUSES_OF_OUTSOURCING[:2])

    assert response.status_code == 200
    checked = subcontracting.clauses.filter(checked=True).order_by("id")
    assert [(c.clause, c.checked_by) for c in checked] == [(c, chief_manager) for c in CLAUSES_OF_OUTSOURCING[:2]]


def test_the_subcontracting_activate_action_refuses_while_an_item_is_unchecked(client, chief_manager):
    subcontracting = subcontracting_approved(outsourcing_active(chief_manager), chief_manager)
    clauses_check_all(subcontracting, chief_manager, but=(CLAUSES_OF_OUTSOURCING[5],))
    client.force_login(chief_manager)

    response = client.post(
        SUBCONTRACTINGS, {"action": "action_activate", "_selected_action": [subcontracting.pk]}, follow=True
    )

    subcontracting.refresh_from_db()
    assert subcontracting.status == SubcontractingStatus.APPROVED
    assert any("第26条第1項第6号" in message for message in _messages(response))


def test_the_subcontracting_activate_action_once_every_item_is_checked(client, chief_manager):
    subcontracting = subcontracting_approved(outsourcing_active(chief_manager), chief_manager)
    clauses_check_all(subcontracting, chief_manager)
    client.force_login(chief_manager)

    client.post(SUBCONTRACTINGS, {"action": "action_activate", "_selected_action": [subcontracting.pk]})

    subcontracting.refresh_from_db()
    assert subcontracting.status == SubcontractingStatus.ACTIVE


def test_a_subcontractor_inspection_recorded_on_its_page(client, chief_manager):
    outsourcing = outsourcing_active(chief_manager)
    subcontracting = subcontracting_active(outsourcing, chief_manager)
    client.force_login(chief_manager)

    _subcontracting_post(
        client,
        subcontracting,
        inspection={
            "inspected_on": TODAY().isoformat(),
            "method": InspectionMethod.THROUGH_CONTRACTOR,
            "inspector": "委託先の監査部門",
            "result": InspectionResult.ADEQUATE,
            "findings": "監査報告書を確認した。",
        },
    )

    inspection = OutsourcingInspection.objects.get()
    assert (inspection.outsourcing, inspection.subcontracting, inspection.recorded_by) == (
        outsourcing,
        subcontracting,
        chief_manager,
    )


def test_a_future_subcontractor_inspection_is_refused_on_the_page_and_nothing_saved(client, chief_manager):
    subcontracting = subcontracting_approved(outsourcing_active(chief_manager), chief_manager)
    client.force_login(chief_manager)

    response = _subcontracting_post(
        client,
        subcontracting,
        clauses=CLAUSES_OF_OUTSOURCING[:1],
        inspection={
            "inspected_on": (TODAY() + datetime.timedelta(days=3)).isoformat(),
            "method": InspectionMethod.ON_SITE,
            "inspector": "検査 一郎",
            "result": InspectionResult.ADEQUATE,
            "findings": "所見",
        },
    )

    assert OutsourcingInspection.objects.count() == 0
    assert subcontracting.clauses.filter(checked=True).count() == 0  # the whole page rolled back
    assert any("未来の日付" in message for message in _messages(response))


def test_subcontractings_of_another_organization_are_not_listed(
    client, chief_manager, protection_manager, organization, other_organization
):
    own = subcontracting_approved(outsourcing_active(chief_manager, organization=organization), chief_manager)
    other = subcontracting_approved(outsourcing_active(chief_manager, organization=other_organization), chief_manager)
    client.force_login(protection_manager)

    listed = client.get(SUBCONTRACTINGS)
    page = client.get(_change_url(other))

    assert list(listed.context["cl"].result_list) == [own]
    assert page.status_code == 404


def test_the_outsourcing_page_links_each_subcontracting(client, chief_manager):
    subcontracting = subcontracting_approved(outsourcing_active(chief_manager), chief_manager)
    client.force_login(chief_manager)

    page = client.get(_change_url(subcontracting.outsourcing))

    assert _change_url(subcontracting) in page.content.decode()


QUERIES_ON_THE_SUBCONTRACTING_LIST = 11


@pytest.mark.parametrize("count", [1, 3])
def test_the_subcontracting_list_runs_a_fixed_number_of_queries(
    client, protection_manager, organization, count, django_assert_num_queries
):
    outsourcing = outsourcing_active(protection_manager, organization=organization)
    for n in range(count):
        subcontracting_approved(outsourcing, protection_manager, subcontractor=f"再委託先{n}株式会社")
    client.force_login(protection_manager)
    client.get(SUBCONTRACTINGS)

    with django_assert_num_queries(QUERIES_ON_THE_SUBCONTRACTING_LIST):
        response = client.get(SUBCONTRACTINGS)

    assert response.context["cl"].result_count == count == Subcontracting.objects.count()


# --- inspections (点検) ---


def _inspection_form(**fields):
    return {
        "subject": InspectionSubject.STORAGE,
        "occasion": "regular",
        "inspected_on": TODAY().isoformat(),
        "scope": "保管庫",
        "findings": "異常なし",
        "result": InspectionResult.ADEQUATE,
        "measures": "",
        "reported_on": "",
        **fields,
    }


def test_a_protection_manager_records_an_inspection_in_the_admin(client, protection_manager, organization):
    client.force_login(protection_manager)

    response = client.post(reverse("admin:compliance_inspection_add"), _inspection_form(organization=organization.pk))

    assert response.status_code == 302, _messages(response)
    inspection = Inspection.objects.get()
    assert (inspection.organization, inspection.recorded_by) == (organization, protection_manager)
    assert AccessRecord.objects.filter(action="create", object_type="compliance.inspection").count() == 1


def test_an_inspection_needing_improvement_without_measures_is_refused_on_the_page(client, chief_manager):
    client.force_login(chief_manager)

    response = client.post(
        reverse("admin:compliance_inspection_add"),
        _inspection_form(result=InspectionResult.NEEDS_IMPROVEMENT),
        follow=True,
    )

    assert Inspection.objects.count() == 0
    assert any("講じた措置を記入してください" in message for message in _messages(response))


def test_the_report_date_is_added_on_the_page_once(client, chief_manager):
    inspection = inspection_recorded(chief_manager, inspected_on=TODAY() - datetime.timedelta(days=2))
    client.force_login(chief_manager)

    page = client.get(_change_url(inspection))
    response = client.post(_change_url(inspection), {"reported_on": TODAY().isoformat()})
    again = client.get(_change_url(inspection))

    assert "reported_on" in page.context["adminform"].form.fields
    assert response.status_code == 302
    inspection.refresh_from_db()
    assert inspection.reported_on == TODAY()
    assert "reported_on" not in again.context["adminform"].form.fields


def test_the_inspection_list_warns_when_the_download_warning_was_not_reviewed_for_a_year(client, chief_manager):
    inspection_recorded(
        chief_manager,
        subject=InspectionSubject.DOWNLOAD_ALERT_SETTINGS,
        inspected_on=TODAY() - datetime.timedelta(days=400),
    )
    client.force_login(chief_manager)

    stale = client.get(INSPECTIONS)
    inspection_recorded(chief_manager, subject=InspectionSubject.DOWNLOAD_ALERT_SETTINGS)
    fresh = client.get(INSPECTIONS)

    assert any("第13条" in message and "1年以上" in message for message in _messages(stale))
    assert not any("第13条" in message for message in _messages(fresh))


def test_inspections_of_another_organization_are_not_listed(
    client, chief_manager, protection_manager, organization, other_organization
):
    own = inspection_recorded(chief_manager, organization=organization)
    other = inspection_recorded(chief_manager, organization=other_organization)
    client.force_login(protection_manager)

    listed = client.get(INSPECTIONS)
    page = client.get(_change_url(other))

    assert list(listed.context["cl"].result_list) == [own]
    assert page.status_code == 404


# The date hierarchy (years on record) and the organization filter add their own queries.
QUERIES_ON_THE_INSPECTION_LIST = 15


@pytest.mark.parametrize("count", [1, 3])
def test_the_inspection_list_runs_a_fixed_number_of_queries(
    client, protection_manager, organization, count, django_assert_num_queries
):
    for _ in range(count):
        inspection_recorded(protection_manager, organization=organization)
    client.force_login(protection_manager)
    client.get(INSPECTIONS)

    with django_assert_num_queries(QUERIES_ON_THE_INSPECTION_LIST):
        response = client.get(INSPECTIONS)

    assert response.context["cl"].result_count == count


# --- dataset corrections (第8条) ---


def test_a_protection_manager_records_a_correction_in_the_admin(client, protection_manager, organization):
    dataset = dataset_delivered(organization=organization)
    client.force_login(protection_manager)

    response = client.post(
        reverse("admin:compliance_datasetcorrection_add"),
        {
            "dataset": dataset.pk,
            "found_on": TODAY().isoformat(),
            "found_by": "保護担当者",
            "error": "件数が処理計画と異なる。",
            "instruction": "利用を停止し、再作成する。",
        },
    )

    assert response.status_code == 302, _messages(response)
    correction = DatasetCorrection.objects.get()
    assert (correction.dataset, correction.instructed_by) == (dataset, protection_manager)


def test_a_dataset_of_another_organization_cannot_be_chosen(client, protection_manager, other_organization):
    dataset = dataset_delivered(organization=other_organization)
    client.force_login(protection_manager)

    response = client.post(
        reverse("admin:compliance_datasetcorrection_add"),
        {
            "dataset": dataset.pk,
            "found_on": TODAY().isoformat(),
            "found_by": "職員",
            "error": "誤り",
            "instruction": "指示",
        },
    )

    assert response.status_code == 200
    assert "正しく選択してください" in response.content.decode()
    assert DatasetCorrection.objects.count() == 0


def test_the_correction_done_is_added_on_the_page_once(client, protection_manager):
    correction = correction_recorded(protection_manager)
    client.force_login(protection_manager)

    response = client.post(
        _change_url(correction), {"corrected_on": TODAY().isoformat(), "correction": "再作成して提供した。"}
    )
    again = client.get(_change_url(correction))

    assert response.status_code == 302
    correction.refresh_from_db()
    assert (correction.corrected_on, correction.correction) == (TODAY(), "再作成して提供した。")
    assert "correction" not in again.context["adminform"].form.fields


def test_a_correction_done_before_it_was_found_is_refused_on_the_page(client, protection_manager):
    correction = correction_recorded(protection_manager)
    client.force_login(protection_manager)

    response = client.post(
        _change_url(correction),
        {"corrected_on": (correction.found_on - datetime.timedelta(days=3)).isoformat(), "correction": "訂正"},
        follow=True,
    )

    correction.refresh_from_db()
    assert correction.corrected_on is None
    assert any("発見した日以後" in message for message in _messages(response))


QUERIES_ON_THE_CORRECTION_LIST = 12


@pytest.mark.parametrize("count", [1, 3])
def test_the_correction_list_runs_a_fixed_number_of_queries(
    client, protection_manager, count, django_assert_num_queries
):
    for _ in range(count):
        correction_recorded(protection_manager)
    client.force_login(protection_manager)
    client.get(CORRECTIONS)

    with django_assert_num_queries(QUERIES_ON_THE_CORRECTION_LIST):
        response = client.get(CORRECTIONS)

    assert response.context["cl"].result_count == count
