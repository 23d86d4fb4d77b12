"""backup / restore on the embedded SQLite database (the demo): round trip and refusals."""

import json
import sqlite3
from pathlib import Path

import pytest
from django.core.management.base import CommandError

from portal.audit.chain import exported_heads_read, heads_file_path
from portal.audit.models import AccessRecord
from portal.audit.verification import chain_verify
from portal.backup.database import default_database
from portal.env import database_config
from tests.backup.conftest import TABLES, files_digest, run, sqlite_only, tree

pytestmark = sqlite_only


def _counts(path: Path) -> dict[str, int]:
    with sqlite3.connect(path) as database:
        return {
            table: database.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608 - constants
            for table in TABLES
        }


def _live_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        counts = {}
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - constants
            counts[table] = cursor.fetchone()[0]
    return counts


@pytest.fixture
def backup_path(portal_data, backup_dir):
    before = _live_counts()
    line = json.loads(run("backup"))
    return Path(line["path"]), before


def test_backup_prints_one_json_line_and_records_the_export(portal_data, backup_dir):
    output = run("backup")

    line = json.loads(output)
    assert output.count("\n") == 1
    assert set(line) == {"path", "bytes", "seconds"}
    assert Path(line["path"]).parent == backup_dir
    assert Path(line["path"]).stat().st_size == line["bytes"]
    assert [path.name for path in backup_dir.iterdir()] == [Path(line["path"]).name]
    record = AccessRecord.objects.order_by("-position").first()
    assert (record.action, record.result, record.object_type) == ("export", "success", "backup")
    assert record.object_repr == Path(line["path"]).name


def test_round_trip_into_a_new_sqlite_file(backup_path, data_dir, tmp_path):
    path, before = backup_path
    expected_files = files_digest(data_dir)
    restored_db = tmp_path / "restored" / "portal.sqlite3"
    for item in sorted(data_dir.rglob("*"), reverse=True):
        item.unlink() if item.is_file() else item.rmdir()

    line = json.loads(run("restore", "--from", str(path), "--database-url", f"sqlite:///{restored_db}"))

    assert line["files"] == len(expected_files)
    assert line["pending_migrations"] == 0
    assert files_digest(data_dir) == expected_files
    assert "broker/out/message.msg" not in tree(data_dir)
    counts = _counts(restored_db)
    assert {table: counts[table] for table in TABLES if table != "audit_accessrecord"} == {
        table: before[table] for table in TABLES if table != "audit_accessrecord"
    }
    # The restore appends its own 「インポート」 record to the restored chain.
    assert counts["audit_accessrecord"] == before["audit_accessrecord"] + 1
    with default_database(database_config(f"sqlite:///{restored_db}")):
        report = chain_verify(exported_heads=exported_heads_read(heads_file_path()))
        last = AccessRecord.objects.order_by("-position").first()
    assert report.ok, report.problems
    assert report.heads_checked == 1
    assert (last.action, last.result, last.object_type) == ("import", "success", "backup")


def test_restore_refuses_a_tampered_backup_and_writes_nothing(backup_path, data_dir, tmp_path):
    path, _ = backup_path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x40
    path.write_bytes(bytes(data))
    target = tmp_path / "restored.sqlite3"
    for item in (data_dir / "protected").rglob("*.enc"):
        item.unlink()
    files_before = tree(data_dir)

    with pytest.raises(CommandError, match=r"復元を中止しました: .*改ざん"):
        run("restore", "--from", str(path), "--database-url", f"sqlite:///{target}")

    assert not target.exists()
    assert tree(data_dir) == files_before
    record = AccessRecord.objects.order_by("-position").first()
    assert (record.action, record.result, record.object_repr) == ("import", "refused", path.name)
    assert "改ざん" in record.detail["reason"]


def test_restore_refuses_a_non_empty_database_without_force(backup_path, tmp_path):
    path, _ = backup_path
    target = tmp_path / "restored.sqlite3"
    with sqlite3.connect(target) as database:
        database.execute("CREATE TABLE keep (id integer)")

    with pytest.raises(CommandError, match="空ではありません"):
        run("restore", "--from", str(path), "--database-url", f"sqlite:///{target}")

    with sqlite3.connect(target) as database:
        assert database.execute("SELECT name FROM sqlite_master").fetchall() == [("keep",)]


