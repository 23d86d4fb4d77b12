"""Large downloads raise one alert a day and a warning (seed 004 第13条)."""

import threading

import pytest
from django.core import mail
from django.db import connection

from portal.audit.enums import AccessAction, AlertKind
from portal.audit.models import AccessAlert, AccessRecord, DownloadTally
from portal.audit.services import download_record
from tests.factories.accounts import UserFactory
from tests.portal.audit.conftest import postgresql_only

pytestmark = pytest.mark.django_db

THRESHOLD = 1000


@pytest.fixture(autouse=True)
def thresholds(settings):
    settings.AUDIT_DOWNLOAD_ALERT_ROWS = THRESHOLD
    settings.AUDIT_DOWNLOAD_ALERT_BYTES = 0


@pytest.fixture
def downloader(organization):
    return UserFactory(username="dl", last_name="佐藤", first_name="一郎")


@pytest.mark.parametrize(
    ("rows", "warning", "alerts"),
    [(THRESHOLD - 1, False, 0), (THRESHOLD, False, 0), (THRESHOLD + 1, True, 1)],
    ids=["threshold-1", "threshold", "threshold+1"],
)
def test_a_download_alerts_only_above_the_threshold(downloader, organization, clock, rows, warning, alerts):
    outcome = download_record(actor=downloader, obj=organization, rows=rows)

    assert (outcome.warning, outcome.alerted, AccessAlert.objects.count()) == (warning, bool(alerts), alerts)
    assert outcome.record.detail == {"rows": rows}
    assert outcome.record.action == AccessAction.DOWNLOAD


def test_the_day_total_counts_not_the_single_download(downloader, organization, clock):
    first = download_record(actor=downloader, obj=organization, rows=600)
    second = download_record(actor=downloader, obj=organization, rows=400)
    third = download_record(actor=downloader, obj=organization, rows=1)

    assert [(o.warning, o.alerted) for o in (first, second, third)] == [(False, False), (False, False), (True, True)]
    alert = AccessAlert.objects.get()
    assert (alert.kind, alert.subject, alert.first_position) == (AlertKind.DOWNLOAD_VOLUME, downloader, 3)
    assert alert.detail == {
        "rows": 1001,
        "bytes": 0,
        "rows_threshold": THRESHOLD,
        "bytes_threshold": 0,
        "exceeded": ["1,000行"],
    }


def test_crossing_again_the_same_day_warns_without_a_second_alert(downloader, organization, clock):
    download_record(actor=downloader, obj=organization, rows=THRESHOLD + 1)

    again = download_record(actor=downloader, obj=organization, rows=5000)

    assert (again.warning, again.alerted) == (True, False)
    assert again.message.startswith("本日のダウンロード量が警告の基準（1,000行）を超えています。")
    assert AccessAlert.objects.count() == 1


def test_a_new_japan_time_day_starts_from_zero(downloader, organization, clock):
    clock.set(2026, 6, 10, 23, 59)
    download_record(actor=downloader, obj=organization, rows=THRESHOLD + 1)
    clock.set(2026, 6, 11, 0, 1)  # 15:01 UTC on the 10th: already the 11th in Japan

    next_day = download_record(actor=downloader, obj=organization, rows=THRESHOLD)
    crossing = download_record(actor=downloader, obj=organization, rows=1)

    assert (next_day.warning, crossing.alerted) == (False, True)
    assert sorted(DownloadTally.objects.values_list("day", "rows")) == [
        (clock.now.date().replace(day=10), THRESHOLD + 1),
        (clock.now.date(), THRESHOLD + 1),
    ]
    assert AccessAlert.objects.count() == 2


def test_each_user_has_their_own_total(downloader, organization, clock):
    other = UserFactory()
    download_record(actor=downloader, obj=organization, rows=THRESHOLD)

    outcome = download_record(actor=other, obj=organization, rows=THRESHOLD)

    assert (outcome.warning, AccessAlert.objects.count()) == (False, 0)


def test_the_bytes_threshold_alerts_on_its_own(settings, downloader, organization, clock):
    settings.AUDIT_DOWNLOAD_ALERT_ROWS = 0
    settings.AUDIT_DOWNLOAD_ALERT_BYTES = 10_000

    below = download_record(actor=downloader, obj=organization, rows=10**9, bytes=10_000)
    above = download_record(actor=downloader, obj=organization, bytes=1)

    assert (below.warning, above.alerted) == (False, True)
    assert above.message.startswith("本日のダウンロード量が警告の基準（10,000バイト）を超えています。")


def test_the_alert_is_e_mailed_to_the_managers_once(
    downloader,
    organization,
    clock,
    chief_manager,
    protection_manager,
    audit_officer,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        download_record(actor=downloader, obj=organization, rows=THRESHOLD + 1)
    with django_capture_on_commit_callbacks(execute=True):
        download_record(actor=downloader, obj=organization, rows=THRESHOLD + 1)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted([chief_manager.email, protection_manager.email])
    assert (
        message.subject
        == "【行政機関等匿名加工情報 提案ポータル】アクセス記録の警告: 一定量以上のダウンロード（佐藤 一郎）"
    )
    assert "本日のダウンロード量: 1001行、0バイト" in message.body
    assert "警告の基準: 1000行を超えるもの" in message.body
    assert AccessAlert.objects.get().emailed_at is not None


def test_an_anonymous_download_is_recorded_but_not_tallied(organization):
    outcome = download_record(actor=None, obj=organization, rows=THRESHOLD * 10)

    assert (outcome.warning, outcome.record.action, DownloadTally.objects.count()) == (False, "download", 0)


@pytest.mark.parametrize("rows", [-1, 1.5, True, "10"])
def test_a_download_refuses_a_bad_volume(downloader, organization, rows):
    with pytest.raises(ValueError):
        download_record(actor=downloader, obj=organization, rows=rows)

    assert AccessRecord.objects.count() == 0


@postgresql_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("each", "alerts"), [(501, 1), (500, 0)], ids=["together-over", "together-at"])
def test_concurrent_downloads_neither_both_alert_nor_both_miss(settings, each, alerts):
    # Two downloads at once whose sum is above (or exactly at) the threshold.
    settings.AUDIT_DOWNLOAD_ALERT_ROWS = THRESHOLD
    user = UserFactory()
    from tests.factories.accounts import OrganizationFactory

    organization = OrganizationFactory()
    barrier, outcomes, errors = threading.Barrier(2), [], []

    def download() -> None:
        try:
            barrier.wait()
            outcomes.append(download_record(actor=user, obj=organization, rows=each))
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=download) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert (sum(outcome.alerted for outcome in outcomes), AccessAlert.objects.count()) == (alerts, alerts)
    assert DownloadTally.objects.get().rows == 2 * each
