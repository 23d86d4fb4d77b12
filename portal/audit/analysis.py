"""The periodic analysis of the access records (seed 004 第12条1項: アクセス記録を定期的に分析する).

Each rule groups the records of a period and raises an AccessAlert per group over its threshold. The
dedup key names the rule, the person (or address) and the hour or Japan-time day, so running the
analysis again over the same records raises nothing new.
"""

import datetime
from dataclasses import dataclass

import jpholiday
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncDate, TruncHour
from django.utils import timezone

from portal.audit.enums import AccessAction, AccessResult, AlertKind
from portal.audit.models import AccessAlert, AccessRecord
from portal.audit.services import JST, alert_raise


@dataclass(frozen=True)
class Period:
    start: datetime.datetime
    end: datetime.datetime


def default_period(now: datetime.datetime | None = None) -> Period:
    """From the start of yesterday (Japan time) to now: whole days for the per-day rules, with overlap."""
    now = now or timezone.now()
    today = timezone.localdate(now, JST)
    return Period(datetime.datetime.combine(today - datetime.timedelta(days=1), datetime.time(), tzinfo=JST), now)


def is_government_holiday(day: datetime.date) -> bool:
    """行政機関の休日: Saturdays, Sundays, national holidays (jpholiday) and 29 December to 3 January."""
    year_end = (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)
    return day.weekday() >= 5 or year_end or jpholiday.is_holiday(day)


def holidays_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    days = (start + datetime.timedelta(days=offset) for offset in range((end - start).days + 1))
    return [day for day in days if is_government_holiday(day)]


def access_analyse(*, period: Period) -> list[AccessAlert]:
    """Run every rule over the records of `period`; returns the alerts raised now (none on a rerun)."""
    records = AccessRecord.objects.filter(occurred_at__gte=period.start, occurred_at__lt=period.end)
    raised = []
    for rule in (_off_hours, _bulk_access, _repeated_refusals, _failed_sign_ins, _failed_sign_ins_from_address):
        raised.extend(rule(records, period))
    return raised


def _day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    start = datetime.datetime.combine(day, datetime.time(), tzinfo=JST)
    return start, start + datetime.timedelta(days=1)


def _group_summary(records: QuerySet, *keys: str) -> QuerySet:
    return (
        records.values(*keys)
        .annotate(count=Count("position"), first=Min("position"), last=Max("position"))
        .order_by(*keys)
    )


def _raise(kind: AlertKind, key: str, group: dict, start, end, threshold: int | None, **extra) -> AccessAlert | None:
    user_model, user_id = get_user_model(), group.get("actor_user_id")
    if user_id is not None:
        subject = user_model.objects.filter(pk=user_id).first()
    elif extra.get("username"):
        subject = user_model.objects.filter(**{user_model.USERNAME_FIELD: extra["username"]}).first()
    else:
        subject = None
    detail = {"count": group["count"], **({"threshold": threshold} if threshold is not None else {}), **extra}
    alert, created = alert_raise(
        kind=kind,
        dedup_key=f"{kind.value}:{key}",
        subject=subject,
        subject_username=extra.get("username", ""),
        period_start=start,
        period_end=end,
        record_count=group["count"],
        first_position=group["first"],
        last_position=group["last"],
        detail=detail,
    )
    return alert if created else None


def _off_hours(records: QuerySet, period: Period) -> list[AccessAlert]:
    # Staff access outside business hours or on a government holiday, once per person and day.
    # Proposers and contractors are not staff: their evening access is expected.
    start_hour, end_hour = settings.AUDIT_BUSINESS_HOURS_START, settings.AUDIT_BUSINESS_HOURS_END
    first_day, last_day = timezone.localdate(period.start, JST), timezone.localdate(period.end, JST)
    off_hours = (
        records.filter(actor__is_staff=True)
        .annotate(day=TruncDate("occurred_at", tzinfo=JST), hour=ExtractHour("occurred_at", tzinfo=JST))
        .filter(Q(day__in=holidays_between(first_day, last_day)) | Q(hour__lt=start_hour) | Q(hour__gte=end_hour))
    )
    raised = []
    for group in _group_summary(off_hours, "actor_user_id", "day"):
        start, end = _day_bounds(group["day"])
        extra = {"business_hours": f"{start_hour}:00-{end_hour}:00", "holiday": is_government_holiday(group["day"])}
        key = f"{group['actor_user_id']}:{group['day'].isoformat()}"
        raised.append(_raise(AlertKind.OFF_HOURS, key, group, start, end, None, **extra))
    return [alert for alert in raised if alert]


def _bulk_access(records: QuerySet, period: Period) -> list[AccessAlert]:
    # More than AUDIT_ALERT_BULK_PER_HOUR records by one person in one clock hour.
    threshold = settings.AUDIT_ALERT_BULK_PER_HOUR
    hourly = records.filter(actor_user_id__isnull=False).annotate(hour=TruncHour("occurred_at", tzinfo=datetime.UTC))
    raised = []
    for group in _group_summary(hourly, "actor_user_id", "hour").filter(count__gt=threshold):
        start = group["hour"]
        key = f"{group['actor_user_id']}:{start.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H')}"
        raised.append(_raise(AlertKind.BULK_ACCESS, key, group, start, start + datetime.timedelta(hours=1), threshold))
    return [alert for alert in raised if alert]


def _per_day(records: QuerySet, kind: AlertKind, field: str, threshold: int) -> list[AccessAlert]:
    daily = records.annotate(day=TruncDate("occurred_at", tzinfo=JST))
    raised = []
    for group in _group_summary(daily, field, "day").filter(count__gt=threshold):
        start, end = _day_bounds(group["day"])
        key = f"{group[field]}:{group['day'].isoformat()}"
        extra = {"username": group[field]} if field == "actor_username" else {}
        if field == "ip_address":
            extra = {"ip_address": group[field]}
        raised.append(_raise(kind, key, group, start, end, threshold, **extra))
    return [alert for alert in raised if alert]


def _repeated_refusals(records: QuerySet, period: Period) -> list[AccessAlert]:
    refused = records.filter(result=AccessResult.REFUSED, actor_user_id__isnull=False)
    return _per_day(refused, AlertKind.REPEATED_REFUSALS, "actor_user_id", settings.AUDIT_ALERT_REFUSALS_PER_DAY)


def _failed_sign_ins(records: QuerySet, period: Period) -> list[AccessAlert]:
    # Guessing one account's password: failed sign-ins for the same login name.
    failed = records.filter(action=AccessAction.SIGN_IN_FAILED)
    return _per_day(failed, AlertKind.FAILED_SIGN_INS, "actor_username", settings.AUDIT_ALERT_FAILED_SIGN_INS_PER_DAY)


def _failed_sign_ins_from_address(records: QuerySet, period: Period) -> list[AccessAlert]:
    # Trying many accounts from one place: failed sign-ins from the same address, whatever the name.
    failed = records.filter(action=AccessAction.SIGN_IN_FAILED, ip_address__isnull=False)
    threshold = settings.AUDIT_ALERT_FAILED_SIGN_INS_PER_DAY
    return _per_day(failed, AlertKind.FAILED_SIGN_INS_FROM_ADDRESS, "ip_address", threshold)
