"""Writes of the contracts app: the fee (手数料, 法119), the application (法115), payment, conclusion,
expiry, cancellation (法120) and the contractor's reports. Also the pure fee calculation.

Every write is on the access records (seed 004 第12条): 作成 for a new contract, report or document, 変更
for everything else done to a contract, detail["change"] naming what; from where is the current request.
Staff act only on contracts of the organizations they manage (overseers on all, 第5条).
"""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from contracts import workflow
from contracts.enums import (
    ApplicationMethod,
    CancellationGround,
    ContractStatus,
    CreationStatus,
    DocumentKind,
    PaymentMethod,
    ReportKind,
)
from contracts.models import (
    Cancellation,
    Contract,
    ContractDocument,
    ContractReport,
    ContractTransition,
    CreationHoursLog,
    FeeSchedule,
    Payment,
)
from contracts.selectors import contracts_for_staff
from portal.accounts.roles import StaffRole
from portal.audit.context import current_request
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.jdates import fiscal_year_label, wareki
from portal.notifications import notify, outbox_enqueue
from portal.numbering import number_next
from portal.uploads import inspect_upload
from portal.workflow import actor_name
from proposals.enums import DisqualificationGround, ScreeningDecision
from proposals.models import DisqualificationRecord, ResultNotice, ScreeningPolicy

# The task the anonymizer fills in (another engineer's); we only queue it by its stable name.
CREATE_DATASET_TASK = "anonymizer.create_dataset"
# Days the proposer has to pay after the fee is fixed (納付期限). REVIEW (agency accounting).
PAYMENT_DAYS = 30

# The obligations every usage contract states (法115 and seed 001: the recipient's duties).
OBLIGATIONS = [
    "行政機関等匿名加工情報の作成に用いられた個人情報に係る本人を識別するために、他の情報と照合しないこと（識別行為の禁止）。",
    "提案書に記載した安全管理の措置を講じ、行政機関等匿名加工情報の漏えいを防止すること。",
    "行政機関等匿名加工情報を第三者に提供しないこと。",
    "利用の状況を定期に報告し、漏えい等の事案が生じたときは直ちに報告すること。",
    "利用期間の終了後、行政機関等匿名加工情報を遅滞なく削除し、その旨を報告すること。",
    "契約に違反したときは、法第120条の規定により契約を解除されることがあること。",
]


@dataclass(frozen=True)
class FeeLine:
    label: str
    amount: int


@dataclass(frozen=True)
class FeeEstimate:
    amount: int
    hours: int  # the creation hours charged (whole hours, rounded up)
    breakdown: list[FeeLine] = field(default_factory=list)

    def as_context(self) -> dict:
        """The `fee` dict of the PDF templates (amount and breakdown; the caller adds dates)."""
        return {
            "amount": self.amount,
            "breakdown": [{"label": line.label, "amount": line.amount} for line in self.breakdown],
        }


def charged_hours(hours: Decimal | float | int) -> int:
    """Creation hours as charged: 「1時間までごとに」, so every part of an hour counts as a whole hour."""
    hours = Decimal(str(hours))
    if hours < 0:
        raise ValueError("作成に要する時間は0以上にしてください。")
    return math.ceil(hours)


def fee_estimate(
    *,
    schedule: FeeSchedule,
    hours: Decimal | float | int = 0,
    contractor_amount: int = 0,
    existing_dataset: bool = False,
) -> FeeEstimate:
    """The fee for one contract under `schedule` (no database access).

    New dataset (法119条1項, 施行令): base amount + hourly amount × each hour or part of an hour of
    creation work + what an outside contractor is paid for the creation. Existing dataset (法118):
    the schedule's fixed amount. Raises ValueError on negative hours or amounts.
    """
    if contractor_amount < 0:
        raise ValueError("委託先に支払う額は0以上にしてください。")
    if existing_dataset:
        line = FeeLine("作成された行政機関等匿名加工情報の利用に関する契約", schedule.existing_dataset_amount)
        return FeeEstimate(amount=line.amount, hours=0, breakdown=[line])
    whole_hours = charged_hours(hours)
    lines = [
        FeeLine("基本額", schedule.base_amount),
        FeeLine(
            f"作成に要する時間（{whole_hours}時間 × {schedule.hourly_amount:,}円）",
            whole_hours * schedule.hourly_amount,
        ),
    ]
    if contractor_amount:
        lines.append(FeeLine("作成の委託を受けた者に支払う額", contractor_amount))
    return FeeEstimate(amount=sum(line.amount for line in lines), hours=whole_hours, breakdown=lines)


