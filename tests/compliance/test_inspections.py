"""The protection managers' inspections (点検, seed 004 第30条; the review of the download warning, 第13条;
the check of temporary copies, 第17条第2項) and the corrections of delivered datasets (第8条)."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from portal.accounts.roles import StaffRole
from portal.audit.models import AccessRecord
from portal.compliance import services
from portal.compliance.enums import InspectionOccasion, InspectionResult, InspectionSubject
from portal.compliance.models import DatasetCorrection, Inspection
from portal.compliance.selectors import dataset_corrections_for_user, inspections_for_user, last_inspection
from portal.workflow import actor_name
from tests.factories.accounts import staff_user
from tests.factories.compliance import correction_recorded, dataset_delivered, inspection_recorded

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _records(obj):
    return list(
        AccessRecord.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("position")
        .values_list("action", "detail")
    )


# --- 点検 (第30条) ---


def test_inspection_record_keeps_what_when_who_and_is_an_access_record(protection_manager, organization):
    inspection = inspection_recorded(
        protection_manager,
        organization=organization,
        subject=InspectionSubject.PROCESSING_PATHS,
        occasion=InspectionOccasion.AD_HOC,
        scope=" 加工用端末から納品までの経路 ",
    )

    assert (inspection.organization, inspection.subject, inspection.occasion) == (
        organization,
        InspectionSubject.PROCESSING_PATHS,
        InspectionOccasion.AD_HOC,
    )
    assert inspection.scope == "加工用端末から納品までの経路"
    assert (inspection.recorded_by, inspection.recorded_by_name) == (protection_manager, actor_name(protection_manager))
    assert inspection.settings_reviewed == {}
    assert _records(inspection) == [("create", {})]


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"inspected_on": TODAY() + datetime.timedelta(days=1)}, "点検日に未来の日付"),
        ({"inspected_on": None}, "点検日を入力"),
        ({"scope": " "}, "点検の範囲と点検の結果"),
        ({"findings": ""}, "点検の範囲と点検の結果"),
        ({"subject": "everything"}, "点検の対象と定期・随時"),
        ({"occasion": "sometimes"}, "点検の対象と定期・随時"),
        ({"result": "fine"}, "評価を選んで"),
        ({"result": InspectionResult.INADEQUATE, "measures": " "}, "講じた措置を記入"),
        ({"result": InspectionResult.NEEDS_IMPROVEMENT}, "講じた措置を記入"),
        ({"reported_on": TODAY() + datetime.timedelta(days=1)}, "報告日に未来の日付"),
        (
            {"inspected_on": TODAY() - datetime.timedelta(days=3), "reported_on": TODAY() - datetime.timedelta(days=4)},
            "報告日は点検日以後",
        ),
    ],
)
def test_inspection_record_bad_input_is_refused_and_nothing_saved(chief_manager, fields, message):
    with pytest.raises(services.ComplianceError, match=message):
        inspection_recorded(chief_manager, **fields)

    assert Inspection.objects.count() == 0
    assert not AccessRecord.objects.filter(object_type="compliance.inspection").exists()


def test_inspection_not_adequate_with_measures_is_recorded(chief_manager):
    inspection = inspection_recorded(
        chief_manager, result=InspectionResult.NEEDS_IMPROVEMENT, measures="媒体管理簿の様式を改めた。"
    )

    assert inspection.measures == "媒体管理簿の様式を改めた。"


@pytest.mark.parametrize("role", [StaffRole.PROTECTION_OFFICER, StaffRole.AUDIT_OFFICER, StaffRole.SCREENER])
def test_inspection_record_refused_for_roles_other_than_the_managers(role):
    with pytest.raises(services.ComplianceError, match="権限"):
        inspection_recorded(staff_user(role))

    assert Inspection.objects.count() == 0


def test_inspection_of_another_organization_refused_for_a_protection_manager(protection_manager, other_organization):
    with pytest.raises(services.ComplianceError, match="この組織の点検"):
        inspection_recorded(protection_manager, organization=other_organization)

    assert Inspection.objects.count() == 0


def test_inspection_report_adds_the_date_once(protection_manager, organization):
    inspection = inspection_recorded(protection_manager, organization=organization)

    reported = services.inspection_report(inspection=inspection, actor=protection_manager, reported_on=TODAY())

    assert (reported.reported_on, reported.reported_by_name) == (TODAY(), actor_name(protection_manager))
    assert _records(inspection)[-1] == ("change", {"reported": True})
    with pytest.raises(services.ComplianceError, match="既に記録されています"):
        services.inspection_report(inspection=inspection, actor=protection_manager, reported_on=TODAY())


@pytest.mark.parametrize(
    "reported_on, message",
    [
        (None, "報告日を入力"),
        (datetime.date(2000, 1, 1), "報告日は点検日以後"),
        (datetime.date(2999, 1, 1), "未来の日付"),
    ],
)
def test_inspection_report_bad_date_is_refused(chief_manager, reported_on, message):
    inspection = inspection_recorded(chief_manager)

    with pytest.raises(services.ComplianceError, match=message):
        services.inspection_report(inspection=inspection, actor=chief_manager, reported_on=reported_on)

    inspection.refresh_from_db()
    assert inspection.reported_on is None


def test_inspection_report_refused_for_a_manager_of_another_organization(chief_manager, other_organization):
    inspection = inspection_recorded(chief_manager, organization=other_organization)
    elsewhere = staff_user(StaffRole.PROTECTION_MANAGER)

    with pytest.raises(services.ComplianceError, match="権限"):
        services.inspection_report(inspection=inspection, actor=elsewhere, reported_on=TODAY())


def test_inspections_for_user_limits_protection_managers_to_their_organization(
    chief_manager, protection_manager, audit_officer, organization, other_organization
):
    own = inspection_recorded(chief_manager, organization=organization)
    other = inspection_recorded(chief_manager, organization=other_organization)
    institute = inspection_recorded(chief_manager)

    assert set(inspections_for_user(protection_manager)) == {own, institute}
    assert set(inspections_for_user(chief_manager)) == {own, other, institute}
    assert set(inspections_for_user(audit_officer)) == {own, other, institute}
    assert list(inspections_for_user(staff_user(StaffRole.PROTECTION_OFFICER, organization=organization))) == []


# --- the periodic review of the download warning (第13条) ---


@override_settings(AUDIT_DOWNLOAD_ALERT_ROWS=5000, AUDIT_DOWNLOAD_ALERT_BYTES=1024)
def test_a_review_of_the_download_warning_keeps_the_thresholds_reviewed(chief_manager):
    inspection = inspection_recorded(chief_manager, subject=InspectionSubject.DOWNLOAD_ALERT_SETTINGS)

    assert inspection.settings_reviewed == {"AUDIT_DOWNLOAD_ALERT_ROWS": 5000, "AUDIT_DOWNLOAD_ALERT_BYTES": 1024}


def test_last_inspection_is_the_latest_of_the_subject(chief_manager):
    inspection_recorded(
        chief_manager,
        subject=InspectionSubject.DOWNLOAD_ALERT_SETTINGS,
        inspected_on=TODAY() - datetime.timedelta(days=200),
    )
    latest = inspection_recorded(chief_manager, subject=InspectionSubject.DOWNLOAD_ALERT_SETTINGS)
    inspection_recorded(chief_manager, subject=InspectionSubject.MEDIA, inspected_on=TODAY())

    assert last_inspection(InspectionSubject.DOWNLOAD_ALERT_SETTINGS) == latest
    assert last_inspection(InspectionSubject.TEMPORARY_COPIES) is None


# --- corrections of delivered datasets (第8条) ---


def test_correction_record_keeps_the_error_and_the_instruction(protection_manager, organization):
    dataset = dataset_delivered(organization=organization)

    correction = correction_recorded(protection_manager, dataset=dataset)

    assert (correction.dataset, correction.organization, correction.dataset_name) == (
        dataset,
        organization,
        str(dataset),
    )
    assert (correction.instructed_by, correction.is_corrected) == (protection_manager, False)
    assert _records(correction) == [("create", {"dataset": str(dataset.public_id)})]


def test_correction_refused_for_a_manager_of_another_organization(protection_manager, other_organization):
    dataset = dataset_delivered(organization=other_organization)

    with pytest.raises(services.ComplianceError, match="訂正等を指示する権限"):
        correction_recorded(protection_manager, dataset=dataset)

    assert DatasetCorrection.objects.count() == 0


@pytest.mark.parametrize("role", [StaffRole.CHIEF_MANAGER, StaffRole.AUDIT_OFFICER, StaffRole.PROTECTION_OFFICER])
def test_correction_instruction_is_the_protection_managers(role, organization):
    """第8条: 保護管理者の指示. The chief manager oversees but manages no organization's files; the others
    hold the organization's grant but not the permission."""
    dataset = dataset_delivered(organization=organization)
    actor = staff_user(role, organization=None if role == StaffRole.CHIEF_MANAGER else organization)

    with pytest.raises(services.ComplianceError, match="権限"):
        correction_recorded(actor, dataset=dataset)

    assert DatasetCorrection.objects.count() == 0


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"found_on": None}, "発見した日を入力"),
        ({"found_on": TODAY() + datetime.timedelta(days=1)}, "未来の日付"),
        ({"error": " "}, "誤り等の内容"),
        ({"instruction": ""}, "保護管理者の指示"),
        ({"found_by": ""}, "発見した者"),
    ],
)
def test_correction_record_bad_input_is_refused(protection_manager, organization, fields, message):
    dataset = dataset_delivered(organization=organization)

    with pytest.raises(services.ComplianceError, match=message):
        correction_recorded(protection_manager, dataset=dataset, **fields)

    assert DatasetCorrection.objects.count() == 0


