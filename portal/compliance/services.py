"""Writes of the compliance app: incidents (事案, seed 004 第25条–第28条) and outsourcing (委託, 第26条).

Every function checks who may do it (the model permission and the organization, through the selectors),
runs in one transaction, and raises ComplianceError with a message for the person when a rule refuses.
"""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.accounts.roles import StaffRole
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.compliance import workflow
from portal.compliance.enums import (
    Clause,
    IncidentSource,
    IncidentStatus,
    InspectionMethod,
    InspectionResult,
    OutsourcingStatus,
    StepKind,
)
from portal.compliance.models import (
    Incident,
    IncidentEscalation,
    IncidentStep,
    Outsourcing,
    OutsourcingClause,
    OutsourcingInspection,
    Subcontracting,
)
from portal.compliance.selectors import incidents_for_user, outsourcings_for_user
from portal.jdates import fiscal_year, fiscal_year_label
from portal.notifications import notify
from portal.numbering import number_next
from portal.workflow import actor_name
from proposals.validators import normalize_digits

NOT_ALLOWED = "この操作を行う権限がありません。"


class ComplianceError(Exception):
    """A rule refused the write; the message is for the person who tried it."""


def _require(actor, perm: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise ComplianceError(NOT_ALLOWED)


def _locked_incident(incident: Incident, actor) -> Incident:
    """The incident, row-locked, if `actor` may see it (otherwise the same refusal as a missing one)."""
    locked = incidents_for_user(actor).select_for_update().filter(pk=incident.pk).first()
    if locked is None:
        raise ComplianceError(NOT_ALLOWED)
    return locked


def _locked_outsourcing(outsourcing: Outsourcing, actor) -> Outsourcing:
    locked = outsourcings_for_user(actor).select_for_update().filter(pk=outsourcing.pk).first()
    if locked is None:
        raise ComplianceError(NOT_ALLOWED)
    return locked


def _full_clean(obj) -> None:
    """Model validation, its messages named by the field's Japanese label. Raises ComplianceError."""
    try:
        obj.full_clean()
    except ValidationError as error:
        labels = {field.name: str(field.verbose_name) for field in obj._meta.fields}
        parts = [
            f"{labels[name]}: {message}" if name in labels else message
            for name, messages in error.message_dict.items()
            for message in messages
        ]
        raise ComplianceError(" ".join(parts)) from error


def _not_future(value: datetime.date | datetime.datetime | None, label: str) -> None:
    if value is None:
        return
    if isinstance(value, datetime.datetime):
        if value > timezone.now():
            raise ComplianceError(f"{label}に未来の日時は指定できません。")
    elif value > timezone.localdate():
        raise ComplianceError(f"{label}に未来の日付は指定できません。")


# --- Incidents (事案) ---


def escalation_recipients(organization) -> list:
    """Who is told of an incident at once: the chief managers (総括管理者) and the protection managers
    (保護管理者) of `organization` (seed 004 第25条2項・第27条1項・3項); every protection manager when the
    organization is not known yet."""
    from guardian.shortcuts import get_users_with_perms

    users = get_user_model().objects.filter(is_active=True)
    chiefs = users.filter(groups__name=StaffRole.CHIEF_MANAGER.label)
    if organization is None:
        managers = users.filter(groups__name=StaffRole.PROTECTION_MANAGER.label)
    else:
        managers = get_users_with_perms(
            organization, only_with_perms_in=["manage_files"], with_group_users=False
        ).filter(is_active=True, groups__name=StaffRole.PROTECTION_MANAGER.label)
    return sorted({*chiefs, *managers}, key=lambda user: user.pk)


def _role_of(user) -> str:
    names = set(user.groups.values_list("name", flat=True))
    return "、".join(role.label for role in StaffRole if role.label in names)


def _number_new(incident: Incident) -> None:
    year = fiscal_year(timezone.localdate())
    incident.fiscal_year = year
    incident.number = f"{fiscal_year_label(year)}事案第{number_next(f'incident-{year}')}号"


@transaction.atomic
def incident_report(
    *,
    actor,
    title: str,
    summary: str,
    detected_at: datetime.datetime,
    occurred_on: datetime.date | None = None,
    organization=None,
    is_serious: bool = False,
) -> Incident:
    """A staff member reports an incident (seed 004 第27条第1項: 直ちに保護管理者に報告). Any staff role may.

    Numbers it (事案番号, per fiscal year), and e-mails the protection managers of the organization and the
    chief managers through the outbox (sent after commit), each recorded as an IncidentEscalation.
    """
    _require(actor, "compliance.add_incident")
    if not actor.is_staff:
        raise ComplianceError(NOT_ALLOWED)
    if not (title or "").strip() or not (summary or "").strip():
        raise ComplianceError("件名と事案の概要を記入してください。")
    _not_future(detected_at, "事案の発生等を把握した日時")
    _not_future(occurred_on, "発生日")
    incident = Incident(
        title=title.strip(),
        summary=summary.strip(),
        detected_at=detected_at,
        occurred_on=occurred_on,
        organization=organization,
        is_serious=is_serious,
        source=IncidentSource.STAFF,
        reported_by=actor,
        reported_by_name=actor_name(actor),
    )
    _number_new(incident)
    incident.save()
    for recipient in escalation_recipients(organization):
        notification = notify(user=recipient, template="incident_reported", context={"incident": incident})
        _escalation_log(incident, recipient, notification)
    access_record(actor=actor, action=AccessAction.CREATE, result=AccessResult.SUCCESS, obj=incident)
    return incident


def _escalation_log(incident: Incident, recipient, notification) -> IncidentEscalation:
    return IncidentEscalation.objects.create(
        incident=incident,
        recipient=recipient,
        recipient_name=actor_name(recipient),
        recipient_role=_role_of(recipient),
        notification=notification,
    )


@transaction.atomic
def incident_open_from_report(*, report, alerts) -> Incident:
    """Open the incident of a contractor's incident report (seed 004 第25条第2項), linked to the report and
    its contract, in the organization of the contract's register entry.

    `alerts` are the notifications contracts.services.report_submit already queued for the managers
    (template contract_incident): they are recorded as this incident's escalations, not sent again.
    Idempotent: a report opens one incident.
    """
    existing = Incident.objects.filter(contract_report=report).first()
    if existing is not None:
        return existing
    contract = report.contract
    incident = Incident(
        title=f"契約相手方からの漏えい等の事案の報告（{contract.contract_number or contract.proposal}）",
        summary=report.body,
        detected_at=report.submitted_at,
        occurred_on=report.occurred_on,
        organization=contract.proposal.entry.organization,
        source=IncidentSource.CONTRACTOR,
        contract=contract,
        contract_report=report,
        reported_by=report.submitted_by,
        reported_by_name=report.submitted_by_name,
    )
    _number_new(incident)
    incident.save()
    for notification in alerts:
        _escalation_log(incident, notification.recipient, notification)
    return incident


def incident_step_check(*, kind: str, text: str, taken_at: datetime.datetime | None, reference: str = "") -> None:
    """The rules of one step by itself (also used by the admin form). Raises ComplianceError."""
    if kind not in StepKind.values:
        raise ComplianceError("記録の種類を選んでください。")
    kind = StepKind(kind)
    if not (text or "").strip():
        if kind == StepKind.NO_PUBLICATION:
            raise ComplianceError("公表しない場合は、その理由を記入してください。")
        if kind == StepKind.PUBLICATION:
            raise ComplianceError("公表した内容（事実関係及び再発防止策等）を記入してください。")
        raise ComplianceError("内容を記入してください。")
    if taken_at is None:
        raise ComplianceError("実施日時を入力してください。")
    _not_future(taken_at, "実施日時")
    if kind == StepKind.COMMISSION_REPORT and not (reference or "").strip():
        # seed 004 第28条第2項: the report to the commission is recorded with its date and reference.
        raise ComplianceError("個人情報保護委員会への報告の受付番号・文書番号などを記入してください。")


@transaction.atomic
def incident_step_record(
    *, incident: Incident, actor, kind: str, text: str, taken_at: datetime.datetime, reference: str = ""
) -> IncidentStep:
    """Record one step of the response (containment, investigation, cause, recurrence prevention, the
    publication decision, the report to the commission …) with when it was taken and who recorded it.

    Protection managers and chief managers only (compliance.change_incident), on incidents they see and
    not closed. Steps are never changed or deleted: a correction is a new step.
    """
    _require(actor, "compliance.change_incident")
    locked = _locked_incident(incident, actor)
    if locked.status == IncidentStatus.CLOSED:
        raise ComplianceError("終結した事案には記録できません。")
    incident_step_check(kind=kind, text=text, taken_at=taken_at, reference=reference)
    step = IncidentStep.objects.create(
        incident=locked,
        kind=kind,
        text=text.strip(),
        taken_at=taken_at,
        reference=(reference or "").strip(),
        recorded_by=actor,
        recorded_by_name=actor_name(actor),
    )
    access_record(
        actor=actor, action=AccessAction.CHANGE, result=AccessResult.SUCCESS, obj=locked, detail={"step": kind}
    )
    return step


@transaction.atomic
def incident_move(*, incident: Incident, to: str, actor, reason: str = "") -> Incident:
    """Change the status of an incident through compliance.workflow (closing needs the cause, the recurrence
    prevention and the publication decision on record). Protection managers and chief managers only."""
    _require(actor, "compliance.change_incident")
    locked = _locked_incident(incident, actor)
    try:
        moved = workflow.incident_transition(locked, to, actor=actor, reason=reason)
    except workflow.IncidentTransitionError as error:
        raise ComplianceError(str(error)) from error
    closed_at = timezone.now() if to == IncidentStatus.CLOSED else None
    if moved.closed_at != closed_at:
        moved.closed_at = closed_at
        moved.save(update_fields=["closed_at", "updated_at"])
    return moved


# --- Outsourcing (委託, seed 004 第26条) ---


def _check_organization(actor, organization) -> None:
    """Protection managers record outsourcings of their own organizations only (or of none)."""
    if organization is None or actor.has_perm("compliance.oversee_outsourcing"):
        return
    from portal.accounts.roles import organizations_managed_by

    if not organizations_managed_by(actor).filter(pk=organization.pk).exists():
        raise ComplianceError("この組織の業務の委託を登録する権限がありません。")


@transaction.atomic
def outsourcing_save(*, outsourcing: Outsourcing, actor) -> Outsourcing:
    """Create or update an outsourcing record (its status changes only through outsourcing_move). A new one
    gets the eight items of seed 004 第26条第1項 to check, all unchecked."""
    creating = outsourcing.pk is None
    _require(actor, "compliance.add_outsourcing" if creating else "compliance.change_outsourcing")
    if not creating:
        _locked_outsourcing(outsourcing, actor)
    _check_organization(actor, outsourcing.organization)
    outsourcing.corporate_number = normalize_digits(outsourcing.corporate_number).replace("-", "")
    _full_clean(outsourcing)
    outsourcing.save()
    if creating:
        OutsourcingClause.objects.bulk_create(
            OutsourcingClause(outsourcing=outsourcing, clause=clause) for clause in Clause
        )
    return outsourcing


def outsourcing_create(*, actor, **fields) -> Outsourcing:
    """A new outsourcing from its fields (see Outsourcing); status 契約準備中."""
    return outsourcing_save(outsourcing=Outsourcing(**fields), actor=actor)


@transaction.atomic
def clause_set(*, clause: OutsourcingClause, actor, checked: bool, location: str = "") -> OutsourcingClause:
    """Record whether the contract states one item of seed 004 第26条第1項 (who checked it and when).

    A check is not withdrawn while the outsourcing is 有効 (its contract was concluded on that basis)."""
    _require(actor, "compliance.change_outsourcingclause")
    outsourcing = _locked_outsourcing(clause.outsourcing, actor)
    locked = OutsourcingClause.objects.select_for_update().get(pk=clause.pk)
    if not checked and locked.checked and outsourcing.status == OutsourcingStatus.ACTIVE:
        raise ComplianceError("有効な委託について、契約書に明記すべき事項の確認は取り消せません。")
    if outsourcing.status == OutsourcingStatus.ENDED:
        raise ComplianceError("終了した委託の確認は変更できません。")
    locked.checked = checked
    locked.location = (location or "").strip()
    locked.checked_by = actor if checked else None
    locked.checked_by_name = actor_name(actor) if checked else ""
    locked.checked_at = timezone.now() if checked else None
    locked.save()
    return locked


@transaction.atomic
def outsourcing_move(*, outsourcing: Outsourcing, to: str, actor, reason: str = "") -> Outsourcing:
    """Change the status of an outsourcing through compliance.workflow (有効 needs every clause checked)."""
    _require(actor, "compliance.change_outsourcing")
    locked = _locked_outsourcing(outsourcing, actor)
    try:
        return workflow.outsourcing_transition(locked, to, actor=actor, reason=reason)
    except workflow.OutsourcingTransitionError as error:
        raise ComplianceError(str(error)) from error


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
    """Approve re-contracting (再委託, seed 004 第26条第1項第2号・第5項), subsidiaries included.

    Refused while the parent contract lacks any item of 第26条第1項 (the subcontractor must be bound by the
    same measures, 第5項) and once the outsourcing has ended."""
    _require(actor, "compliance.add_subcontracting")
    locked = _locked_outsourcing(outsourcing, actor)
    if locked.status == OutsourcingStatus.ENDED:
        raise ComplianceError("終了した委託について再委託は承認できません。")
    unchecked = workflow.clauses_unchecked(locked)
    if unchecked:
        raise ComplianceError(
            "委託契約の契約書に明記すべき事項（第26条第1項）のうち、次の確認がないため再委託を承認できません："
            + "、".join(unchecked)
            + "。"
        )
    if not (subcontractor or "").strip() or not (scope or "").strip():
        raise ComplianceError("再委託先の名称と再委託する業務の範囲を記入してください。")
    _not_future(approved_on, "承認日")
    approval = Subcontracting(
        outsourcing=locked,
        subcontractor=subcontractor.strip(),
        corporate_number=normalize_digits(corporate_number).replace("-", ""),
        is_subsidiary=is_subsidiary,
        scope=scope.strip(),
        approved_on=approved_on,
        approved_by=actor,
        approved_by_name=actor_name(actor),
    )
    _full_clean(approval)
    approval.save()
    return approval


@transaction.atomic
def inspection_record(
    *,
    outsourcing: Outsourcing,
    actor,
    inspected_on: datetime.date,
    method: str,
    inspector: str,
    findings: str,
    result: str,
) -> OutsourcingInspection:
    """Record an inspection of how the outside party manages the data (seed 004 第26条第4項: 年1回以上).
    Inspections are not changed afterwards: a correction is a new inspection record."""
    _require(actor, "compliance.add_outsourcinginspection")
    locked = _locked_outsourcing(outsourcing, actor)
    if inspected_on is None:
        raise ComplianceError("検査日を入力してください。")
    if method not in InspectionMethod.values or result not in InspectionResult.values:
        raise ComplianceError("検査の方法と検査の結果を選んでください。")
    _not_future(inspected_on, "検査日")
    if not (inspector or "").strip() or not (findings or "").strip():
        raise ComplianceError("検査者と検査の所見を記入してください。")
    return OutsourcingInspection.objects.create(
        outsourcing=locked,
        inspected_on=inspected_on,
        method=InspectionMethod(method),
        inspector=inspector.strip(),
        findings=findings.strip(),
        result=InspectionResult(result),
        recorded_by=actor,
        recorded_by_name=actor_name(actor),
    )