def fee_schedule_for_year(fiscal_year: int) -> FeeSchedule:
    """The schedule staff set for `fiscal_year`, else the statutory default (unsaved)."""
    return FeeSchedule.objects.filter(fiscal_year=fiscal_year).first() or FeeSchedule(fiscal_year=fiscal_year)


class ContractError(Exception):
    """A contract action refused. `problems` lists every reason, in Japanese, for the person who tried it."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


def _require_perm(actor, perm: str, contract: Contract) -> None:
    # seed 004 第5条: the model permission, and the contract's file in an organization the actor manages
    # (the chief manager oversees all); a superuser without a role manages none (第14条).
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise ContractError("この操作を行う権限がありません。")
    if not contracts_for_staff(actor).filter(pk=contract.pk).exists():
        raise ContractError("この契約について操作する権限がありません。")


def _record(*, actor, obj, change: str, action: AccessAction = AccessAction.CHANGE, username: str = "", **detail):
    """The access record of one contracts write (seed 004 第12条). Call it last: it takes the chain lock."""
    access_record(
        actor=actor,
        action=action,
        result=AccessResult.SUCCESS,
        obj=obj,
        request=current_request(),
        username=username,
        detail={"change": change, **detail},
    )


def _locked(contract: Contract) -> Contract:
    return Contract.objects.select_for_update().select_related("proposal", "proposer", "notice").get(pk=contract.pk)


def _move(contract: Contract, to: str, *, actor, reason: str = "") -> Contract:
    try:
        return workflow.transition(contract, to, actor=actor, reason=reason)
    except workflow.ContractTransitionError as error:
        raise ContractError(str(error)) from None


def _store_document(*, contract: Contract, kind: str, upload) -> ContractDocument:
    try:
        info = inspect_upload(upload)
    except ValidationError as error:
        raise ContractError(error.messages) from None
    return ContractDocument.objects.create(
        contract=contract,
        kind=kind,
        file=upload,
        **info.model_fields(),
    )


def _notify_proposer(contract: Contract, template: str, **context) -> None:
    notify(
        user=contract.proposer.user,
        template=template,
        context={"contract": contract, "receipt_number": contract.proposal.receipt_number, **context},
    )


def application_deadline(notice: ResultNotice) -> datetime.date:
    """The last day to apply: the notice date plus ScreeningPolicy.submission_days."""
    return notice.document_date + datetime.timedelta(days=ScreeningPolicy.current().submission_days)


@transaction.atomic
def contract_apply(
    *, notice: ResultNotice, actor, upload=None, confirmed: bool = False, today: datetime.date | None = None
) -> Contract:
    """The proposer applies for the usage contract (契約の締結の申込み, 法115): the signed application
    uploaded (a PDF, checked by its content) or an explicit online confirmation; once per notice.

    Refused (ContractError) for another user's notice, a notice that is not adequate, a second
    application, or after the deadline. Side effect after commit: the proposer's e-mail.
    """
    today = today or timezone.localdate()
    # Lock the proposal: two submits of the form at once must not both create a contract.
    proposal = (
        type(notice.proposal).objects.select_for_update().select_related("proposer__user").get(pk=notice.proposal_id)
    )
    if proposal.proposer.user_id != getattr(actor, "pk", None):
        raise ContractError("この審査結果通知書について申込みをすることはできません。")
    # 法115: only a proposer notified that the proposal is adequate (法114条2項) may apply.
    if notice.decision != ScreeningDecision.ADEQUATE:
        raise ContractError("審査の結果が「適合」でないため、契約の締結の申込みはできません（法第115条）。")
    if Contract.objects.filter(proposal=proposal).exists():
        raise ContractError("この提案については、既に契約の締結の申込みをしています。")
    if today > application_deadline(notice):
        raise ContractError(
            f"申込みの期限（{wareki(application_deadline(notice))}）を過ぎています。担当部署にご相談ください。"
        )
    if upload is None and not confirmed:
        raise ContractError("署名した申込書（PDF）を添付するか、オンラインで申し込む旨を確認してください。")
    if upload is not None and not upload.name.lower().endswith(".pdf"):
        raise ContractError("申込書はPDFで提出してください。")
    contract = Contract.objects.create(
        proposal=proposal,
        notice=notice,
        proposer=proposal.proposer,
        application_method=ApplicationMethod.UPLOAD if upload is not None else ApplicationMethod.ONLINE,
        applied_at=timezone.now(),
        applied_by=actor,
        applied_by_name=actor_name(actor),
        estimated_fee=notice.fee_amount,
    )
    document = _store_document(contract=contract, kind=DocumentKind.APPLICATION, upload=upload) if upload else None
    ContractTransition.objects.create(
        contract=contract,
        from_status="",
        to_status=ContractStatus.APPLIED,
        actor=actor,
        actor_name=actor_name(actor),
        reason="契約の締結の申込み（法第115条）",
    )
    _notify_proposer(contract, "contract_applied")
    _record(actor=actor, obj=contract, change="applied", action=AccessAction.CREATE, method=contract.application_method)
    if document is not None:
        _record(actor=actor, obj=document, change="document_stored", action=AccessAction.CREATE)
    return contract


@transaction.atomic
def hours_log(*, contract: Contract, actor, work_date: datetime.date, hours: Decimal, description: str):
    """Staff log hours spent creating the dataset; allowed until the fee is fixed (法119: actual hours)."""
    _require_perm(actor, "contracts.add_creationhourslog", contract)
    locked = _locked(contract)
    if locked.status != ContractStatus.APPLIED:
        raise ContractError("手数料の額を確定した後は、作成に要した時間を記録できません。")
    if Decimal(str(hours)) <= 0:
        raise ContractError("時間は0より大きくしてください。")
    log = CreationHoursLog.objects.create(
        contract=locked,
        work_date=work_date,
        hours=hours,
        description=description,
        logged_by=actor,
        logged_by_name=actor_name(actor),
    )
    _record(actor=actor, obj=locked, change="hours_logged", hours=str(hours))
    return log


def logged_hours(contract: Contract) -> Decimal:
    return contract.hours_logs.aggregate(total=Sum("hours"))["total"] or Decimal(0)


@transaction.atomic
def fee_finalize(
    *, contract: Contract, actor, contractor_amount: int | None = None, today: datetime.date | None = None
) -> Contract:
    """Fix the final fee (法119): fee_estimate under the notice year's schedule with the logged hours
    (a new dataset needs at least one log) and the contractor amount; sets the payment due date and
    moves the contract to 手数料の納付待ち. Side effect after commit: the proposer's e-mail (payment slip)."""
    _require_perm(actor, "contracts.fix_fee_contract", contract)
    today = today or timezone.localdate()
    locked = _locked(contract)
    existing = locked.proposal.is_existing_dataset
    hours = logged_hours(locked)
    if not existing and hours == 0:
        raise ContractError("作成に要した時間が記録されていないため、手数料の額を確定できません。")
    if contractor_amount is not None:
        locked.contractor_amount = contractor_amount
    estimate = fee_estimate(
        schedule=fee_schedule_for_year(locked.notice.fiscal_year),
        hours=hours,
        contractor_amount=locked.contractor_amount,
        existing_dataset=existing,
    )
    locked = _move(locked, ContractStatus.PAYMENT_PENDING, actor=actor, reason=f"手数料 {estimate.amount:,}円")
    locked.fee_amount = estimate.amount
    locked.fee_hours = estimate.hours
    locked.fee_breakdown = estimate.as_context()["breakdown"]
    locked.fee_fixed_at = timezone.now()
    locked.payment_due_date = today + datetime.timedelta(days=PAYMENT_DAYS)
    locked.save(
        update_fields=[
            "contractor_amount",
            "fee_amount",
            "fee_hours",
            "fee_breakdown",
            "fee_fixed_at",
            "payment_due_date",
            "updated_at",
        ]
    )
    _notify_proposer(locked, "contract_fee_fixed")
    _record(actor=actor, obj=locked, change="fee_fixed", fee_amount=locked.fee_amount, status=locked.status)
    return locked


