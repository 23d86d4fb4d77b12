"""Writes of the protection managers' inspections (点検, seed 004 第30条, with the periodic review of the
download warning, 第13条, and the check of the erasure of temporary copies, 第17条第2項) and of the
corrections of delivered datasets (誤りの訂正等, 第8条).

Each checks who may do it (the model permission and the organization), runs in one transaction, writes an
access record 作成/変更 (第12条), and raises ComplianceError with a message for the person when a rule refuses.
"""

import datetime

from django.db import transaction

from portal.accounts.roles import organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.compliance.enums import InspectionOccasion, InspectionResult, InspectionSubject
from portal.compliance.models import DatasetCorrection, Inspection
from portal.compliance.selectors import dataset_corrections_for_user, download_alert_settings, inspections_for_user
from portal.compliance.services.common import NOT_ALLOWED, ComplianceError, not_future, require, stripped
from portal.workflow import actor_name


def _check_reported_on(reported_on: datetime.date | None, inspected_on: datetime.date) -> None:
    not_future(reported_on, "総括管理者及び研究所等管理者への報告日")
    if reported_on is not None and reported_on < inspected_on:
        raise ComplianceError("報告日は点検日以後の日付にしてください。")


@transaction.atomic
def inspection_record(
    *,
    actor,
    subject: str,
    occasion: str,
    inspected_on: datetime.date,
    scope: str,
    findings: str,
    result: str,
    measures: str = "",
    organization=None,
    reported_on: datetime.date | None = None,
) -> Inspection:
    """Record an inspection (点検) of a section's recording media, processing paths, storage … (seed 004
    第30条: 定期及び随時), or of the download warning's settings (第13条: 当該設定の定期的確認, the thresholds in
    force are kept with it) or of the erasure of temporary copies (第17条第2項).

    Chief and protection managers (compliance.add_inspection); a protection manager for the organizations
    they manage or for the whole institute (`organization` None). A result other than 適切 needs the
    measures taken. Never changed afterwards except by inspection_report. Access record 作成.
    """
    require(actor, "compliance.add_inspection")
    if (
        organization is not None
        and not actor.has_perm("compliance.oversee_inspection")
        and not organizations_managed_by(actor).filter(pk=organization.pk).exists()
    ):
        raise ComplianceError("この組織の点検を記録する権限がありません。")
    if subject not in InspectionSubject.values or occasion not in InspectionOccasion.values:
        raise ComplianceError("点検の対象と定期・随時を選んでください。")
    if result not in InspectionResult.values:
        raise ComplianceError("評価を選んでください。")
    if inspected_on is None:
        raise ComplianceError("点検日を入力してください。")
    not_future(inspected_on, "点検日")
    if not stripped(scope) or not stripped(findings):
        raise ComplianceError("点検の範囲と点検の結果（所見）を記入してください。")
    if result != InspectionResult.ADEQUATE and not stripped(measures):
        raise ComplianceError("評価が「適切」でない場合は、講じた措置を記入してください。")
    _check_reported_on(reported_on, inspected_on)
    inspection = Inspection.objects.create(
        organization=organization,
        subject=InspectionSubject(subject),
        occasion=InspectionOccasion(occasion),
        inspected_on=inspected_on,
        scope=stripped(scope),
        findings=stripped(findings),
        result=InspectionResult(result),
        measures=stripped(measures),
        settings_reviewed=download_alert_settings() if subject == InspectionSubject.DOWNLOAD_ALERT_SETTINGS else {},
        reported_on=reported_on,
        reported_by_name=actor_name(actor) if reported_on else "",
        recorded_by=actor,
        recorded_by_name=actor_name(actor),
    )
    access_record(actor=actor, action=AccessAction.CREATE, result=AccessResult.SUCCESS, obj=inspection)
    return inspection


