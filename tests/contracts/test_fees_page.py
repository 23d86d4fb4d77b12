"""/fees/: the fee schedule published on the portal (法119), per fiscal year, in the era."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import FeeKind, FeeSchedule
from contracts.selectors import fee_schedules_public
from portal.jdates import fiscal_year, fiscal_year_label
from tests.factories.proposals import ProposalCallFactory

pytestmark = pytest.mark.django_db


def _current() -> int:
    return fiscal_year(timezone.localdate())


def test_the_page_lists_each_fiscal_year_in_the_era(client):
    year = _current()
    FeeSchedule.objects.create(fiscal_year=year)
    FeeSchedule.objects.create(
        fiscal_year=year + 1,
        kind=FeeKind.USAGE_FEE,
        base_amount=30_000,
        hourly_amount=5_000,
        existing_dataset_amount=15_000,
        notes="実費を勘案して定めた額",
    )

    response = client.get(reverse("fees"))

    body = response.content.decode()
    assert response.status_code == 200
    assert "<caption>年度別の手数料の額</caption>" in body
    for words in (
        f'<th scope="row">{fiscal_year_label(year)}</th>',
        f'<th scope="row">{fiscal_year_label(year + 1)}</th>',
        "21,000円",
        "3,950円",
        "12,600円",
        "利用料（独立行政法人等が定める額）",
        "30,000円",
        "実費を勘案して定めた額",
    ):
        assert words in body, words
    assert body.index(fiscal_year_label(year + 1)) < body.index(fiscal_year_label(year) + "</th>")


def test_without_a_schedule_the_current_year_shows_the_statutory_default(client):
    response = client.get(reverse("fees"))

    body = response.content.decode()
    assert fiscal_year_label(_current()) in body
    assert "21,000円" in body
    assert "法令で定める額" in body


def test_the_current_year_is_added_only_when_missing():
    year = _current()
    FeeSchedule.objects.create(fiscal_year=year - 1)

    schedules = fee_schedules_public(datetime.date(year, 6, 1))

    assert [schedule.fiscal_year for schedule in schedules] == [year, year - 1]
    assert schedules[0].pk is None


@pytest.mark.parametrize("count", [1, 3])
def test_the_page_queries_do_not_grow(client, django_assert_num_queries, count):
    for offset in range(count):
        FeeSchedule.objects.create(fiscal_year=_current() - offset)

    with django_assert_num_queries(1):
        response = client.get(reverse("fees"))

    assert response.content.decode().count('<th scope="row">') == count


def test_the_call_links_to_the_fee_page(client):
    call = ProposalCallFactory()

    response = client.get(reverse("calls:detail", args=[call.public_id]))

    assert reverse("fees") in response.content.decode()