def paid_amount(contract: Contract) -> int:
    """What counts as paid: the newest payment row (a correction supersedes the one before)."""
    latest = contract.payments.order_by("-recorded_at", "-id").first()
    return latest.amount if latest else 0


@transaction.atomic
def payment_record(
    *,
    contract: Contract,
    actor,
    paid_on: datetime.date,
    method: PaymentMethod | str,
    reference: str,
    amount: int,
    correction_reason: str = "",
) -> Payment:
    """Staff record the fee payment (手数料の納付, 法119). One per contract: a second record is refused
    unless it is a correction with a reason (it then supersedes the first). Full payment moves the
    contract to 手数料の納付済み; a correction below the fee moves it back to 納付待ち."""
    _require_perm(actor, "contracts.add_payment", contract)
    # Lock the contract: two staff recording the same payment at once must not both pass the check.
    locked = _locked(contract)
    if locked.status not in (ContractStatus.PAYMENT_PENDING, ContractStatus.PAID):
        raise ContractError(f"現在の状況（{locked.get_status_display()}）では納付を記録できません。")
    correction_reason = correction_reason.strip()
    already = locked.payments.exists()
    if already and not correction_reason:
        raise ContractError("この契約の手数料の納付は既に記録されています。訂正する場合は理由を記入してください。")
    if correction_reason and not already:
        raise ContractError("訂正する納付の記録がありません。")
    if amount <= 0:
        raise ContractError("納付額を入力してください。")
    payment = Payment.objects.create(
        contract=locked,
        paid_on=paid_on,
        method=PaymentMethod(method),
        reference=reference.strip(),
        amount=amount,
        is_correction=already,
        correction_reason=correction_reason,
        recorded_by=actor,
        recorded_by_name=actor_name(actor),
    )
    full = amount >= locked.fee_amount
    if full and locked.status == ContractStatus.PAYMENT_PENDING:
        locked = _move(locked, ContractStatus.PAID, actor=actor, reason=f"{payment.get_method_display()} {reference}")
    elif not full and locked.status == ContractStatus.PAID:
        locked = _move(
            locked, ContractStatus.PAYMENT_PENDING, actor=actor, reason=f"納付の記録の訂正: {correction_reason}"
        )
    _record(actor=actor, obj=locked, change="payment_recorded", correction=already, status=locked.status)
    return payment