def test_correction_complete_records_what_was_done_once(protection_manager, chief_manager):
    correction = correction_recorded(protection_manager)

    done = services.dataset_correction_complete(
        correction=correction, actor=chief_manager, corrected_on=TODAY(), text=" 消去し、再作成して提供した。 "
    )

    assert (done.correction, done.corrected_on, done.corrected_by, done.is_corrected) == (
        "消去し、再作成して提供した。",
        TODAY(),
        chief_manager,
        True,
    )
    assert _records(correction)[-1] == ("change", {"corrected": True})
    with pytest.raises(services.ComplianceError, match="既に記録されています"):
        services.dataset_correction_complete(
            correction=correction, actor=chief_manager, corrected_on=TODAY(), text="再度"
        )


@pytest.mark.parametrize(
    "corrected_on, text, message",
    [
        (None, "訂正した。", "訂正等を行った日と"),
        ("today", " ", "訂正等を行った日と"),
        ("future", "訂正した。", "未来の日付"),
        ("before", "訂正した。", "発見した日以後"),
    ],
)
def test_correction_complete_bad_input_is_refused(protection_manager, corrected_on, text, message):
    correction = correction_recorded(protection_manager)
    day = {
        "today": TODAY(),
        "future": TODAY() + datetime.timedelta(days=1),
        "before": correction.found_on - datetime.timedelta(days=1),
    }.get(corrected_on)

    with pytest.raises(services.ComplianceError, match=message):
        services.dataset_correction_complete(
            correction=correction, actor=protection_manager, corrected_on=day, text=text
        )

    correction.refresh_from_db()
    assert correction.corrected_on is None


def test_dataset_corrections_for_user_limits_protection_managers_to_their_organization(
    protection_manager, chief_manager, audit_officer, other_organization
):
    own = correction_recorded(protection_manager)
    elsewhere_manager = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)
    other = correction_recorded(elsewhere_manager)

    assert list(dataset_corrections_for_user(protection_manager)) == [own]
    assert set(dataset_corrections_for_user(chief_manager)) == {own, other}
    assert set(dataset_corrections_for_user(audit_officer)) == {own, other}
