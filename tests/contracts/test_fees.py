from decimal import Decimal

import pytest

from contracts.models import FeeKind, FeeSchedule
from contracts.services import charged_hours, fee_estimate, fee_schedule_for_year

STATUTORY = FeeSchedule(fiscal_year=2026)


@pytest.mark.parametrize(
    ("hours", "charged"),
    [(0, 0), (Decimal("0.5"), 1), (1, 1), (Decimal("1.01"), 2), (2, 2), (Decimal("2.00"), 2), (2.5, 3)],
)
def test_every_part_of_an_hour_counts_as_an_hour(hours, charged):
    assert charged_hours(hours) == charged


@pytest.mark.parametrize(("hours", "amount"), [(Decimal("0.5"), 24_950), (2, 28_900), (0, 21_000)])
def test_the_statutory_fee(hours, amount):
    assert fee_estimate(schedule=STATUTORY, hours=hours).amount == amount


def test_the_contractor_is_added_as_its_own_line():
    estimate = fee_estimate(schedule=STATUTORY, hours=2, contractor_amount=100_000)

    assert estimate.amount == 128_900
    assert [(line.label, line.amount) for line in estimate.breakdown] == [
        ("基本額", 21_000),
        ("作成に要する時間（2時間 × 3,950円）", 7_900),
        ("作成の委託を受けた者に支払う額", 100_000),
    ]


def test_an_existing_dataset_has_its_own_amount():
    assert fee_estimate(schedule=STATUTORY, hours=10, existing_dataset=True).amount == 12_600


def test_an_agency_sets_its_own_usage_fee():
    own = FeeSchedule(fiscal_year=2026, kind=FeeKind.USAGE_FEE, base_amount=10_000, hourly_amount=5_000)

    assert (fee_estimate(schedule=own, hours=Decimal("1.5")).amount, own.fee_word) == (20_000, "利用料")


@pytest.mark.parametrize(("hours", "contractor"), [(-1, 0), (1, -5)])
def test_negative_figures_are_refused(hours, contractor):
    with pytest.raises(ValueError):
        fee_estimate(schedule=STATUTORY, hours=hours, contractor_amount=contractor)


@pytest.mark.django_db
def test_the_schedule_of_a_year_or_the_statutory_default():
    FeeSchedule.objects.create(fiscal_year=2027, hourly_amount=4_000)

    assert fee_schedule_for_year(2027).hourly_amount == 4_000
    default = fee_schedule_for_year(2026)
    assert (default.pk, default.base_amount, default.hourly_amount) == (None, 21_000, 3_950)


@pytest.mark.django_db
def test_one_schedule_per_year():
    from django.db import IntegrityError

    FeeSchedule.objects.create(fiscal_year=2027)
    with pytest.raises(IntegrityError):
        FeeSchedule.objects.create(fiscal_year=2027)
