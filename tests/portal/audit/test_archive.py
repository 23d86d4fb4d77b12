"""Retention and archive of the access records (seed 004 第12条1項)."""

import gzip
import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from portal.audit.archive import ArchiveError, access_records_archive, archive_file_verify, archive_path
from portal.audit.chain import chain_head_export, exported_heads_read, heads_file_path
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessArchive, AccessRecord
from portal.audit.verification import ProblemKind, chain_verify

pytestmark = pytest.mark.django_db


@pytest.fixture
def aged_chain(make_records, clock, settings):
    """Four records from 2020, three from 2026; retention of one year; the head exported after each year."""
    settings.AUDIT_RETENTION_DAYS = 366
    clock.set(2020, 4, 1, 9, 0)
    make_records(4, detail={"rows": 10})
    chain_head_export()
    clock.set(2026, 6, 1, 9, 0)
    make_records(3)
    chain_head_export()
    return clock


def _archive(clock):
    clock.set(2026, 6, 10, 9, 0)
    return access_records_archive(now=clock())


def test_records_past_retention_move_to_a_verified_archive(aged_chain, capsys):
    archive = _archive(aged_chain)

    assert (archive.first_position, archive.last_position, archive.record_count) == (1, 4, 4)
    assert archive.file_name == "access-records-000000000001-000000000004.jsonl.gz"
    assert list(AccessRecord.objects.order_by("position").values_list("position", "action")) == [
        (5, "view"),
        (6, "view"),
        (7, "view"),
        (8, "archive"),
    ]
    path = archive_path(archive.file_name)
    assert hashlib.sha256(path.read_bytes()).hexdigest() == archive.file_sha256
    assert (path.parent / f"{archive.file_name}.sha256").read_text() == f"{archive.file_sha256}  {archive.file_name}\n"
    summary = archive_file_verify(path, expected_sha256=archive.file_sha256)
    assert (summary.first_position, summary.last_position, summary.last_hash) == (1, 4, archive.last_hash)


def test_the_archive_file_is_json_lines_with_the_segment_hashes(aged_chain):
    archive = _archive(aged_chain)

    with gzip.open(archive_path(archive.file_name), "rt", encoding="utf-8") as lines:
        entries = [json.loads(line) for line in lines]

    assert entries[0] == {
        "created_at": "2026-06-10T00:00:00.000000Z",
        "first_position": 1,
        "format": "portal-access-records-archive",
        "last_position": 4,
        "previous_hash": "0" * 64,
        "version": 1,
    }
    assert [entry["record"]["position"] for entry in entries[1:5]] == [1, 2, 3, 4]
    assert entries[1]["record"]["occurred_at"] == "2020-04-01T00:00:00.000000Z"
    assert entries[5] == {"end": True, "last_hash": archive.last_hash, "record_count": 4}


def test_the_chain_verifies_across_the_archive_and_keeps_growing(aged_chain, capsys, make_records):
    _archive(aged_chain)
    make_records(1)
    chain_head_export()

    call_command("verify_access_records", "--archives")

    assert (
        capsys.readouterr().out
        == "アクセス記録の連鎖は正常です: 位置 5〜9 の 5 件、書き出した先頭 3 件を照合しました。\n"
    )


def test_exported_heads_inside_the_archive_are_checked_with_archives(aged_chain):
    _archive(aged_chain)
    heads = exported_heads_read(heads_file_path())

    without_files = chain_verify(exported_heads=heads)
    with_files = chain_verify(exported_heads=heads, check_archive_files=True)

    assert (without_files.ok, without_files.heads_checked, without_files.heads_unverifiable) == (True, 2, 0)
    assert (with_files.ok, with_files.heads_checked, with_files.heads_unverifiable) == (True, 2, 0)


def test_running_the_archive_again_moves_nothing(aged_chain, capsys):
    _archive(aged_chain)

    call_command("archive_access_records")

    assert capsys.readouterr().out == "保存期間を過ぎたアクセス記録はありません。\n"
    assert AccessArchive.objects.count() == 1


def test_only_a_prefix_of_the_chain_is_archived(make_records, clock, settings):
    # A recent record before an old one (a clock set back): nothing after it is archived.
    settings.AUDIT_RETENTION_DAYS = 366
    clock.set(2020, 4, 1, 9, 0)
    make_records(2)
    clock.set(2026, 6, 1, 9, 0)
    make_records(1)
    clock.set(2020, 4, 2, 9, 0)
    make_records(1)

    archive = _archive(clock)

    assert (archive.first_position, archive.last_position) == (1, 2)


def test_a_broken_chain_is_never_archived(aged_chain, tamper):
    tamper("UPDATE audit_accessrecord SET object_repr = 'x' WHERE position = 2")

    with pytest.raises(ArchiveError, match="位置 2 の記録のハッシュ値が一致しません") as error:
        _archive(aged_chain)

    assert error.value.position == 2
    assert (AccessArchive.objects.count(), AccessRecord.objects.count()) == (0, 7)
    assert list(archive_path("x").parent.iterdir()) == []


def test_the_command_reports_a_broken_chain(aged_chain, tamper):
    tamper("DELETE FROM audit_accessrecord WHERE position = 3")

    with pytest.raises(CommandError, match="移管を中止しました: 位置 3 の記録がありません"):
        call_command("archive_access_records")


def test_an_edited_archive_file_fails_verification(aged_chain):
    archive = _archive(aged_chain)
    path = archive_path(archive.file_name)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        entries = [json.loads(line) for line in lines]
    entries[2]["record"]["actor_username"] = "someone-else"
    with gzip.open(path, "wt", encoding="utf-8") as lines:
        lines.writelines(json.dumps(entry, ensure_ascii=False) + "\n" for entry in entries)

    report = chain_verify(check_archive_files=True)

    assert (report.first_problem.position, report.first_problem.kind) == (1, ProblemKind.ARCHIVE)
    assert "SHA-256" in report.first_problem.message
    with pytest.raises(ArchiveError, match="位置 2 のハッシュ値が一致しません"):
        archive_file_verify(path)


def test_a_missing_archive_file_fails_verification(aged_chain):
    archive = _archive(aged_chain)
    archive_path(archive.file_name).unlink()

    with pytest.raises(
        CommandError, match=r"位置 1 付近: アーカイブ access-records-000000000001-000000000004\.jsonl\.gz を読めません"
    ):
        call_command("verify_access_records", "--archives")


def test_live_records_without_their_archive_are_reported_missing(aged_chain, tamper):
    tamper("DELETE FROM audit_accessrecord WHERE position <= 4")

    problem = chain_verify().first_problem

    assert (problem.position, problem.kind) == (1, ProblemKind.MISSING)


def test_the_archive_run_is_itself_recorded(aged_chain):
    archive = _archive(aged_chain)

    record = AccessRecord.objects.get(action=AccessAction.ARCHIVE)
    assert (record.result, record.actor_username, record.object_type, record.object_id) == (
        AccessResult.SUCCESS,
        "(archive_access_records)",
        "audit.accessarchive",
        str(archive.pk),
    )
    assert record.detail == {"first_position": 1, "last_position": 4}
