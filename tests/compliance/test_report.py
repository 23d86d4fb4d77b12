"""The compliance sections of the audit officer's period report (seed 004 第29条)."""

import datetime

import pytest
from django.utils import timezone

from portal.audit.report_sections import report_sections
from portal.compliance import services
from portal.compliance.enums import IncidentStatus, InspectionMethod, InspectionResult, StepKind
from portal.compliance.models import Incident
from portal.jdates import wareki
from tests.factories.compliance import incident_reported, outsourcing_active, outsourcing_created

pytestmark = pytest.mark.django_db


def _section(key):
    return next(section for section in report_sections() if section.key == key)


def test_the_sections_are_registered_with_their_titles():
    sections = {section.key: section for section in report_sections()}

    assert sections["incidents"].title == "事案"
    assert sections["outsourcing_inspections"].title == "委託先の検査"


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
    services.inspection_record(
        outsourcing=inspected,
        actor=chief_manager,
        inspected_on=today,
        method=InspectionMethod.ON_SITE,
        inspector="検査 一郎",
        findings="適切に管理されていた。",
        result=InspectionResult.ADEQUATE,
    )
    outsourcing_active(chief_manager, name="未検査株式会社")
    outsourcing_created(chief_manager, name="準備中株式会社")
    section = _section("outsourcing_inspections")

    rows = list(section.rows(today - datetime.timedelta(days=1), today))

    assert [(row[0], row[3], row[6]) for row in rows] == [
        ("検査済み株式会社", wareki(today), "適切"),
        ("未検査株式会社", "－", "未実施（当該年度の検査の記録なし）"),
    ]
    assert all(len(row) == len(section.columns) for row in rows)
