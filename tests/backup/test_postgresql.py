"""backup / restore on PostgreSQL: pg_dump → encrypted set → pg_restore into a fresh database."""

import json
from pathlib import Path

import pytest
from django.core.management.base import CommandError
from django.db import connection

from portal.audit.chain import exported_heads_read, heads_file_path
from portal.audit.models import AccessRecord
from portal.audit.verification import chain_verify
from portal.backup.database import default_database
from portal.env import database_config
from tests.backup.conftest import TABLES, files_digest, pg_rows, postgres_url, postgresql_only, run, tree

pytestmark = postgresql_only

CONTENT_QUERIES = {
    "accounts_user": "SELECT username, email, first_name, password FROM accounts_user ORDER BY username",
    "files_registry_registerentry": "SELECT register_number, name, purpose FROM files_registry_registerentry "
    "ORDER BY register_number",
    "audit_accessrecord": "SELECT position, action, actor_username, hash FROM audit_accessrecord ORDER BY position",
}


def _live(sql: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return [tuple(row) for row in cursor.fetchall()]


def _counts_sql() -> str:
    return " UNION ALL ".join(f"SELECT '{table}', count(*) FROM {table}" for table in TABLES)  # noqa: S608 - constants


def _empty_data_dir(data_dir: Path) -> None:
    for item in sorted(data_dir.rglob("*"), reverse=True):
        item.unlink() if item.is_file() else item.rmdir()


@pytest.fixture
def backup_path(portal_data, backup_dir):
    line = json.loads(run("backup"))
    return Path(line["path"])


def test_round_trip_into_a_fresh_database(portal_data, backup_dir, data_dir, fresh_database):
    counts = dict(_live(_counts_sql()))
    contents = {table: _live(sql) for table, sql in CONTENT_QUERIES.items()}
    expected_files = files_digest(data_dir)
    path = Path(json.loads(run("backup"))["path"])
    _empty_data_dir(data_dir)
    target = fresh_database()

    line = json.loads(run("restore", "--from", str(path), "--database-url", postgres_url(target)))

    assert line["database"] == target
    assert files_digest(data_dir) == expected_files
    restored_counts = dict(pg_rows(target, _counts_sql()))
    # The restore appends its own 「インポート」 record to the restored chain.
    assert restored_counts == counts | {"audit_accessrecord": counts["audit_accessrecord"] + 1}
    restored = {table: pg_rows(target, sql) for table, sql in CONTENT_QUERIES.items()}
    assert restored["accounts_user"] == contents["accounts_user"]
    assert restored["files_registry_registerentry"] == contents["files_registry_registerentry"]
    assert restored["audit_accessrecord"][:-1] == contents["audit_accessrecord"]
    with default_database(database_config(postgres_url(target))):
        report = chain_verify(exported_heads=exported_heads_read(heads_file_path()))
        last = AccessRecord.objects.order_by("-position").values_list("action", "object_type").first()
    assert report.ok, report.problems
    assert report.heads_checked == 1
    assert last == ("import", "backup")


def test_the_restored_records_keep_their_protection(backup_path, data_dir, fresh_database):
    _empty_data_dir(data_dir)
    target = fresh_database()
    run("restore", "--from", str(backup_path), "--database-url", postgres_url(target))
    triggers = pg_rows(
        target,
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'audit_accessrecord'::regclass AND NOT tgisinternal "
        "ORDER BY tgname",
    )

    assert triggers == [("audit_accessrecord_append_only",), ("audit_accessrecord_no_truncate",)]
    with pytest.raises(Exception, match="アクセス記録は変更・削除できません"):
        pg_rows(target, "DELETE FROM audit_accessrecord WHERE position = 1 RETURNING position")


def test_the_backup_holds_no_plaintext_of_the_dump(backup_path):
    stored = backup_path.read_bytes()

    assert b"PGDMP" not in stored
    assert "統計局統計調査課".encode() not in stored


def _database_is_empty(name: str) -> bool:
    return pg_rows(name, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]


@pytest.mark.parametrize("damage", ["tampered_byte", "truncated", "wrong_master_key"])
def test_a_bad_backup_is_refused_and_nothing_is_written(backup_path, data_dir, fresh_database, settings, damage):
    data = backup_path.read_bytes()
    if damage == "tampered_byte":
        backup_path.write_bytes(data[:5000] + bytes([data[5000] ^ 0x01]) + data[5001:])
    elif damage == "truncated":
        backup_path.write_bytes(data[: len(data) - 1000])
    else:
        settings.PORTAL_MASTER_KEYS = {"test": bytes(32)}
    _empty_data_dir(data_dir)
    target = fresh_database()

    with pytest.raises(CommandError, match="復元を中止しました"):
        run("restore", "--from", str(backup_path), "--database-url", postgres_url(target))

    assert _database_is_empty(target)
    assert tree(data_dir) == []
    refusal = AccessRecord.objects.order_by("-position").values_list("action", "result", "object_type").first()
    assert refusal == ("import", "refused", "backup")


def test_a_non_empty_database_is_refused_without_force(backup_path, data_dir, fresh_database):
    _empty_data_dir(data_dir)
    target = fresh_database()
    pg_rows(target, "CREATE TABLE keep (id integer)")

    with pytest.raises(CommandError, match=f"復元先のデータベース「{target}」は空ではありません"):
        run("restore", "--from", str(backup_path), "--database-url", postgres_url(target))

    assert pg_rows(target, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'") == [("keep",)]
    assert tree(data_dir) == []


def test_force_restores_over_an_earlier_restore(backup_path, data_dir, fresh_database):
    _empty_data_dir(data_dir)
    target = fresh_database()
    run("restore", "--from", str(backup_path), "--database-url", postgres_url(target))
    users = pg_rows(target, "SELECT count(*) FROM accounts_user")

    run("restore", "--from", str(backup_path), "--database-url", postgres_url(target), "--force")

    assert pg_rows(target, "SELECT count(*) FROM accounts_user") == users
    with default_database(database_config(postgres_url(target))):
        assert chain_verify(exported_heads=exported_heads_read(heads_file_path())).ok


def test_an_unreachable_database_is_a_message(backup_path, data_dir):
    _empty_data_dir(data_dir)

    with pytest.raises(CommandError, match="に接続できません"):
        run("restore", "--from", str(backup_path), "--database-url", postgres_url("backup_no_such_database"))

    assert tree(data_dir) == []


def test_a_sqlite_target_is_refused_for_a_postgresql_backup(backup_path, tmp_path):
    with pytest.raises(CommandError, match="postgresql のものです"):
        run("restore", "--from", str(backup_path), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")

    assert not (tmp_path / "x.sqlite3").exists()


def test_a_failing_pg_dump_leaves_no_file(portal_data, backup_dir, settings):
    connection.settings_dict["NAME"], name = "backup_no_such_database", connection.settings_dict["NAME"]
    try:
        with pytest.raises(CommandError, match="pg_dump が失敗しました"):
            run("backup")
    finally:
        connection.settings_dict["NAME"] = name

    assert list(backup_dir.iterdir()) == []
