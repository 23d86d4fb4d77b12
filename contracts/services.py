"""Fee calculation (手数料, 法119): a pure function over a schedule, and the schedule of a fiscal year."""

import math
from dataclasses import dataclass, field
from decimal import Decimal

from contracts.models import FeeSchedule


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
