"""The compliance sections of the audit officer's period report (seed 004 第29条–第31条), registered with
portal.audit.report_sections in ComplianceConfig.ready(). Read only."""

import datetime
from collections.abc import Iterator

from django.utils import timezone

from portal.audit.report_sections import ReportSection, register_section
from portal.compliance.enums import PUBLICATION_DECISION, StepKind
from portal.compliance.models import Incident, OutsourcingInspection
from portal.compliance.selectors import outsourcings_without_inspection
from portal.jdates import fiscal_year, wareki

INCIDENT_COLUMNS = (
    "事案番号",
    "把握日",
    "件名",
    "組織",
    "報告の経路",
    "状況",
    "公表",
    "個人情報保護委員会への報告",
)
INSPECTION_COLUMNS = (
    "委託先",
    "法人番号",
    "委託元の組織",
    "検査日",
    "検査の方法",
    "検査者",
    "検査の結果",
    "検査の所見",
)


def _day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start 00:00, the day after end 00:00) in Japan time (the project's TIME_ZONE)."""
    zone = timezone.get_default_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=zone)
    after = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone)
    return first, after


def incident_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """One row per incident detected in the period (both days included)."""
    first, after = _day_bounds(start, end)
    incidents = (
        Incident.objects.filter(detected_at__gte=first, detected_at__lt=after)
        .select_related("organization")
        .prefetch_related("steps")
        .order_by("detected_at", "pk")
    )
    for incident in incidents:
        steps = list(incident.steps.all())
        decisions = [step for step in steps if step.kind in PUBLICATION_DECISION]
        publication = "未定"
        if decisions:
            last = decisions[-1]
            publication = f"公表（{wareki(last.taken_at)}）" if last.kind == StepKind.PUBLICATION else "公表しない"
        reports = [step for step in steps if step.kind == StepKind.COMMISSION_REPORT]
        commission = "、".join(f"{wareki(step.taken_at)}（{step.reference}）" for step in reports) or "なし"
        yield (
            incident.number,
            wareki(incident.detected_at),
            incident.title,
            incident.organization.name if incident.organization else "－",
            incident.get_source_display(),
            incident.get_status_display(),
            publication,
            commission,
        )


def inspection_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """One row per inspection in the period, then one per active outsourcing not inspected in the fiscal
    year the period ends in (seed 004 第26条第4項), marked 未実施."""
    inspections = (
        OutsourcingInspection.objects.filter(inspected_on__range=(start, end))
        .select_related("outsourcing__organization")
        .order_by("inspected_on", "pk")
    )
    for inspection in inspections:
        outsourcing = inspection.outsourcing
        yield (
            outsourcing.name,
            outsourcing.corporate_number or "－",
            outsourcing.organization.name if outsourcing.organization else "－",
            wareki(inspection.inspected_on),
            inspection.get_method_display(),
            inspection.inspector,
            inspection.get_result_display(),
            inspection.findings,
        )
    for outsourcing in outsourcings_without_inspection(fiscal_year(end)).select_related("organization"):
        yield (
            outsourcing.name,
            outsourcing.corporate_number or "－",
            outsourcing.organization.name if outsourcing.organization else "－",
            "－",
            "－",
            "－",
            "未実施（当該年度の検査の記録なし）",
            "",
        )


def register_audit_sections() -> None:
    register_section(
        ReportSection(key="incidents", title="事案", columns=INCIDENT_COLUMNS, rows=incident_rows, order=40)
    )
    register_section(
        ReportSection(
            key="outsourcing_inspections",
            title="委託先の検査",
            columns=INSPECTION_COLUMNS,
            rows=inspection_rows,
            order=45,
        )
    )
