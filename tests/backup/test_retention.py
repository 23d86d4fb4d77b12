"""Backup retention (seed 004 第10条・第19条): expired sets are deleted and recorded, the 消去証明's date holds,
and retiring a master key makes every set it wrapped unreadable (crypto-erase of backups)."""

import datetime
import os
import zoneinfo
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from portal.audit.models import AccessRecord
from portal.backup.container import BackupError, BackupWriter, backup_open, part_plaintext
from portal.backup.retention import PRUNE_ACTOR, backup_copies_deleted_by, backup_sets_list, backups_prune
from portal.key_rotation import master_keys_rewrap
from tests.backup.conftest import run

pytestmark = pytest.mark.django_db

JST = zoneinfo.ZoneInfo("Asia/Tokyo")
NOW = datetime.datetime(2026, 11, 23, 5, 0, tzinfo=datetime.UTC)


@pytest.fixture
def folder(backup_dir, data_dir, settings):
    settings.PORTAL_BACKUP_RETENTION_DAYS = 30
    backup_dir.mkdir()
    return backup_dir


def _backup_id(created_at: datetime.datetime) -> str:
    return f"{created_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}-{os.urandom(4).hex()}"


def _set(folder: Path, created_at: datetime.datetime, *, partial: bool = False) -> Path:
    """A real (small) backup set, named as backup_create names it."""
    backup_id = _backup_id(created_at)
    name = f".portal-backup-{backup_id}.pbk.partial" if partial else f"portal-backup-{backup_id}.pbk"
    with open(folder / name, "wb") as file:
        writer = BackupWriter(file, backup_id=backup_id)
        writer.add_part("database", [b"dump of the day"])
        if not partial:
            writer.finish({"created_at": created_at.isoformat()})
    return folder / name


def _deletions(result="success"):
    return AccessRecord.objects.filter(action="delete", result=result, actor_username=PRUNE_ACTOR).order_by("position")


def test_prune_deletes_the_sets_older_than_the_retention_and_records_each(folder):
    day = datetime.timedelta(days=30)
    expired = [
        _set(folder, NOW - day - datetime.timedelta(days=5)),
        _set(folder, NOW - day - datetime.timedelta(seconds=1)),
        _set(folder, NOW - day - datetime.timedelta(days=2), partial=True),  # a crashed run holds data too
    ]
    kept = [_set(folder, NOW - day + datetime.timedelta(seconds=1)), _set(folder, NOW - datetime.timedelta(hours=1))]
    (folder / "notes.txt").write_text("not a backup")
    (folder / "portal-backup-20200101T000000Z-0000000x.pbk").write_bytes(b"not our name either")

    result = backups_prune(now=NOW)

    assert sorted(item.path for item in result.deleted) == sorted(expired)
    assert [item.path for item in result.kept] == kept
    assert result.errors == []
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [*(path.name for path in kept), "notes.txt", "portal-backup-20200101T000000Z-0000000x.pbk"]
    )
    records = list(_deletions())
    assert sorted(record.object_repr for record in records) == sorted(path.name for path in expired)
    assert {(record.object_type, record.detail["retention_days"], record.detail["key_id"]) for record in records} == {
        ("backup", 30, "test")
    }


def test_a_second_prune_deletes_nothing_more(folder):
    _set(folder, NOW - datetime.timedelta(days=31))
    backups_prune(now=NOW)

    result = backups_prune(now=NOW)

    assert (result.deleted, result.errors) == ([], [])
    assert _deletions().count() == 1


def test_the_command_reports_in_japanese_and_a_dry_run_deletes_nothing(folder):
    old, recent = _set(folder, timezone.now() - datetime.timedelta(days=40)), _set(folder, timezone.now())

    dry = run("prune_backups", "--dry-run")

    assert old.exists() and not _deletions().exists()
    assert f"  {old.name}（作成 " in dry
    assert "保存期間（30日）を過ぎたバックアップ 1件を削除します（--dry-run: 削除していません）。残り 1件。" in dry

    output = run("prune_backups")

    assert not old.exists() and recent.exists()
    assert "保存期間（30日）を過ぎたバックアップ 1件を削除しました。残り 1件。" in output
    assert _deletions().get().object_id == old.name.removeprefix("portal-backup-").removesuffix(".pbk")


