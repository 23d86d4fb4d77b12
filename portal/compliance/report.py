"""The compliance sections of the audit officer's period report (seed 004 第29条–第31条), registered with
portal.audit.report_sections in ComplianceConfig.ready(): incidents, inspections of contractors and
subcontractors (第26条第4項・第5項), the protection managers' inspections (点検, 第30条), the download warning's
settings and their periodic review (第13条), corrections of delivered datasets (第8条). Read only."""

import datetime
from collections.abc import Iterator

from django.db.models import Q
from django.utils import timezone

from portal.audit.report_sections import ReportSection, register_section
from portal.compliance.enums import PUBLICATION_DECISION, InspectionSubject, StepKind
from portal.compliance.models import DatasetCorrection, Incident, Inspection, OutsourcingInspection
from portal.compliance.selectors import (
    download_alert_settings,
    inspected_in,
    last_inspection,
    outsourcings_in_force,
    subcontractings_without_inspection,
)
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
    "検査の対象",
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
    """One row per inspection of a contractor or a subcontractor in the period, then one per contractor and
    one per subcontractor in force but not inspected in the fiscal year the period ends in (seed 004
    第26条第4項・第5項), marked 未実施."""
    inspections = (
        OutsourcingInspection.objects.filter(inspected_on__range=(start, end))
        .select_related("outsourcing__organization", "subcontracting")
        .order_by("inspected_on", "pk")
    )
    for inspection in inspections:
        yield (
            *_outsourcing_cells(inspection.outsourcing),
            _inspected_party(inspection.subcontracting),
            wareki(inspection.inspected_on),
            inspection.get_method_display(),
            inspection.inspector,
            inspection.get_result_display(),
            inspection.findings,
        )
    year = fiscal_year(end)
    not_inspected = "未実施（当該年度の検査の記録なし）"
    contractors = (
        outsourcings_in_force(year)
        .exclude(inspected_in(year))
        .select_related("organization")
        .order_by("period_end", "pk")
    )
    for outsourcing in contractors:
        yield (*_outsourcing_cells(outsourcing), "委託先", "－", "－", "－", not_inspected, "")
    for subcontracting in subcontractings_without_inspection(year).select_related("outsourcing__organization"):
        yield (
            *_outsourcing_cells(subcontracting.outsourcing),
            _inspected_party(subcontracting),
            "－",
            "－",
            "－",
            not_inspected,
            "",
        )


def _outsourcing_cells(outsourcing) -> tuple[str, str, str]:
    return (
        outsourcing.name,
        outsourcing.corporate_number or "－",
        outsourcing.organization.name if outsourcing.organization else "－",
    )


def _inspected_party(subcontracting) -> str:
    return "委託先" if subcontracting is None else f"再委託先：{subcontracting.subcontractor}"


INTERNAL_INSPECTION_COLUMNS = (
    "点検日",
    "定期・随時",
    "点検の対象",
    "点検した課室等",
    "点検の範囲",
    "評価",
    "点検の結果（所見）",
    "講じた措置",
    "総括管理者等への報告",
    "記録者",
)


def internal_inspection_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """One row per inspection (点検) of the protection managers dated in the period (seed 004 第30条)."""
    inspections = (
        Inspection.objects.filter(inspected_on__range=(start, end))
        .select_related("organization")
        .order_by("inspected_on", "pk")
    )
    for inspection in inspections:
        yield (
            wareki(inspection.inspected_on),
            inspection.get_occasion_display(),
            inspection.get_subject_display(),
            inspection.organization.name if inspection.organization else "機構全体",
            inspection.scope,
            inspection.get_result_display(),
            inspection.findings,
            inspection.measures or "－",
            wareki(inspection.reported_on) if inspection.reported_on else "未報告",
            inspection.recorded_by_name,
        )


_SETTING_LABELS = {
    "AUDIT_DOWNLOAD_ALERT_ROWS": ("1日あたりのダウンロードのレコード数", "件"),
    "AUDIT_DOWNLOAD_ALERT_BYTES": ("1日あたりのダウンロードのバイト数", "バイト"),
}


def _setting_text(value: int, unit: str) -> str:
    return f"{value:,}{unit}を超えたとき" if value else "0（この基準は使用しない）"


def download_alert_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """The download warning's thresholds in force when the report is made, and their periodic review
    (seed 004 第13条: 警告表示がなされる機能の設定、当該設定の定期的確認): the latest review, whether the
    settings changed since, and the reviews dated in the period."""
    current = download_alert_settings()
    for name, value in current.items():
        label, unit = _SETTING_LABELS[name]
        yield (f"現在の設定：{label}（{name}）", _setting_text(value, unit))
    last = last_inspection(InspectionSubject.DOWNLOAD_ALERT_SETTINGS)
    if last is None:
        yield ("設定の定期的確認（最新）", "記録なし")
        return
    yield (
        "設定の定期的確認（最新）",
        f"{wareki(last.inspected_on)}（{last.get_result_display()}、{last.recorded_by_name}）",
    )
    changed = last.settings_reviewed != current
    yield ("最新の確認以後の設定の変更", "あり（再度の確認が必要）" if changed else "なし")
    reviews = Inspection.objects.filter(
        subject=InspectionSubject.DOWNLOAD_ALERT_SETTINGS, inspected_on__range=(start, end)
    ).count()
    yield ("期間中の確認の回数", f"{reviews}回")


CORRECTION_COLUMNS = (
    "行政機関等匿名加工情報",
    "組織",
    "発見した日",
    "発見した者",
    "誤り等の内容",
    "保護管理者の指示",
    "指示した保護管理者",
    "訂正等を行った日",
    "行った訂正等の内容",
)


def correction_rows(start: datetime.date, end: datetime.date) -> Iterator[tuple[str, ...]]:
    """One row per error found in a delivered dataset in the period, or still not corrected (seed 004 第8条)."""
    corrections = (
        DatasetCorrection.objects.filter(
            Q(found_on__range=(start, end)) | Q(corrected_on__isnull=True, found_on__lte=end)
        )
        .select_related("organization")
        .order_by("found_on", "pk")
    )
    for correction in corrections:
        yield (
            correction.dataset_name,
            correction.organization.name,
            wareki(correction.found_on),
            correction.found_by,
            correction.error,
            correction.instruction,
            correction.instructed_by_name,
            wareki(correction.corrected_on) if correction.corrected_on else "未了",
            correction.correction or "－",
        )


def register_audit_sections() -> None:
    register_section(
        ReportSection(key="incidents", title="事案", columns=INCIDENT_COLUMNS, rows=incident_rows, order=40)
    )
    register_section(
        ReportSection(
            key="outsourcing_inspections",
            title="委託先・再委託先の検査（第26条第4項・第5項）",
            columns=INSPECTION_COLUMNS,
            rows=inspection_rows,
            order=45,
        )
    )
    register_section(
        ReportSection(
            key="inspections",
            title="保護管理者による点検（第30条）",
            columns=INTERNAL_INSPECTION_COLUMNS,
            rows=internal_inspection_rows,
            order=46,
        )
    )
    register_section(
        ReportSection(
            key="download_alert_settings",
            title="ダウンロードの警告の設定とその定期的確認（第13条）",
            columns=("項目", "内容"),
            rows=download_alert_rows,
            order=36,
        )
    )
    register_section(
        ReportSection(
            key="dataset_corrections",
            title="行政機関等匿名加工情報の誤りの訂正等（第8条）",
            columns=CORRECTION_COLUMNS,
            rows=correction_rows,
            order=47,
        )
    )
