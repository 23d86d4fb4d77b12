"""The periodic analysis of the access records (seed 004 第12条1項)."""

import datetime

import pytest
from django.core import mail

from portal.audit import tasks
from portal.audit.analysis import Period, access_analyse, default_period, is_government_holiday
from portal.audit.enums import AccessAction, AccessResult, AlertKind
from portal.audit.models import AccessAlert
from portal.audit.services import JST, access_record
from tests.factories.accounts import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return UserFactory(username="tanaka", last_name="田中", first_name="次郎", is_staff=True)


def _whole_days(first: datetime.date, last: datetime.date) -> Period:
    start = datetime.datetime.combine(first, datetime.time(), tzinfo=JST)
    return Period(start, datetime.datetime.combine(last + datetime.timedelta(days=1), datetime.time(), tzinfo=JST))


JUNE_10 = _whole_days(datetime.date(2026, 6, 10), datetime.date(2026, 6, 10))


def _alerts() -> list[tuple]:
    return list(AccessAlert.objects.order_by("kind", "dedup_key").values_list("kind", "dedup_key", "record_count"))


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 6, 10), False),  # Wednesday
        (datetime.date(2026, 6, 13), True),  # Saturday
        (datetime.date(2026, 5, 5), True),  # こどもの日
        (datetime.date(2026, 12, 29), True),  # year-end closure
        (datetime.date(2027, 1, 3), True),
        (datetime.date(2027, 1, 4), False),
    ],
)
def test_is_government_holiday(day, expected):
    assert is_government_holiday(day) == expected