def test_a_missing_folder_is_refused_in_japanese(backup_dir, data_dir):
    with pytest.raises(CommandError, match=r"バックアップの削除を中止しました: バックアップの保存先 .* がありません"):
        run("prune_backups")


def test_a_folder_inside_the_data_dir_is_refused(data_dir):
    with pytest.raises(CommandError, match="データディレクトリ"):
        run("prune_backups", "--dir", str(data_dir / "backups"))


def test_a_set_that_cannot_be_deleted_is_recorded_and_the_others_are_deleted(folder, monkeypatch):
    stuck, other = _set(folder, NOW - datetime.timedelta(days=40)), _set(folder, NOW - datetime.timedelta(days=35))
    unlink = Path.unlink

    def refuse_one(path, *args, **kwargs):
        if path == stuck:
            raise PermissionError(13, "Permission denied")  # e.g. a read-only mount
        return unlink(path, *args, **kwargs)

    monkeypatch.setattr(Path, "unlink", refuse_one)
    result = backups_prune(now=NOW)

    assert [item.path for item in result.deleted] == [other]
    assert result.errors == [f"{stuck.name} を削除できません（Permission denied）。"]
    assert stuck.exists() and not other.exists()
    assert _deletions("failed").get().object_repr == stuck.name


# --- the 消去証明's date -----------------------------------------------------------------------------------


def test_the_certificate_date_is_the_day_after_the_last_holding_set_expires(settings):
    settings.PORTAL_BACKUP_RETENTION_DAYS = 90
    disposed_at = datetime.datetime(2026, 11, 23, 23, 30, tzinfo=JST)

    assert backup_copies_deleted_by(disposed_at) == datetime.date(2027, 2, 22)


@pytest.mark.parametrize("disposed_local", ["00:00:30", "12:00:00", "23:59:59"])
def test_a_set_taken_just_before_a_disposal_is_gone_by_the_certificates_date(folder, disposed_local):
    disposed_at = datetime.datetime.combine(
        datetime.date(2026, 11, 23), datetime.time.fromisoformat(disposed_local), tzinfo=JST
    )
    holding = _set(folder, disposed_at - datetime.timedelta(seconds=1))
    deleted_by = backup_copies_deleted_by(disposed_at)

    backups_prune(now=disposed_at + datetime.timedelta(days=30, seconds=-2))
    assert holding.exists()  # kept for its whole retention

    # The daily prune of the day printed on the certificate, at whatever hour it runs, has deleted it.
    backups_prune(now=datetime.datetime.combine(deleted_by, datetime.time(0, 0), tzinfo=JST))
    assert not holding.exists()


# --- retiring a master key crypto-erases the sets it wrapped ----------------------------------------------


def test_retiring_the_master_key_makes_the_sets_it_wrapped_unreadable(folder, settings):
    before = _set(folder, NOW - datetime.timedelta(days=2))
    old = settings.PORTAL_MASTER_KEYS["test"]
    settings.PORTAL_MASTER_KEYS = {"new": os.urandom(32), "test": old}
    master_keys_rewrap()  # rotation re-wraps the data's keys, never a backup set's
    after = _set(folder, NOW - datetime.timedelta(days=1))
    assert [item.key_id for item in backup_sets_list(folder)] == ["test", "new"]

    settings.PORTAL_MASTER_KEYS = {"new": settings.PORTAL_MASTER_KEYS["new"]}  # "test" retired and destroyed

    with pytest.raises(BackupError, match="マスター鍵「test」が PORTAL_MASTER_KEYS に設定されていません"):
        backup_open(before)
    with pytest.raises(CommandError, match="検証に失敗しました"):
        run("restore", "--from", str(before), "--check")
    assert b"".join(part_plaintext(backup_open(after), "database")) == b"dump of the day"
