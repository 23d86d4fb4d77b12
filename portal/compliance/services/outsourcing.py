"""Writes of outsourcing and worker dispatch (委託・派遣, seed 004 第26条): the record, the contract items,
the status moves, re-contracting and the inspections of contractors.

Each checks who may do it (the model permission and the organization, through the selectors), runs in one
transaction, writes an access record 作成/変更 on the outsourcing (第12条; `detail` says what changed), and
raises ComplianceError with a message for the person when a rule refuses.
"""

import datetime

from django.db import transaction
from django.utils import timezone

from portal.accounts.roles import organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.compliance import workflow
from portal.compliance.enums import (
    CLAUSES_OF_OUTSOURCING,
    InspectionMethod,
    InspectionResult,
    OutsourcingKind,
    OutsourcingStatus,
    SubcontractingStatus,
)
from portal.compliance.models import (
    ClauseCheck,
    Outsourcing,
    OutsourcingClause,
    OutsourcingInspection,
    Subcontracting,
    SubcontractingClause,
)
from portal.compliance.selectors import outsourcings_for_user
from portal.compliance.services.common import (
    NOT_ALLOWED,
    ComplianceError,
    full_clean,
    not_future,
    require,
    stripped,
)
from portal.workflow import actor_name
from proposals.validators import normalize_digits

# The fields of an outsourcing its record page edits (status through outsourcing_move; kind fixed once created).
OUTSOURCING_EDITABLE = (
    "name",
    "corporate_number",
    "work",
    "data_scope",
    "responsible_person",
    "period_start",
    "period_end",
    "organization",
    "reported_to_managers_on",
    "notes",
)


_ACTIVE = {OutsourcingStatus.ACTIVE, SubcontractingStatus.ACTIVE}
_ENDED = {OutsourcingStatus.ENDED, SubcontractingStatus.ENDED}


def _locked_outsourcing(outsourcing: Outsourcing, actor) -> Outsourcing:
    """The outsourcing, row-locked, if `actor` may see it (otherwise the same refusal as a missing one)."""
    locked = outsourcings_for_user(actor).select_for_update().filter(pk=outsourcing.pk).first()
    if locked is None:
        raise ComplianceError(NOT_ALLOWED)
    return locked


def _locked_subcontracting(subcontracting: Subcontracting, actor) -> tuple[Outsourcing, Subcontracting]:
    """The outsourcing and the subcontracting, both row-locked (outsourcing first, as every writer here)."""
    outsourcing = _locked_outsourcing(subcontracting.outsourcing, actor)
    return outsourcing, Subcontracting.objects.select_for_update().get(pk=subcontracting.pk)


def _recorded(actor, outsourcing: Outsourcing, action: AccessAction = AccessAction.CHANGE, **detail) -> None:
    access_record(actor=actor, action=action, result=AccessResult.SUCCESS, obj=outsourcing, detail=detail)


def _check_organization(actor, organization) -> None:
    """Protection managers record outsourcings of their own organizations only (or of none)."""
    if organization is None or actor.has_perm("compliance.oversee_outsourcing"):
        return
    if not organizations_managed_by(actor).filter(pk=organization.pk).exists():
        raise ComplianceError("この組織の業務の委託を登録する権限がありません。")


@transaction.atomic
def outsourcing_save(*, outsourcing: Outsourcing, actor) -> Outsourcing:
    """Create or update an outsourcing record (its status changes only through outsourcing_move).

    A new one gets the items its contract must state, all unchecked (第26条第1項第1号–第8号, or 第6項 for
    worker dispatch). An update writes OUTSOURCING_EDITABLE only (never a status read before a concurrent
    move), is refused once ended, and cannot change the kind. Access record 作成 / 変更.
    """
    creating = outsourcing.pk is None
    require(actor, "compliance.add_outsourcing" if creating else "compliance.change_outsourcing")
    if not creating:
        locked = _locked_outsourcing(outsourcing, actor)
        if locked.status == OutsourcingStatus.ENDED:
            raise ComplianceError("終了した委託は変更できません。")
        if locked.kind != outsourcing.kind:
            raise ComplianceError("区分は登録後に変更できません。")
    _check_organization(actor, outsourcing.organization)
    outsourcing.corporate_number = normalize_digits(outsourcing.corporate_number).replace("-", "")
    not_future(outsourcing.reported_to_managers_on, "研究所等管理者及び総括管理者への事前の報告日")
    full_clean(outsourcing)
    if creating:
        outsourcing.save()
        OutsourcingClause.objects.bulk_create(
            OutsourcingClause(outsourcing=outsourcing, clause=clause)
            for clause in workflow.clauses_required(outsourcing)
        )
        _recorded(actor, outsourcing, AccessAction.CREATE)
    else:
        outsourcing.save(update_fields=[*OUTSOURCING_EDITABLE, "updated_at"])
        _recorded(actor, outsourcing, change="edit")
    return outsourcing


