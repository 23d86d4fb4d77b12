"""The compliance sections of the audit officer's period report (seed 004 第29条)."""

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from portal.audit.report_sections import report_sections
from portal.compliance import services
from portal.compliance.enums import IncidentStatus, InspectionMethod, InspectionResult, InspectionSubject, StepKind
from portal.compliance.models import Incident, Inspection
from portal.jdates import wareki
from portal.workflow import actor_name
from tests.factories.compliance import (
    correction_recorded,
    incident_reported,
    inspection_recorded,
    outsourcing_active,
    outsourcing_created,
    subcontracting_active,
)

pytestmark = pytest.mark.django_db


def _section(key):
    return next(section for section in report_sections() if section.key == key)


def test_the_sections_are_registered_with_their_titles():
    sections = {section.key: section for section in report_sections()}

    assert sections["incidents"].title == "事案"
    assert sections["outsourcing_inspections"].title == "委託先・再委託先の検査（第26条第4項・第5項）"
    assert sections["inspections"].title == "保護管理者による点検（第30条）"
    assert sections["download_alert_settings"].title == "ダウンロードの警告の設定とその定期的確認（第13条）"
    assert sections["dataset_corrections"].title == "行政機関等匿名加工情報の誤りの訂正等（第8条）"


def test_incident_rows_cover_the_period_with_publication_and_commission_report(chief_manager, organization):
    today = timezone.localdate()
    incident = incident_reported(chief_manager, organization=organization, title="誤送信")
    now = timezone.now()
    services.incident_step_record(
        incident=incident, actor=chief_manager, kind=StepKind.PUBLICATION, text="公表した。", taken_at=now
    )
    services.incident_step_record(
        incident=incident,
        actor=chief_manager,
        kind=StepKind.COMMISSION_REPORT,
        text="情報提供した。",
        taken_at=now,
        reference="個情第1号",
    )
    outside = incident_reported(chief_manager, title="期間外")
    Incident.objects.filter(pk=outside.pk).update(detected_at=now - datetime.timedelta(days=40))
    section = _section("incidents")

    rows = list(section.rows(today - datetime.timedelta(days=7), today))

    assert rows == [
        (
            incident.number,
            wareki(today),
            "誤送信",
            organization.name,
            "職員からの報告（第27条第1項）",
            IncidentStatus.REPORTED.label,
            f"公表（{wareki(today)}）",
            f"{wareki(today)}（個情第1号）",
        )
    ]
    assert all(len(row) == len(section.columns) for row in rows)


def test_incident_rows_say_not_decided_and_none(chief_manager):
    incident_reported(chief_manager)
    today = timezone.localdate()

    (row,) = _section("incidents").rows(today, today)

    assert (row[3], row[6], row[7]) == ("－", "未定", "なし")


def test_inspection_rows_list_inspections_then_the_uninspected(chief_manager):
    today = timezone.localdate()
    inspected = outsourcing_active(chief_manager, name="検査済み株式会社")
    services.outsourcing_inspection_record(
        outsourcing=inspected,
        actor=chief_manager,
        inspected_on=today,
        method=InspectionMethod.ON_SITE,
        inspector="検査 一郎",
        findings="適切に管理されていた。",
        result=InspectionResult.ADEQUATE,
    )
    subcontracting_active(inspected, chief_manager, subcontractor="未検査子会社株式会社")
    outsourcing_active(chief_manager, name="未検査株式会社")
    outsourcing_created(chief_manager, name="準備中株式会社")
    section = _section("outsourcing_inspections")

    rows = list(section.rows(today - datetime.timedelta(days=1), today))

    assert [(row[0], row[3], row[4], row[7]) for row in rows] == [
        ("検査済み株式会社", "委託先", wareki(today), "適切"),
        ("未検査株式会社", "委託先", "－", "未実施（当該年度の検査の記録なし）"),
        ("検査済み株式会社", "再委託先：未検査子会社株式会社", "－", "未実施（当該年度の検査の記録なし）"),
    ]
    assert all(len(row) == len(section.columns) for row in rows)


def test_inspection_rows_name_the_subcontractor_inspected(chief_manager):
    today = timezone.localdate()
    outsourcing = outsourcing_active(chief_manager, name="委託先株式会社")
    subcontracting = subcontracting_active(outsourcing, chief_manager, subcontractor="再委託先株式会社")
    services.outsourcing_inspection_record(
        outsourcing=outsourcing,
        subcontracting=subcontracting,
        actor=chief_manager,
        inspected_on=today,
        method=InspectionMethod.THROUGH_CONTRACTOR,
        inspector="委託先の監査部門",
        findings="監査報告書を確認した。",
        result=InspectionResult.ADEQUATE,
    )

    rows = list(_section("outsourcing_inspections").rows(today, today))

    assert [(row[0], row[3], row[5]) for row in rows] == [
        ("委託先株式会社", "再委託先：再委託先株式会社", "委託先を通じた確認（再委託先）"),
        ("委託先株式会社", "委託先", "－"),
    ]


