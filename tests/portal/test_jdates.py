import datetime

import pytest

from portal.jdates import fiscal_year, fiscal_year_label, wareki


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 11, 23), "令和8年11月23日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_wareki_writes_the_official_era_date(day, expected):
    assert wareki(day) == expected


def test_wareki_of_an_aware_datetime_uses_japan_time():
    moment = datetime.datetime(2026, 11, 22, 15, 30, tzinfo=datetime.UTC)  # 00:30 on the 23rd in Tokyo

    assert wareki(moment) == "令和8年11月23日"


@pytest.mark.parametrize(
    ("day", "expected"),
    [(datetime.date(2026, 4, 1), 2026), (datetime.date(2027, 3, 31), 2026), (datetime.date(2026, 3, 31), 2025)],
)
def test_fiscal_year_runs_from_april_to_march(day, expected):
    assert fiscal_year(day) == expected


def test_fiscal_year_label_is_in_the_era():
    assert (fiscal_year_label(2026), fiscal_year_label(2019)) == ("令和8年度", "平成31年度")
