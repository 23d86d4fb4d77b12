import datetime
from zoneinfo import ZoneInfo

import pytest

from proposals import rules

JST = ZoneInfo("Asia/Tokyo")


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=JST)


@pytest.mark.parametrize(
    ("opens", "closes", "days"),
    [
        (at(2026, 12, 1, 0, 0), at(2026, 12, 30, 23, 59, 59), 30),  # starts at midnight: day 1 counts
        (at(2026, 12, 1, 0, 0), at(2026, 12, 31, 0, 0), 30),  # closing at midnight ends the 30th
        (at(2026, 12, 1, 9, 0), at(2026, 12, 30, 23, 59, 59), 29),  # 民法140条: the first day is not counted
        (at(2026, 12, 1, 9, 0), at(2026, 12, 31, 23, 59, 59), 30),
        (at(2026, 12, 1, 0, 0), at(2026, 12, 30, 17, 0), 29),  # the closing day is cut short
        (at(2026, 12, 1, 0, 0), at(2026, 12, 1, 10, 0), 0),
    ],
)
def test_call_period_days_counts_like_the_civil_code(opens, closes, days):
    assert rules.call_period_days(opens, closes) == days


@pytest.mark.parametrize(
    ("birth", "adult_from"),
    [
        (datetime.date(2008, 3, 5), datetime.date(2026, 3, 5)),
        (datetime.date(2008, 2, 29), datetime.date(2026, 3, 1)),  # 民法143条2項: no 29 February in 2026
        (datetime.date(2008, 4, 1), datetime.date(2026, 4, 1)),
    ],
)
def test_adulthood_date_is_the_eighteenth_birthday(birth, adult_from):
    assert rules.adulthood_date(birth) == adult_from


@pytest.mark.parametrize(
    ("event", "free_from"),
    [
        (datetime.date(2026, 4, 1), datetime.date(2028, 4, 2)),  # two full years from the next day
        (datetime.date(2028, 2, 28), datetime.date(2030, 3, 1)),
        (datetime.date(2028, 2, 29), datetime.date(2030, 3, 1)),
    ],
)
def test_disqualification_ends_two_years_after_the_event(event, free_from):
    assert rules.disqualification_end(event) == free_from