def _dataset_description(proposal) -> str:
    if proposal.is_existing_dataset and proposal.dataset_summary_id:
        entry = proposal.entry.name
        return f"作成された行政機関等匿名加工情報「{proposal.dataset_summary}」（個人情報ファイル「{entry}」）"
    count = f"、本人の数 {proposal.subject_count:,}人" if proposal.subject_count else ""
    return (
        f"個人情報ファイル「{proposal.entry.name}」を加工して作成する行政機関等匿名加工情報{count}"
        "（提案書に記載の加工の方法による）"
    )


@transaction.atomic
def contract_conclude(*, contract: Contract, actor, today: datetime.date | None = None) -> Contract:
    """Conclude the usage contract (契約締結): number, parties, dataset, period of use and obligations
    fixed from the proposal; refused without an application or without full payment (法115・法119).

    Side effects: the dataset job is queued through the outbox (task `anonymizer.create_dataset`,
    after commit) and creation is recorded as pending; the proposer's e-mail after commit.
    """
    _require_perm(actor, "contracts.conclude_contract", contract)
    today = today or timezone.localdate()
    locked = _locked(contract)
    proposal = locked.proposal
    problems = []
    if not locked.applied_at:
        problems.append("契約の締結の申込みがないため、契約を締結できません（法第115条）。")
    # 法119: the fee is paid before the contract is concluded.
    if locked.fee_amount is None or paid_amount(locked) < locked.fee_amount:
        problems.append("手数料の納付が確認できないため、契約を締結できません（法第119条）。")
    if not (proposal.use_period_start and proposal.use_period_end):
        problems.append("提案書に利用期間が記載されていません。")
    if problems:
        raise ContractError(problems)
    locked = _move(locked, ContractStatus.CONCLUDED, actor=actor)
    year = locked.notice.fiscal_year
    policy = ScreeningPolicy.current()
    locked.contract_number = f"{fiscal_year_label(year)}匿契第{number_next(f'contract-{year}')}号"
    locked.concluded_on = today
    locked.concluded_by = actor
    locked.concluded_by_name = actor_name(actor)
    locked.agency_party = " ".join(filter(None, [settings.AGENCY_HEAD_TITLE, policy.agency_head_name]))
    proposer = locked.proposer
    locked.contractor_party = " ".join(
        filter(None, [proposer.name, proposer.representative_title, proposer.representative_name])
    )
    locked.dataset_description = _dataset_description(proposal)
    locked.period_start = proposal.use_period_start
    locked.period_end = proposal.use_period_end
    locked.security_measures = proposal.security_measures
    locked.obligations = list(OBLIGATIONS)
    task = outbox_enqueue(task_name=CREATE_DATASET_TASK, contract_id=locked.pk)
    locked.creation_status = CreationStatus.PENDING
    locked.creation_task_id = task.pk
    locked.save()
    _notify_proposer(locked, "contract_concluded")
    _record(actor=actor, obj=locked, change="concluded", status=locked.status)
    return locked