# --- 点検 (第30条) ---


def test_internal_inspection_rows_cover_the_period(chief_manager, organization):
    today = timezone.localdate()
    inspection_recorded(
        chief_manager,
        organization=organization,
        result=InspectionResult.NEEDS_IMPROVEMENT,
        measures="施錠の手順を改めた。",
        reported_on=today,
    )
    old = inspection_recorded(chief_manager, subject=InspectionSubject.MEDIA)
    Inspection.objects.filter(pk=old.pk).update(inspected_on=today - datetime.timedelta(days=40))
    section = _section("inspections")

    rows = list(section.rows(today - datetime.timedelta(days=7), today))

    assert rows == [
        (
            wareki(today),
            "定期",
            "保管方法（第30条）",
            organization.name,
            "保管庫及び媒体管理簿",
            "改善を要する",
            "管理簿と保管庫の媒体が一致していた。",
            "施錠の手順を改めた。",
            wareki(today),
            actor_name(chief_manager),
        )
    ]
    assert all(len(row) == len(section.columns) for row in rows)


def test_internal_inspection_rows_say_institute_wide_and_not_reported(chief_manager):
    today = timezone.localdate()
    inspection_recorded(chief_manager)

    (row,) = _section("inspections").rows(today, today)

    assert (row[3], row[7], row[8]) == ("機構全体", "－", "未報告")


# --- the download warning's settings (第13条) ---


def _settings_rows(start=None, end=None):
    today = timezone.localdate()
    return dict(_section("download_alert_settings").rows(start or today, end or today))


@override_settings(AUDIT_DOWNLOAD_ALERT_ROWS=5000, AUDIT_DOWNLOAD_ALERT_BYTES=0)
def test_download_alert_rows_show_the_thresholds_in_force_and_no_review():
    rows = _settings_rows()

    assert rows == {
        "現在の設定：1日あたりのダウンロードのレコード数（AUDIT_DOWNLOAD_ALERT_ROWS）": "5,000件を超えたとき",
        "現在の設定：1日あたりのダウンロードのバイト数（AUDIT_DOWNLOAD_ALERT_BYTES）": "0（この基準は使用しない）",
        "設定の定期的確認（最新）": "記録なし",
    }


def test_download_alert_rows_show_the_latest_review_and_whether_the_settings_changed_since(chief_manager):
    today = timezone.localdate()
    with override_settings(AUDIT_DOWNLOAD_ALERT_ROWS=5000):
        inspection_recorded(chief_manager, subject=InspectionSubject.DOWNLOAD_ALERT_SETTINGS)
        unchanged = _settings_rows()
    with override_settings(AUDIT_DOWNLOAD_ALERT_ROWS=8000):
        changed = _settings_rows(today + datetime.timedelta(days=1), today + datetime.timedelta(days=2))

    assert unchanged["設定の定期的確認（最新）"] == f"{wareki(today)}（適切、{actor_name(chief_manager)}）"
    assert unchanged["最新の確認以後の設定の変更"] == "なし"
    assert unchanged["期間中の確認の回数"] == "1回"
    assert changed["最新の確認以後の設定の変更"] == "あり（再度の確認が必要）"
    assert changed["期間中の確認の回数"] == "0回"


# --- corrections of datasets (第8条) ---


def test_correction_rows_list_those_found_in_the_period_and_those_still_open(protection_manager):
    today = timezone.localdate()
    done = correction_recorded(protection_manager, found_on=today - datetime.timedelta(days=60))
    services.dataset_correction_complete(
        correction=done, actor=protection_manager, corrected_on=today - datetime.timedelta(days=50), text="再作成した。"
    )
    still_open = correction_recorded(protection_manager, found_on=today - datetime.timedelta(days=40))
    this_week = correction_recorded(protection_manager, found_on=today - datetime.timedelta(days=1))
    section = _section("dataset_corrections")

    rows = list(section.rows(today - datetime.timedelta(days=7), today))

    assert [(row[2], row[7]) for row in rows] == [
        (wareki(still_open.found_on), "未了"),
        (wareki(this_week.found_on), "未了"),
    ]
    assert rows[0][0] == still_open.dataset_name
    assert all(len(row) == len(section.columns) for row in rows)