@pytest.mark.parametrize(
    ("hour", "minute", "alerts"),
    [(7, 59, 1), (8, 0, 0), (19, 59, 0), (20, 0, 1), (23, 30, 1)],
)
def test_staff_access_outside_business_hours_is_flagged(staff, clock, hour, minute, alerts):
    clock.set(2026, 6, 10, hour, minute)
    access_record(actor=staff, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    access_analyse(period=JUNE_10)

    assert len(_alerts()) == alerts


def test_staff_access_on_a_holiday_is_flagged_once_per_day(staff, clock):
    clock.set(2026, 5, 5, 10, 0)
    for _ in range(3):
        access_record(actor=staff, action=AccessAction.VIEW, result=AccessResult.SUCCESS)
        clock.advance(hours=2)

    raised = access_analyse(period=_whole_days(datetime.date(2026, 5, 5), datetime.date(2026, 5, 5)))

    assert _alerts() == [(AlertKind.OFF_HOURS, f"off_hours:{staff.pk}:2026-05-05", 3)]
    assert raised[0].detail == {"count": 3, "business_hours": "8:00-20:00", "holiday": True}
    assert (raised[0].subject, raised[0].first_position, raised[0].last_position) == (staff, 1, 3)


def test_non_staff_access_in_the_evening_is_expected(clock):
    proposer = UserFactory(is_staff=False)
    clock.set(2026, 6, 10, 22, 0)
    access_record(actor=proposer, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    access_analyse(period=JUNE_10)

    assert _alerts() == []


def test_business_hours_come_from_the_settings(settings, staff, clock):
    settings.AUDIT_BUSINESS_HOURS_START, settings.AUDIT_BUSINESS_HOURS_END = 9, 17
    clock.set(2026, 6, 10, 8, 30)
    access_record(actor=staff, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    access_analyse(period=JUNE_10)

    assert [kind for kind, *_ in _alerts()] == [AlertKind.OFF_HOURS]


@pytest.mark.parametrize(("count", "alerts"), [(5, 0), (6, 1)], ids=["at-threshold", "above"])
def test_bulk_access_in_one_hour_is_flagged(settings, clock, count, alerts):
    settings.AUDIT_ALERT_BULK_PER_HOUR = 5
    user = UserFactory()
    clock.set(2026, 6, 10, 10, 0)
    for _ in range(count):
        access_record(actor=user, action=AccessAction.VIEW, result=AccessResult.SUCCESS)
        clock.advance(minutes=9)

    access_analyse(period=JUNE_10)

    assert _alerts() == [(AlertKind.BULK_ACCESS, f"bulk_access:{user.pk}:2026-06-10T01", count)][:alerts]


def test_bulk_access_spread_over_two_hours_is_not_flagged(settings, clock):
    settings.AUDIT_ALERT_BULK_PER_HOUR = 5
    user = UserFactory()
    clock.set(2026, 6, 10, 10, 30)
    for _ in range(10):
        access_record(actor=user, action=AccessAction.VIEW, result=AccessResult.SUCCESS)
        clock.advance(minutes=6)

    access_analyse(period=JUNE_10)

    assert _alerts() == []


@pytest.mark.parametrize(("count", "alerts"), [(5, 0), (6, 1)], ids=["at-threshold", "above"])
def test_repeated_refusals_are_flagged(settings, clock, count, alerts):
    settings.AUDIT_ALERT_REFUSALS_PER_DAY = 5
    user = UserFactory()
    for _ in range(count):
        access_record(actor=user, action=AccessAction.UNAUTHORIZED, result=AccessResult.REFUSED)
    access_record(actor=user, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    access_analyse(period=JUNE_10)

    assert _alerts() == [(AlertKind.REPEATED_REFUSALS, f"repeated_refusals:{user.pk}:2026-06-10", count)][:alerts]


def test_repeated_failed_sign_ins_are_flagged_per_name_and_per_address(settings, clock):
    settings.AUDIT_ALERT_FAILED_SIGN_INS_PER_DAY = 3
    from django.test import RequestFactory

    victim = UserFactory(username="victim")
    for number in range(4):
        request = RequestFactory().post("/admin/login/", REMOTE_ADDR=f"203.0.113.{number}")
        access_record(actor=None, username="victim", action="sign_in_failed", result="failed", request=request)
    for name in ("a", "b", "c", "d"):
        request = RequestFactory().post("/admin/login/", REMOTE_ADDR="198.51.100.66")
        access_record(actor=None, username=name, action="sign_in_failed", result="failed", request=request)

    access_analyse(period=JUNE_10)

    assert _alerts() == [
        (AlertKind.FAILED_SIGN_INS, "failed_sign_ins:victim:2026-06-10", 4),
        (AlertKind.FAILED_SIGN_INS_FROM_ADDRESS, "failed_sign_ins_from_address:198.51.100.66:2026-06-10", 4),
    ]
    assert AccessAlert.objects.get(kind=AlertKind.FAILED_SIGN_INS).subject == victim


def test_failed_sign_ins_are_counted_per_japan_time_day(settings, clock):
    settings.AUDIT_ALERT_FAILED_SIGN_INS_PER_DAY = 3
    clock.set(2026, 6, 10, 23, 0)
    for _ in range(2):
        access_record(actor=None, username="x", action="sign_in_failed", result="failed")
    clock.set(2026, 6, 11, 1, 0)
    for _ in range(2):
        access_record(actor=None, username="x", action="sign_in_failed", result="failed")

    access_analyse(period=_whole_days(datetime.date(2026, 6, 10), datetime.date(2026, 6, 11)))

    assert _alerts() == []


def test_running_the_analysis_again_raises_nothing_new(staff, clock, django_capture_on_commit_callbacks):
    clock.set(2026, 6, 10, 22, 0)
    access_record(actor=staff, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    with django_capture_on_commit_callbacks(execute=True):
        first = access_analyse(period=JUNE_10)
    with django_capture_on_commit_callbacks(execute=True):
        second = access_analyse(period=JUNE_10)

    assert (len(first), second, AccessAlert.objects.count()) == (1, [], 1)


def test_the_managers_are_e_mailed_in_japanese(
    staff, clock, chief_manager, protection_manager, outsider, django_capture_on_commit_callbacks
):
    clock.set(2026, 6, 13, 9, 0)  # Saturday
    access_record(actor=staff, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    with django_capture_on_commit_callbacks(execute=True):
        access_analyse(period=_whole_days(datetime.date(2026, 6, 13), datetime.date(2026, 6, 13)))

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([chief_manager.email, protection_manager.email])
    assert (
        message.subject
        == "【行政機関等匿名加工情報 提案ポータル】アクセス記録の警告: 業務時間外のアクセス（田中 次郎）"
    )
    assert "業務時間外（8:00-20:00、行政機関の休日）のアクセスを検知しました。" in message.body
    assert "対象期間: 2026年6月13日 00:00 ～ 2026年6月14日 00:00" in message.body


def test_an_alert_not_e_mailed_is_sent_by_the_next_run(staff, clock, chief_manager, monkeypatch, settings):
    clock.set(2026, 6, 10, 22, 0)
    access_record(actor=staff, action=AccessAction.VIEW, result=AccessResult.SUCCESS)
    broken = {**settings.MAILERS["default"], "BACKEND": "tests.portal.audit.test_analysis.FailingBackend"}
    settings.MAILERS = {"default": broken}

    access_analyse(period=JUNE_10)  # on_commit callbacks do not run in this test: nothing is sent
    first_try = tasks.alerts_send_pending()
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    second_try = tasks.alerts_send_pending()

    assert (first_try, second_try, len(mail.outbox)) == (0, 1, 1)
    assert AccessAlert.objects.get().emailed_at is not None


class FailingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("mail server down")


def test_the_task_has_a_stable_name_and_reads_its_period(staff, clock):
    clock.set(2026, 6, 10, 22, 0)
    access_record(actor=staff, action=AccessAction.VIEW, result=AccessResult.SUCCESS)

    result = tasks.analyse_access_records.apply(
        kwargs={"since": "2026-06-10T00:00:00+09:00", "until": "2026-06-11T00:00:00+09:00"}
    ).get()

    assert tasks.analyse_access_records.name == "audit.analyse_access_records"
    assert result == {"raised": 1, "emailed_retry": 0}


def test_the_task_refuses_a_time_without_offset():
    with pytest.raises(ValueError, match="needs a UTC offset"):
        tasks.analyse_access_records.apply(kwargs={"since": "2026-06-10T00:00:00"}).get()


def test_the_default_period_starts_at_yesterdays_japan_midnight():
    now = datetime.datetime(2026, 6, 10, 0, 30, tzinfo=JST)

    period = default_period(now)

    assert (period.start, period.end) == (datetime.datetime(2026, 6, 9, tzinfo=JST), now)


def test_beat_runs_the_analysis_and_the_head_export(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE

    assert schedule["audit.analyse_access_records"] == {"task": "audit.analyse_access_records", "schedule": 3600.0}
    assert schedule["audit.export_chain_head"] == {"task": "audit.export_chain_head", "schedule": 600.0}
    assert schedule["audit.verify_access_records"] == {"task": "audit.verify_access_records", "schedule": 86400.0}