@transaction.atomic
def inspection_report(*, inspection: Inspection, actor, reported_on: datetime.date) -> Inspection:
    """Add the date the result was reported to the chief manager and the institute manager (seed 004
    第30条), once. Chief and protection managers (compliance.change_inspection) on inspections they see.
    Access record 変更."""
    require(actor, "compliance.change_inspection")
    locked = inspections_for_user(actor).select_for_update().filter(pk=inspection.pk).first()
    if locked is None:
        raise ComplianceError(NOT_ALLOWED)
    if locked.reported_on is not None:
        raise ComplianceError("報告日は既に記録されています。")
    if reported_on is None:
        raise ComplianceError("報告日を入力してください。")
    _check_reported_on(reported_on, locked.inspected_on)
    locked.reported_on = reported_on
    locked.reported_by_name = actor_name(actor)
    locked.save(update_fields=["reported_on", "reported_by_name"])
    access_record(
        actor=actor, action=AccessAction.CHANGE, result=AccessResult.SUCCESS, obj=locked, detail={"reported": True}
    )
    return locked


@transaction.atomic
def dataset_correction_record(
    *, dataset, actor, found_on: datetime.date, found_by: str, error: str, instruction: str
) -> DatasetCorrection:
    """Record an error found in a delivered anonymized dataset and the protection manager's instruction
    (seed 004 第8条: 保護管理者の指示に従い、訂正等を行わなければならない).

    The instruction is the actor's: a protection manager of the organization of the dataset's register
    entry (compliance.add_datasetcorrection and accounts.manage_files there). Access record 作成.
    """
    require(actor, "compliance.add_datasetcorrection")
    if dataset is None:
        raise ComplianceError("行政機関等匿名加工情報を選んでください。")
    organization = dataset.entry.organization
    if not organizations_managed_by(actor).filter(pk=organization.pk).exists():
        raise ComplianceError("この行政機関等匿名加工情報の訂正等を指示する権限がありません。")
    if found_on is None:
        raise ComplianceError("誤り等を発見した日を入力してください。")
    not_future(found_on, "誤り等を発見した日")
    if not stripped(found_by) or not stripped(error) or not stripped(instruction):
        raise ComplianceError("発見した者、誤り等の内容及び保護管理者の指示を記入してください。")
    correction = DatasetCorrection.objects.create(
        dataset=dataset,
        dataset_name=str(dataset)[:300],
        organization=organization,
        found_on=found_on,
        found_by=stripped(found_by),
        error=stripped(error),
        instruction=stripped(instruction),
        instructed_by=actor,
        instructed_by_name=actor_name(actor),
    )
    access_record(
        actor=actor,
        action=AccessAction.CREATE,
        result=AccessResult.SUCCESS,
        obj=correction,
        detail={"dataset": str(dataset.public_id)},
    )
    return correction


@transaction.atomic
def dataset_correction_complete(
    *, correction: DatasetCorrection, actor, corrected_on: datetime.date, text: str
) -> DatasetCorrection:
    """Record what was done on the instruction (訂正等: the correction, a new dataset, the disposal …) and
    when, once (seed 004 第8条). Chief and protection managers (compliance.change_datasetcorrection) on
    corrections they see. Access record 変更."""
    require(actor, "compliance.change_datasetcorrection")
    locked = dataset_corrections_for_user(actor).select_for_update().filter(pk=correction.pk).first()
    if locked is None:
        raise ComplianceError(NOT_ALLOWED)
    if locked.corrected_on is not None:
        raise ComplianceError("訂正等は既に記録されています。")
    if corrected_on is None or not stripped(text):
        raise ComplianceError("訂正等を行った日と行った訂正等の内容を記入してください。")
    not_future(corrected_on, "訂正等を行った日")
    if corrected_on < locked.found_on:
        raise ComplianceError("訂正等を行った日は誤り等を発見した日以後の日付にしてください。")
    locked.correction = stripped(text)
    locked.corrected_on = corrected_on
    locked.corrected_by = actor
    locked.corrected_by_name = actor_name(actor)
    locked.save(update_fields=["correction", "corrected_on", "corrected_by", "corrected_by_name"])
    access_record(
        actor=actor, action=AccessAction.CHANGE, result=AccessResult.SUCCESS, obj=locked, detail={"corrected": True}
    )
    return locked