def test_restore_refuses_files_already_in_the_data_dir_without_force(backup_path, data_dir, tmp_path):
    path, _ = backup_path
    target = tmp_path / "restored.sqlite3"

    with pytest.raises(CommandError, match="同じ名前のファイルが既にあります"):
        run("restore", "--from", str(path), "--database-url", f"sqlite:///{target}")

    assert not target.exists()


def test_restore_with_force_replaces_a_database_and_the_files(backup_path, data_dir, tmp_path):
    path, before = backup_path
    target = tmp_path / "restored.sqlite3"
    with sqlite3.connect(target) as database:
        database.execute("CREATE TABLE keep (id integer)")
    (data_dir / "protected" / "documents" / "提案書 1.pdf").write_bytes(b"changed since the backup")
    source = data_dir / "protected" / "sources" / "ab" / "source-1.enc"
    names_before = set(files_digest(data_dir))

    run("restore", "--from", str(path), "--database-url", f"sqlite:///{target}", "--force")

    assert _counts(target)["accounts_user"] == before["accounts_user"]
    assert (data_dir / "protected" / "documents" / "提案書 1.pdf").read_bytes() == b"%PDF-1.7 test\n" * 100
    assert source.exists()
    assert set(files_digest(data_dir)) == names_before
    assert not [name for name in tree(data_dir) if name.startswith(".restore-")]


def test_backup_refuses_a_folder_inside_the_data_dir(portal_data, data_dir):
    with pytest.raises(CommandError, match=r"データディレクトリ .* の中にあります"):
        run("backup", "--to", str(data_dir / "backups"))

    assert not (data_dir / "backups").exists()


def test_a_failed_backup_leaves_no_file(portal_data, backup_dir, monkeypatch):
    from portal.backup import files
    from portal.backup.container import BackupError

    def broken(data_dir, names):
        yield b"x" * 5000
        raise BackupError("試験用の読み取り失敗")

    monkeypatch.setattr(files, "tar_stream", broken)

    with pytest.raises(CommandError, match="試験用の読み取り失敗"):
        run("backup")

    assert list(backup_dir.iterdir()) == []
    record = AccessRecord.objects.order_by("-position").first()
    assert (record.action, record.result) == ("export", "failed")


def test_a_backup_of_a_newer_version_is_refused(portal_data, backup_dir, data_dir, tmp_path, monkeypatch):
    from portal.backup import database

    applied = database.applied_migrations()
    monkeypatch.setattr(database, "applied_migrations", lambda: [*applied, "audit.9999_from_the_future"])
    path = Path(json.loads(run("backup"))["path"])
    target = tmp_path / "restored.sqlite3"

    with pytest.raises(CommandError, match=r"ないマイグレーションが含まれています（audit\.9999_from_the_future）"):
        run("restore", "--from", str(path), "--database-url", f"sqlite:///{target}")

    assert not target.exists()


@pytest.mark.parametrize("url", ["mysql://user@localhost/portal", "not a url"])
def test_an_unusable_database_url_is_a_message(backup_path, tmp_path, url):
    path, _ = backup_path

    with pytest.raises(CommandError, match="--database-url が使えません"):
        run("restore", "--from", str(path), "--database-url", url)


def test_a_missing_backup_file_is_a_message(db, tmp_path):
    with pytest.raises(CommandError, match="を読めません"):
        run("restore", "--from", str(tmp_path / "missing.pbk"))


def test_check_verifies_without_restoring(backup_path, data_dir):
    path, _ = backup_path
    files_before = tree(data_dir)

    line = json.loads(run("restore", "--from", str(path), "--check"))

    assert line["verified"] is True
    assert line["engine"] == "sqlite"
    assert line["path"] == str(path)
    assert tree(data_dir) == files_before


def test_check_refuses_a_cut_backup(backup_path):
    path, _ = backup_path
    path.write_bytes(path.read_bytes()[:-100])

    with pytest.raises(CommandError, match=r"検証に失敗しました: .*途中で切れています"):
        run("restore", "--from", str(path), "--check")


def test_restore_into_the_in_memory_test_database_is_refused(backup_path, data_dir):
    path, _ = backup_path
    for item in sorted(data_dir.rglob("*"), reverse=True):
        item.unlink() if item.is_file() else item.rmdir()

    with pytest.raises(CommandError, match="メモリ上の SQLite データベースには復元できません"):
        run("restore", "--from", str(path), "--force")

    assert tree(data_dir) == []
