"""Writes of incidents (事案, seed 004 第25条–第28条): the report, the escalation, the steps, the edits and the
status moves. Each checks who may do it (the model permission and the organization, through the selectors),
runs in one transaction, writes an access record (第12条), and raises ComplianceError when a rule refuses.
"""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.accounts.roles import StaffRole
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.compliance import workflow
from portal.compliance.enums import IncidentSource, IncidentStatus, StepKind
from portal.compliance.models import Incident, IncidentEscalation, IncidentStep
from portal.compliance.selectors import incidents_for_user
from portal.compliance.services.common import NOT_ALLOWED, ComplianceError, not_future, require, stripped
from portal.jdates import fiscal_year, fiscal_year_label
from portal.notifications import notify
from portal.numbering import number_next
from portal.workflow import actor_name


def _locked_incident(incident: Incident, actor) -> Incident:
    """The incident, row-locked, if `actor` may see it (otherwise the same refusal as a missing one)."""
    locked = incidents_for_user(actor).select_for_update().filter(pk=incident.pk).first()
    if locked is None:
        raise ComplianceError(NOT_ALLOWED)
    return locked


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
    require(actor, "compliance.add_incident")
    if not actor.is_staff:
        raise ComplianceError(NOT_ALLOWED)
    if not stripped(title) or not stripped(summary):
        raise ComplianceError("件名と事案の概要を記入してください。")
    not_future(detected_at, "事案の発生等を把握した日時")
    not_future(occurred_on, "発生日")
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
    not_future(taken_at, "実施日時")
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
    require(actor, "compliance.change_incident")
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
    """Change the status of an incident through compliance.workflow (closing needs every record of
    workflow.CLOSING_RULES that applies). Protection managers and chief managers only. An access record
    変更 (seed 004 第12条)."""
    require(actor, "compliance.change_incident")
    locked = _locked_incident(incident, actor)
    try:
        moved = workflow.incident_transition(locked, to, actor=actor, reason=reason)
    except workflow.IncidentTransitionError as error:
        raise ComplianceError(str(error)) from error
    closed_at = timezone.now() if to == IncidentStatus.CLOSED else None
    if moved.closed_at != closed_at:
        moved.closed_at = closed_at
        moved.save(update_fields=["closed_at", "updated_at"])
    access_record(
        actor=actor, action=AccessAction.CHANGE, result=AccessResult.SUCCESS, obj=moved, detail={"status": to}
    )
    return moved


# The fields of an incident staff may edit after the report (status, source and links never).
INCIDENT_EDITABLE = ("title", "summary", "occurred_on", "detected_at", "organization", "is_serious")


@transaction.atomic
def incident_update(*, incident: Incident, actor, **fields) -> Incident:
    """Change the editable fields (INCIDENT_EDITABLE) of an incident that is not closed; an access record
    変更 naming the fields changed (seed 004 第12条). Protection managers and chief managers only, on
    incidents they see; only an overseer moves an incident to another organization (a protection manager
    could otherwise hand it out of, or into, their own sight). Nothing changed, nothing written.
    """
    require(actor, "compliance.change_incident")
    unknown = set(fields) - set(INCIDENT_EDITABLE)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    locked = _locked_incident(incident, actor)
    if locked.status == IncidentStatus.CLOSED:
        raise ComplianceError("終結した事案は変更できません。")
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    if "organization" in changed and not actor.has_perm("compliance.oversee_incident"):
        raise ComplianceError("事案の組織を変更する権限がありません。")
    for name in ("title", "summary"):
        if name in fields and not stripped(fields[name]):
            raise ComplianceError("件名と事案の概要を記入してください。")
    not_future(fields.get("detected_at"), "事案の発生等を把握した日時")
    not_future(fields.get("occurred_on"), "発生日")
    for name in changed:
        value = fields[name]
        setattr(locked, name, value.strip() if isinstance(value, str) else value)
    locked.save(update_fields=[*changed, "updated_at"])
    access_record(
        actor=actor,
        action=AccessAction.CHANGE,
        result=AccessResult.SUCCESS,
        obj=locked,
        detail={"fields": ",".join(changed)},
    )
    return locked