def outsourcing_create(*, actor, **fields) -> Outsourcing:
    """A new outsourcing from its fields (see Outsourcing); status 契約準備中."""
    return outsourcing_save(outsourcing=Outsourcing(**fields), actor=actor)


@transaction.atomic
def clause_set(*, clause: ClauseCheck, actor, checked: bool, location: str = "") -> ClauseCheck:
    """Record whether a contract states one item (seed 004 第26条第1項各号 / 第6項): who checked it and when.
    `clause` is an OutsourcingClause or a SubcontractingClause (the subcontract's own items, 第5項).

    A check is not withdrawn while its contract is 有効 (it was concluded on that basis); nothing changes
    once ended. Access record 変更 on the outsourcing.
    """
    if isinstance(clause, SubcontractingClause):
        require(actor, "compliance.change_subcontractingclause")
        outsourcing, holder = _locked_subcontracting(clause.subcontracting, actor)
    else:
        require(actor, "compliance.change_outsourcingclause")
        outsourcing = holder = _locked_outsourcing(clause.outsourcing, actor)
    locked = type(clause).objects.select_for_update().get(pk=clause.pk)
    if outsourcing.status == OutsourcingStatus.ENDED or holder.status in _ENDED:
        raise ComplianceError("終了した委託の確認は変更できません。")
    if not checked and locked.checked and holder.status in _ACTIVE:
        raise ComplianceError("有効な委託について、契約書に明記すべき事項の確認は取り消せません。")
    locked.checked = checked
    locked.location = stripped(location)
    locked.checked_by = actor if checked else None
    locked.checked_by_name = actor_name(actor) if checked else ""
    locked.checked_at = timezone.now() if checked else None
    locked.save()
    detail = {"clause": locked.clause, "checked": checked}
    if holder is not outsourcing:
        detail["subcontracting"] = holder.pk
    _recorded(actor, outsourcing, **detail)
    return locked


@transaction.atomic
def outsourcing_move(*, outsourcing: Outsourcing, to: str, actor, reason: str = "") -> Outsourcing:
    """Change the status of an outsourcing through compliance.workflow (有効 needs every item of its
    contract checked and, for an outsourcing, the prior report, 第26条第1項・第3項). Ending it ends its
    re-contractings too. Access record 変更."""
    require(actor, "compliance.change_outsourcing")
    locked = _locked_outsourcing(outsourcing, actor)
    try:
        moved = workflow.outsourcing_transition(locked, to, actor=actor, reason=reason)
        if to == OutsourcingStatus.ENDED:
            for subcontracting in locked.subcontractings.exclude(status=SubcontractingStatus.ENDED):
                workflow.subcontracting_transition(
                    subcontracting, SubcontractingStatus.ENDED, actor=actor, reason="委託の終了に伴う終了"
                )
    except workflow.OutsourcingTransitionError as error:
        raise ComplianceError(str(error)) from error
    _recorded(actor, moved, status=to)
    return moved


