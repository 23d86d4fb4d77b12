"""Sweeps of temporary copies on the record (seed 004 第17条, evidence for the 点検 of 第17条第2項)."""

import datetime
import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from anonymizer import services
from portal.audit.models import AccessRecord
from portal.audit.reports import ReportPeriod, report_build
from portal.sweeps import SWEEP_OBJECT_TYPE, sweep_record
from portal.upload_temp import upload_temp_sweep_at_start
from portal.uploads import protected_storage

pytestmark = pytest.mark.django_db


def sweeps() -> list[AccessRecord]:
    return list(AccessRecord.objects.filter(object_type=SWEEP_OBJECT_TYPE).order_by("position"))


def _aged(path: Path, seconds: float) -> Path:
    moment = time.time() - seconds
    os.utime(path, (moment, moment))
    return path


def test_a_work_sweep_that_found_nothing_is_recorded_too():
    services.work_sweep()

    [record] = sweeps()
    assert (record.actor_user_id, record.actor_username) == (None, "(sweep_temporary_copies)")
    assert (record.action, record.result) == ("delete", "success")
    assert record.detail == {"trigger": "daily", "work_folders": 0, "unreferenced_files": 0}
    assert record.object_repr == (
        "一時的な複製の消去（作業用の一時フォルダ 0件、どの記録からも参照されない暗号化ファイル 0件）"
    )


def test_a_work_sweep_records_what_it_removed_and_what_set_it_off():
    orphan = Path(protected_storage.path(f"anonymizer/datasets/{uuid.uuid4().hex}/orphan.enc"))
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"PRTLENC1 half")
    _aged(orphan, settings.ANONYMIZER_JOB_LEASE_SECONDS + 60)

    services.work_sweep(trigger="worker_start")

    [record] = sweeps()
    assert not orphan.exists()
    assert record.detail == {"trigger": "worker_start", "work_folders": 0, "unreferenced_files": 1}


def test_an_upload_sweep_at_start_is_recorded_only_when_it_removed_something(settings, tmp_path):
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.UPLOAD_TEMP_MAX_AGE_SECONDS = 3600

    upload_temp_sweep_at_start("web")
    nothing = sweeps()
    spool = tmp_path / "cut-off.upload.csv"
    spool.write_text("氏名,住所\n")
    _aged(spool, 7200)
    upload_temp_sweep_at_start("web")

    assert nothing == []
    [record] = sweeps()
    assert record.detail == {"trigger": "web_start", "upload_files": 1}
    assert "アップロードの一時ファイル 1件" in record.object_repr


@pytest.mark.parametrize(
    "trigger, counts",
    [("hourly", {"work_folders": 1}), ("daily", {"stray": 1}), ("daily", {})],
)
def test_an_unknown_trigger_or_count_is_refused_and_nothing_recorded(trigger, counts):
    with pytest.raises(ValueError):
        sweep_record(trigger=trigger, counts=counts)

    assert sweeps() == []


def test_the_audit_report_lists_the_sweeps_of_its_period(clock):
    clock.set(2026, 5, 31, 12, 0)
    sweep_record(trigger="daily", counts={"work_folders": 0, "unreferenced_files": 0})
    clock.set(2026, 6, 2, 3, 0)
    sweep_record(trigger="daily", counts={"work_folders": 2, "unreferenced_files": 1})
    clock.set(2026, 6, 3, 9, 30)
    sweep_record(trigger="web_start", counts={"upload_files": 3})
    june = ReportPeriod(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))

    [section] = [section for section in report_build(period=june, row_limit=50) if section.key == "temporary_copies"]

    assert section.title == "一時的な複製の消去（第17条）"
    assert section.total == 2
    assert [row[1:] for row in section.rows] == [
        (
            "令和8年6月2日 03:00:00",
            "定期（毎日）",
            "3",
            "作業用の一時フォルダ 2件、どの記録からも参照されない暗号化ファイル 1件",
        ),
        ("令和8年6月3日 09:30:00", "Web サーバーの起動時", "3", "アップロードの一時ファイル 3件"),
    ]


def test_who_accessed_what_names_the_sweeper_and_what_it_swept(clock):
    clock.set(2026, 6, 2, 3, 0)
    sweep_record(trigger="daily", counts={"work_folders": 0, "unreferenced_files": 0})
    june = ReportPeriod(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))

    [section] = [section for section in report_build(period=june, row_limit=50) if section.key == "access_by_user"]

    assert section.rows == [("(sweep_temporary_copies)", "一時的な複製（portal.temporarycopies）", "削除", "1")]
