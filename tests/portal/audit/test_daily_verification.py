"""The daily tasks of seed 004 第12条: the verification alerts the managers when the exported heads file
is missing, unreadable or shorter than the last run saw (第12条2項), and the archive is scheduled daily
and routed to the archive worker's queue (第12条1項)."""

import pytest
from django.core import mail
from django.utils import timezone

from portal.audit import tasks
from portal.audit.chain import chain_head_export, heads_file_path
from portal.audit.models import AccessAlert, AccessRecord
from portal.audit.monitoring import VERIFIER
from portal.celery import app

pytestmark = pytest.mark.django_db

SUBJECT_END = "アクセス記録の警告: アクセス記録の改ざん・消去の疑い"


@pytest.fixture
def exported(make_records, clock):
    """Three records with the head exported after each: a heads file of three lines."""
    for _ in range(3):
        make_records(1)
        chain_head_export()
    return heads_file_path()


@pytest.fixture
def run_daily(django_capture_on_commit_callbacks, chief_manager):
    """The beat task as a worker runs it, with the alert e-mails sent after commit."""

    def run() -> dict:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.verify_access_records.apply().get()

    return run


def _alert() -> AccessAlert:
    return AccessAlert.objects.get()


def test_a_clean_run_notes_what_it_saw_and_alerts_nobody(exported, run_daily):
    result = run_daily()

    assert result["heads"] == "ok"
    assert AccessAlert.objects.count() == 0
    assert mail.outbox == []
    note = AccessRecord.objects.filter(actor_username=VERIFIER).get()
    assert (note.action, note.result, note.object_type) == ("view", "success", "audit.verification")
    assert note.detail == {
        "ok": True,
        "last_position": 3,
        "heads": "ok",
        "heads_bytes": exported.stat().st_size,
        "heads_count": 3,
    }


def test_a_missing_heads_file_alerts_the_managers_once_a_day(exported, run_daily, clock):
    run_daily()
    exported.unlink()

    first = run_daily()
    run_daily()  # the same day: the same finding

    assert first["heads"] == "missing"
    alert = _alert()
    assert alert.kind == "chain_broken"
    assert alert.dedup_key == "chain_heads:missing:2026-06-10"
    assert alert.detail["message"] == f"書き出した先頭のファイル {exported} がありません。"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith(SUBJECT_END)
    assert f"検証結果: 書き出した先頭のファイル {exported} がありません。" in mail.outbox[0].body


def test_a_missing_heads_file_on_the_first_run_alerts_too(make_records, run_daily):
    make_records(2)

    assert run_daily()["heads"] == "missing"
    assert _alert().detail["problem"] == "heads_missing"


def test_an_unreadable_line_alerts_the_managers(exported, run_daily):
    with exported.open("a") as heads:
        heads.write("not json\n")

    result = run_daily()

    assert result["heads"] == "unreadable"
    assert _alert().detail["message"] == f"書き出した先頭のファイルを読めません: {exported} の 4 行目を読めません。"
    assert len(mail.outbox) == 1


def test_a_folder_in_place_of_the_heads_file_alerts_the_managers(exported, run_daily):
    exported.unlink()
    exported.mkdir()

    assert run_daily()["heads"] == "unreadable"
    assert _alert().detail["message"] == f"書き出した先頭のファイル {exported} を読めません（IsADirectoryError）。"


def test_a_heads_file_shorter_than_the_last_run_saw_alerts_the_managers(exported, run_daily, make_records):
    run_daily()
    lines = exported.read_text().splitlines(keepends=True)
    exported.write_text("".join(lines[:2]))  # the newest head taken back
    make_records(1)

    result = run_daily()

    assert result == {"ok": True, "records_checked": 5, "last_position": 5, "heads": "shorter"}
    size = len("".join(lines))
    assert _alert().detail["message"] == (
        f"書き出した先頭のファイル {exported} が前回の検証時（3件、{size}バイト）より短くなっています"
        f"（2件、{exported.stat().st_size}バイト）。"
    )
    assert len(mail.outbox) == 1


def test_a_heads_file_that_grew_since_the_last_run_passes(exported, run_daily, make_records):
    run_daily()
    make_records(1)
    chain_head_export()

    assert run_daily()["heads"] == "ok"
    assert AccessAlert.objects.count() == 0


def test_a_recreated_heads_file_is_compared_with_the_last_run_that_could_read_it(exported, run_daily, clock):
    run_daily()
    exported.unlink()
    run_daily()  # missing: alerted, and no baseline noted
    clock.advance(days=1)
    chain_head_export()  # the export starts a new file of one line

    assert run_daily()["heads"] == "shorter"
    assert AccessAlert.objects.filter(dedup_key__startswith="chain_heads:shorter:").count() == 1


def test_the_archive_is_scheduled_daily_and_routed_to_the_archive_queue(settings):
    assert settings.CELERY_BEAT_SCHEDULE["audit.archive_access_records"] == {
        "task": "audit.archive_access_records",
        "schedule": 86400.0,
    }
    assert tasks.archive_access_records.name == "audit.archive_access_records"
    assert app.amqp.router.route({}, "audit.archive_access_records")["queue"].name == "audit_archive"
    for other in ("audit.verify_access_records", "audit.export_chain_head", "anonymizer.create_dataset"):
        assert app.amqp.router.route({}, other)["queue"].name == app.conf.task_default_queue


def test_the_archive_task_archives_what_is_past_the_retention_period(make_records, clock, settings):
    settings.AUDIT_RETENTION_DAYS = 366
    clock.set(2020, 4, 1, 9, 0)
    make_records(3)
    clock.now = timezone.localtime()  # the archive's cutoff counts from the real clock
    make_records(1)

    result = tasks.archive_access_records.apply().get()

    assert result == {
        "archived": 3,
        "first_position": 1,
        "last_position": 3,
        "file_name": "access-records-000000000001-000000000003.jsonl.gz",
    }
    assert tasks.archive_access_records.apply().get() == {"archived": 0}