@transaction.atomic
def subcontracting_approve(
    *,
    outsourcing: Outsourcing,
    actor,
    subcontractor: str,
    scope: str,
    approved_on: datetime.date,
    corporate_number: str = "",
    is_subsidiary: bool = False,
) -> Subcontracting:
    """Approve re-contracting (再委託, seed 004 第26条第1項第2号・第5項), subsidiaries included. The approval
    gets the items of 第1項 its own contract must state, all unchecked (status 承認済み).

    Refused while the parent contract lacks any of its items, for worker dispatch, and once the outsourcing
    has ended. Access record 変更 on the outsourcing."""
    require(actor, "compliance.add_subcontracting")
    locked = _locked_outsourcing(outsourcing, actor)
    if locked.kind != OutsourcingKind.OUTSOURCING:
        raise ComplianceError("派遣労働者による業務について再委託は承認できません。")
    if locked.status == OutsourcingStatus.ENDED:
        raise ComplianceError("終了した委託について再委託は承認できません。")
    unchecked = workflow.clauses_unchecked(locked)
    if unchecked:
        raise ComplianceError(
            "委託契約の契約書に明記すべき事項（第26条第1項）のうち、次の確認がないため再委託を承認できません："
            + "、".join(unchecked)
            + "。"
        )
    if not stripped(subcontractor) or not stripped(scope):
        raise ComplianceError("再委託先の名称と再委託する業務の範囲を記入してください。")
    if approved_on is None:
        raise ComplianceError("承認日を入力してください。")
    not_future(approved_on, "承認日")
    approval = Subcontracting(
        outsourcing=locked,
        subcontractor=stripped(subcontractor),
        corporate_number=normalize_digits(corporate_number).replace("-", ""),
        is_subsidiary=is_subsidiary,
        scope=stripped(scope),
        approved_on=approved_on,
        approved_by=actor,
        approved_by_name=actor_name(actor),
    )
    full_clean(approval)
    approval.save()
    SubcontractingClause.objects.bulk_create(
        SubcontractingClause(subcontracting=approval, clause=clause) for clause in CLAUSES_OF_OUTSOURCING
    )
    _recorded(actor, locked, change="subcontracting_approve", subcontracting=approval.pk)
    return approval


@transaction.atomic
def subcontracting_move(*, subcontracting: Subcontracting, to: str, actor, reason: str = "") -> Subcontracting:
    """Change the status of a re-contracting through compliance.workflow (有効 needs its own contract's items
    checked and the outsourcing 有効, 第26条第5項). Access record 変更 on the outsourcing."""
    require(actor, "compliance.change_subcontracting")
    outsourcing, locked = _locked_subcontracting(subcontracting, actor)
    try:
        moved = workflow.subcontracting_transition(locked, to, actor=actor, reason=reason)
    except workflow.OutsourcingTransitionError as error:
        raise ComplianceError(str(error)) from error
    _recorded(actor, outsourcing, subcontracting=moved.pk, status=to)
    return moved


@transaction.atomic
def outsourcing_inspection_record(
    *,
    outsourcing: Outsourcing,
    actor,
    inspected_on: datetime.date,
    method: str,
    inspector: str,
    findings: str,
    result: str,
    subcontracting: Subcontracting | None = None,
) -> OutsourcingInspection:
    """Record an inspection of how the contractor, or with `subcontracting` one of its subcontractors,
    manages the data (seed 004 第26条第4項・第5項: 年1回以上). Inspections are not changed afterwards: a
    correction is a new inspection record. Access record 変更 on the outsourcing."""
    require(actor, "compliance.add_outsourcinginspection")
    locked = _locked_outsourcing(outsourcing, actor)
    if subcontracting is not None and subcontracting.outsourcing_id != locked.pk:
        raise ComplianceError("この委託の再委託先を選んでください。")
    if inspected_on is None:
        raise ComplianceError("検査日を入力してください。")
    if method not in InspectionMethod.values or result not in InspectionResult.values:
        raise ComplianceError("検査の方法と検査の結果を選んでください。")
    if method == InspectionMethod.THROUGH_CONTRACTOR and subcontracting is None:
        raise ComplianceError("「委託先を通じた確認」は再委託先の検査にのみ選べます。")
    not_future(inspected_on, "検査日")
    if not stripped(inspector) or not stripped(findings):
        raise ComplianceError("検査者と検査の所見を記入してください。")
    inspection = OutsourcingInspection.objects.create(
        outsourcing=locked,
        subcontracting=subcontracting,
        inspected_on=inspected_on,
        method=InspectionMethod(method),
        inspector=stripped(inspector),
        findings=stripped(findings),
        result=InspectionResult(result),
        recorded_by=actor,
        recorded_by_name=actor_name(actor),
    )
    detail = {"change": "inspection", "inspection": inspection.pk}
    if subcontracting is not None:
        detail["subcontracting"] = subcontracting.pk
    _recorded(actor, locked, **detail)
    return inspection