def contracts_expire(*, today: datetime.date | None = None) -> int:
    """End every concluded contract whose period of use is over (period_end before `today`); returns how
    many ended now. Idempotent: a contract already ended is not touched again. Side effect after
    commit: each proposer is asked for the deletion report."""
    today = today or timezone.localdate()
    ended = 0
    due = Contract.objects.filter(status=ContractStatus.CONCLUDED, period_end__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            contract = _locked(Contract(pk=pk))
            if contract.status != ContractStatus.CONCLUDED:
                continue  # ended meanwhile (a concurrent run or a cancellation)
            contract = _move(
                contract, ContractStatus.EXPIRED, actor=None, reason=f"利用期間の終了（{wareki(contract.period_end)}）"
            )
            contract.ended_on = contract.period_end + datetime.timedelta(days=1)
            contract.save(update_fields=["ended_on", "updated_at"])
            _notify_proposer(contract, "contract_expired")
            _record(actor=None, username="system:contracts_expire", obj=contract, change="expired")
            ended += 1
    return ended


@transaction.atomic
def contract_cancel(
    *,
    contract: Contract,
    actor,
    ground: CancellationGround | str,
    reason: str,
    cancelled_on: datetime.date | None = None,
) -> Cancellation:
    """Cancel a concluded contract on a ground of 法120, with a reason. Records the 2-year
    disqualification (法113条4号・6号) as DisqualificationRecords: a corporation by its 法人番号 and each
    officer by name and date of birth, or the individual by name and date of birth; intake checks them.
    Side effect after commit: the proposer's e-mail."""
    _require_perm(actor, "contracts.add_cancellation", contract)
    reason = reason.strip()
    if not reason:
        raise ContractError("解除の理由を記入してください。")
    cancelled_on = cancelled_on or timezone.localdate()
    ground = CancellationGround(ground)
    locked = _move(contract, ContractStatus.CANCELLED, actor=actor, reason=f"{ground.label}: {reason}")
    locked.ended_on = cancelled_on
    locked.save(update_fields=["ended_on", "updated_at"])
    cancellation = Cancellation.objects.create(
        contract=locked,
        ground=ground,
        reason=reason,
        cancelled_on=cancelled_on,
        decided_by=actor,
        decided_by_name=actor_name(actor),
    )
    proposer = locked.proposer
    common = {
        "ground": DisqualificationGround.CANCELLATION,
        "event_date": cancelled_on,
        "reason": f"{ground.label}: {reason}",
        "source": f"契約番号 {locked.contract_number}",
        "recorded_by": actor,
        "recorded_by_name": actor_name(actor),
    }
    # 法120 → 法113条4号 (the party) and 6号 (a body with such an officer): two years from the cancellation.
    if proposer.is_corporation:
        DisqualificationRecord.objects.create(name=proposer.name, corporate_number=proposer.corporate_number, **common)
        for officer in proposer.officers.all():
            DisqualificationRecord.objects.create(name=officer.name, date_of_birth=officer.date_of_birth, **common)
    else:
        DisqualificationRecord.objects.create(name=proposer.name, date_of_birth=proposer.date_of_birth, **common)
    _notify_proposer(locked, "contract_cancelled", cancellation=cancellation)
    _record(actor=actor, obj=locked, change="cancelled", ground=ground.value, status=locked.status)
    return cancellation


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


def payment_slip_context(contract: Contract) -> dict:
    """The context of pdf/payment_slip.html for a contract whose fee is fixed."""
    proposer = contract.proposer
    return {
        "document_date": timezone.localdate(contract.fee_fixed_at),
        "fiscal_year_label": fiscal_year_label(contract.notice.fiscal_year),
        "payment_number": f"{contract.notice.fiscal_year}-{contract.pk:06d}",
        # REVIEW (agency accounting): the collecting officer and the revenue account.
        "collecting_officer": f"{settings.AGENCY_NAME}大臣官房会計課長",
        "revenue_account": "雑収入　諸収入　手数料",
        "payer": {"address": proposer.address, "name": proposer.name},
        "amount": contract.fee_amount,
        "due_date": contract.payment_due_date,
        "purpose": (
            f"行政機関等匿名加工情報の利用に関する契約に係る手数料（受付番号 {contract.proposal.receipt_number}）"
        ),
    }
