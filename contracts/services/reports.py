"""The contractor's reports (seed 004 第25条): use, deletion and incidents, the last alerting the managers."""

import datetime

from django.contrib.auth import get_user_model
from django.db import transaction

from contracts.enums import (
    ContractStatus,
    DocumentKind,
    ReportKind,
)
from contracts.models import (
    Contract,
    ContractReport,
)
from contracts.services.common import (
    ContractError,
    _locked,
    _record,
    _store_document,
)
from portal.accounts.roles import StaffRole
from portal.audit.enums import AccessAction
from portal.notifications import notify
from portal.workflow import actor_name

# Which reports a contractor may file in which status.
REPORTABLE = {
    ReportKind.USAGE: (ContractStatus.CONCLUDED,),
    ReportKind.INCIDENT: (ContractStatus.CONCLUDED, ContractStatus.EXPIRED, ContractStatus.CANCELLED),
    ReportKind.DELETION: (ContractStatus.EXPIRED, ContractStatus.CANCELLED),
}


def incident_recipients(contract: Contract) -> list:
    """seed 004 第25条2項: the chief managers and the protection managers of the file's organization."""
    from guardian.shortcuts import get_users_with_perms

    users = get_user_model().objects.filter(is_active=True)
    chiefs = users.filter(groups__name=StaffRole.CHIEF_MANAGER.label)
    managers = get_users_with_perms(
        contract.proposal.entry.organization, only_with_perms_in=["manage_files"], with_group_users=False
    ).filter(is_active=True, groups__name=StaffRole.PROTECTION_MANAGER.label)
    return sorted({*chiefs, *managers}, key=lambda user: user.pk)


@transaction.atomic
def report_submit(
    *,
    contract: Contract,
    actor,
    kind: ReportKind | str,
    body: str,
    occurred_on: datetime.date | None = None,
    upload=None,
) -> ContractReport:
    """The contractor files a report on their contract: usage (while concluded), an incident (any time
    after conclusion), the deletion (after the end). An attachment is checked by its content.
    Side effect after commit, for an incident: every manager is alerted at once (seed 004 第25条)."""
    kind = ReportKind(kind)
    locked = _locked(contract)
    if locked.proposer.user_id != getattr(actor, "pk", None):
        raise ContractError("この契約について報告することはできません。")
    if locked.status not in REPORTABLE[kind]:
        raise ContractError(f"現在の状況（{locked.get_status_display()}）では「{kind.label}」はできません。")
    if not body.strip():
        raise ContractError("報告の内容を記入してください。")
    attachment = _store_document(contract=locked, kind=DocumentKind.REPORT, upload=upload) if upload else None
    report = ContractReport.objects.create(
        contract=locked,
        kind=kind,
        body=body.strip(),
        occurred_on=occurred_on,
        attachment=attachment,
        submitted_by=actor,
        submitted_by_name=actor_name(actor),
    )
    if kind == ReportKind.INCIDENT:
        from portal.compliance.services import incident_open_from_report

        # seed 004 第25条2項: report to the managers at once, then confirm the contractor's remedy.
        alerts = [
            notify(user=manager, template="contract_incident", context={"contract": locked, "report": report})
            for manager in incident_recipients(locked)
        ]
        # The incident record (事案) of this report; these alerts are its escalation, not sent again.
        incident_open_from_report(report=report, alerts=alerts)
    _record(actor=actor, obj=report, change="report_submitted", action=AccessAction.CREATE, kind=kind.value)
    if attachment is not None:
        _record(actor=actor, obj=attachment, change="document_stored", action=AccessAction.CREATE)
    return report
