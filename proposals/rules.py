"""Legal rules of the proposal procedure that are pure functions of dates (no database).

Periods follow the Civil Code's counting: a period in days does not count its first day unless it
starts at midnight (民法140条) and ends at the end of its last day (民法141条).
"""

import datetime

from django.utils import timezone

# seed 000 / 法111 and its rule: a call runs for 30 days or more, at least once every fiscal year.
MIN_CALL_DAYS = 30
# 民法4条: adulthood at 18 (法113条1号 refers to minors).
ADULT_AGE = 18
# 法113条4号・5号: two years after a sentence is served or a contract is cancelled.
DISQUALIFICATION_YEARS = 2
_DAY = datetime.timedelta(days=1)


def _local(moment: datetime.datetime) -> datetime.datetime:
    return timezone.localtime(moment)


def call_period_days(opens_at: datetime.datetime, closes_at: datetime.datetime) -> int:
    """Whole days the call is open, counted in Japan time under 民法140条・141条.

    The opening day counts only if the call opens at midnight; the closing day counts only if the
    call stays open to its end (closing at 23:59:59 of that day, or at the next midnight).
    """
    opens, closes = _local(opens_at), _local(closes_at)
    first_day = opens.date() if opens.time() == datetime.time(0, 0) else opens.date() + _DAY
    # Closing at midnight ends the previous day; closing earlier in a day leaves that day short.
    last_day = closes.date() if closes.time() >= datetime.time(23, 59, 59) else closes.date() - _DAY
    return max((last_day - first_day).days + 1, 0)


def add_years(day: datetime.date, years: int) -> datetime.date:
    """The same date `years` later; 29 February becomes 1 March in a common year.

    A period of years counted from 29 February ends at the end of 28 February (民法143条2項
    ただし書), so what follows it — adulthood, the end of a disqualification — starts on 1 March.
    """
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return datetime.date(day.year + years, 3, 1)


def adulthood_date(date_of_birth: datetime.date) -> datetime.date:
    """The first day on which a person born on `date_of_birth` is an adult (18, 民法4条).

    Age is counted from the day of birth (年齢計算ニ関スル法律), so the 18th year ends at the end of
    the day before the 18th birthday.
    """
    return add_years(date_of_birth, ADULT_AGE)


def disqualification_end(start: datetime.date) -> datetime.date:
    """The first day a person is no longer disqualified by an event on `start` (法113条4号・5号).

    「2年を経過しない者」: the two years are counted from the next day (民法140条) and end at the
    end of the day before the corresponding date (民法143条).
    """
    return add_years(start + _DAY, DISQUALIFICATION_YEARS)
