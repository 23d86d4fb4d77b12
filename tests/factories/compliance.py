"""Incidents and outsourcings (compliance), built through the services so the numbering, escalation and the
clause rows are the real ones."""

import datetime

from django.utils import timezone

from anonymizer.enums import JobStatus
from anonymizer.models import AnonymizedDataset, DatasetJob
from files_registry.models import RegisterEntry
from portal.accounts.roles import StaffRole
from portal.compliance import services
from portal.compliance.enums import (
    InspectionOccasion,
    InspectionResult,
    InspectionSubject,
    OutsourcingStatus,
    SubcontractingStatus,
)
from tests.contracts.helpers import concluded_contract
from tests.factories.accounts import staff_user
from tests.factories.proposals import CORPORATE_NUMBER


def incident_reported(actor, **fields):
    """An incident reported by `actor` an hour ago (status 報告受付)."""
    values = {
        "title": "USBメモリの紛失",
        "summary": "行政機関等匿名加工情報を保存したUSBメモリを紛失した。",
        "detected_at": timezone.now() - datetime.timedelta(hours=1),
        **fields,
    }
    return services.incident_report(actor=actor, **values)


def outsourcing_created(actor, **fields):
    """An outsourcing in 契約準備中 with its eight clauses unchecked, reported to the managers a month ago
    (第26条第3項); the period spans the current year."""
    today = timezone.localdate()
    values = {
        "reported_to_managers_on": today - datetime.timedelta(days=30),
        "name": "株式会社試験データ処理",
        "corporate_number": CORPORATE_NUMBER,
        "work": "行政機関等匿名加工情報の作成に係る加工作業",
        "data_scope": "提案に係る個人情報ファイルの記録項目のうち加工に必要なもの",
        "period_start": today - datetime.timedelta(days=400),
        "period_end": today + datetime.timedelta(days=400),
        **fields,
    }
    return services.outsourcing_create(actor=actor, **values)


def clauses_check_all(holder, actor, *, but: tuple = ()) -> None:
    """Check every item of the contract of an outsourcing or a subcontracting, except those in `but`."""
    for clause in holder.clauses.exclude(clause__in=but):
        services.clause_set(clause=clause, actor=actor, checked=True, location=f"第{clause.pk}条")


def outsourcing_active(actor, **fields):
    """An outsourcing made 有効 after every clause of 第26条第1項 was checked."""
    outsourcing = outsourcing_created(actor, **fields)
    clauses_check_all(outsourcing, actor)
    moved = services.outsourcing_move(outsourcing=outsourcing, to=OutsourcingStatus.ACTIVE, actor=actor)
    assert moved.status == OutsourcingStatus.ACTIVE
    return moved


def subcontracting_approved(outsourcing, actor, **fields):
    """A re-contracting approved today (承認済み, its eight items unchecked)."""
    values = {
        "subcontractor": "試験子会社株式会社",
        "scope": "加工結果の検証作業",
        "approved_on": timezone.localdate(),
        "is_subsidiary": True,
        **fields,
    }
    return services.subcontracting_approve(outsourcing=outsourcing, actor=actor, **values)


def subcontracting_active(outsourcing, actor, **fields):
    """A re-contracting made 有効 after every item of its own contract was checked (第26条第5項)."""
    subcontracting = subcontracting_approved(outsourcing, actor, **fields)
    clauses_check_all(subcontracting, actor)
    moved = services.subcontracting_move(subcontracting=subcontracting, to=SubcontractingStatus.ACTIVE, actor=actor)
    assert moved.status == SubcontractingStatus.ACTIVE
    return moved


def inspection_recorded(actor, **fields):
    """A regular inspection (点検, 第30条) of the storage recorded by `actor`, dated today, 適切."""
    values = {
        "subject": InspectionSubject.STORAGE,
        "occasion": InspectionOccasion.REGULAR,
        "inspected_on": timezone.localdate(),
        "scope": "保管庫及び媒体管理簿",
        "findings": "管理簿と保管庫の媒体が一致していた。",
        "result": InspectionResult.ADEQUATE,
        **fields,
    }
    return services.inspection_record(actor=actor, **values)


def dataset_delivered(*, organization=None):
    """The dataset row a finished job leaves for a contract a chief manager concluded (no files: the
    corrections of 第8条 record what was found and done, they never read the data). Its entry belongs to
    `organization` when given."""
    contract = concluded_contract(staff_user(StaffRole.CHIEF_MANAGER))
    entry = contract.proposal.entry
    if organization is not None:
        RegisterEntry.objects.filter(pk=entry.pk).update(organization=organization)
        entry.refresh_from_db()
    job = DatasetJob.objects.create(contract=contract, plan={}, status=JobStatus.SUCCEEDED)
    return AnonymizedDataset.objects.create(
        job=job, contract=contract, entry=entry, rows=3000, subject_count=3000, plan_digest="0" * 64, manifest={}
    )


def correction_recorded(manager, *, dataset=None, **fields):
    """An error found yesterday in a dataset of an organization `manager` manages, with the instruction."""
    if dataset is None:
        dataset = dataset_delivered(organization=manager.organization)
    values = {
        "found_on": timezone.localdate() - datetime.timedelta(days=1),
        "found_by": "契約相手方",
        "error": "生年月日の区分が処理計画と異なっていた。",
        "instruction": "契約相手方に利用の停止を求め、消去して再作成する。",
        **fields,
    }
    return services.dataset_correction_record(dataset=dataset, actor=manager, **values)
