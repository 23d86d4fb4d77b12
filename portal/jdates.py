"""Japanese official dates: the era (和暦) and the fiscal year (年度, April to March)."""

import datetime

from japanera import EraDate


def wareki(value: datetime.date | datetime.datetime | None) -> str:
    """令和8年11月23日 for 2026-11-23; the first year of an era is 元年 (令和元年5月1日)."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    era_date = EraDate.from_date(value)
    year = int(era_date.strftime("%-Y"))
    era_year = "元" if year == 1 else str(year)
    return f"{era_date.era.kanji}{era_year}年{value.month}月{value.day}日"


def fiscal_year(value: datetime.date) -> int:
    """The fiscal year (年度) a date falls in: April 2026 to March 2027 is 2026."""
    return value.year if value.month >= 4 else value.year - 1


def fiscal_year_label(year: int) -> str:
    """令和8年度 for 2026."""
    era_date = EraDate.from_date(datetime.date(year, 4, 1))
    era_year = int(era_date.strftime("%-Y"))
    return f"{era_date.era.kanji}{'元' if era_year == 1 else era_year}年度"
