"""The fee (手数料, 法119): the pure calculation from a schedule, logged creation hours, the final fee,
payments and the payment slip."""

import datetime
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from contracts.enums import (
    ContractStatus,
    PaymentMethod,
)
from contracts.models import (
    Contract,
    CreationHoursLog,
    FeeSchedule,
    Payment,
)
from contracts.services.common import (
    PAYMENT_DAYS,
    ContractError,
    _locked,
    _move,
    _notify_proposer,
    _record,
    _require_perm,
)
from portal.jdates import fiscal_year_label
from portal.workflow import actor_name


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
