"""Tamper evidence (seed 004 第12条2項): each kind of tampering is found and named by its position."""

import json
import os
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from portal.audit.chain import chain_head_export, exported_heads_read, heads_file_path
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessChainHead, AccessRecord
from portal.audit.services import access_record
from portal.audit.verification import ProblemKind, chain_verify
from tests.portal.audit.conftest import postgresql_only

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain(make_records, organization):
    """Ten records, the head exported after the fifth and after the tenth."""
    make_records(5, obj=organization)
    chain_head_export()
    make_records(5, obj=organization, detail={"rows": 3})
    chain_head_export()


def _verify(capsys) -> str:
    call_command("verify_access_records")
    return capsys.readouterr().out


def _verify_fails(capsys) -> str:
    with pytest.raises(CommandError) as error:
        call_command("verify_access_records")
    return str(error.value)


def test_a_clean_chain_passes(chain, capsys):
    output = _verify(capsys)

    assert output == "アクセス記録の連鎖は正常です: 位置 1〜10 の 10 件、書き出した先頭 2 件を照合しました。\n"


def test_an_empty_chain_passes(capsys):
    chain_head_export()

    assert _verify(capsys) == "アクセス記録の連鎖は正常です: 位置 -〜0 の 0 件、書き出した先頭 1 件を照合しました。\n"


def test_an_edited_record_is_named(chain, tamper, capsys):
    tamper("UPDATE audit_accessrecord SET object_repr = %s WHERE position = 4", ["別の組織"])

    message = _verify_fails(capsys)

    assert message.startswith("アクセス記録の検証に失敗しました: 位置 4 の記録のハッシュ値が一致しません")
    assert chain_verify().first_problem.kind == ProblemKind.HASH_MISMATCH


def test_an_edited_detail_is_named(chain, tamper):
    tamper("UPDATE audit_accessrecord SET detail = %s WHERE position = 7", ['{"rows": 300000}'])

    assert (chain_verify().first_problem.position, chain_verify().first_problem.kind) == (7, ProblemKind.HASH_MISMATCH)


def test_reordered_records_are_named(chain, tamper, capsys):
    # Swap the places of records 3 and 6 (their contents and hashes move with them).
    tamper("UPDATE audit_accessrecord SET position = 1003 WHERE position = 3")
    tamper("UPDATE audit_accessrecord SET position = 3 WHERE position = 6")
    tamper("UPDATE audit_accessrecord SET position = 6 WHERE position = 1003")

    message = _verify_fails(capsys)

    assert message.startswith("アクセス記録の検証に失敗しました: 位置 3 の記録のハッシュ値が一致しません")


def test_a_record_deleted_from_the_middle_is_named(chain, tamper, capsys):
    tamper("DELETE FROM audit_accessrecord WHERE position = 5")

    message = _verify_fails(capsys)

    assert message == "アクセス記録の検証に失敗しました: 位置 5 の記録がありません（削除されています）。"
    assert [problem.kind for problem in chain_verify().problems] == [ProblemKind.MISSING]


def test_the_first_record_deleted_is_named(chain, tamper):
    tamper("DELETE FROM audit_accessrecord WHERE position = 1")

    assert (chain_verify().first_problem.position, chain_verify().first_problem.kind) == (1, ProblemKind.MISSING)


def test_records_deleted_from_the_tail_are_found_through_the_exported_heads(chain, tamper, capsys):
    # The attacker also winds the head row back, so only the export outside the database tells.
    tamper("DELETE FROM audit_accessrecord WHERE position > 8")
    last = AccessRecord.objects.get(position=8)
    AccessChainHead.objects.filter(pk=1).update(position=8, hash=last.hash)

    message = _verify_fails(capsys)

    assert message.startswith("アクセス記録の検証に失敗しました: 位置 9 から 10 までの記録がありません")
    assert chain_verify(exported_heads=exported_heads_read(heads_file_path())).first_problem.kind == (
        ProblemKind.TAIL_MISSING
    )


def test_records_deleted_from_the_tail_are_found_through_the_head_row_too(chain, tamper):
    tamper("DELETE FROM audit_accessrecord WHERE position > 8")

    problem = chain_verify().first_problem

    assert (problem.position, problem.kind) == (9, ProblemKind.TAIL_MISSING)


def test_a_rewritten_chain_is_found_through_the_exported_heads(chain, tamper):
    # Record 7 edited and every later hash recomputed: consistent in itself, not with the export.
    from portal.audit.chain import canonical_record, chain_hash

    tamper("UPDATE audit_accessrecord SET result = 'failed' WHERE position = 7")
    previous = AccessRecord.objects.get(position=6).hash
    for record in AccessRecord.objects.filter(position__gte=7).order_by("position"):
        previous = chain_hash(previous, canonical_record(record))
        tamper("UPDATE audit_accessrecord SET hash = %s WHERE position = %s", [previous, record.position])
    AccessChainHead.objects.filter(pk=1).update(hash=previous)

    report = chain_verify(exported_heads=exported_heads_read(heads_file_path()))

    assert [(problem.position, problem.kind) for problem in report.problems] == [(6, ProblemKind.EXPORT_MISMATCH)]


def test_verify_without_the_heads_file_refuses_unless_told(make_records, capsys):
    make_records(2)

    message = _verify_fails(capsys)
    call_command("verify_access_records", "--no-heads")

    assert message.startswith("書き出した先頭のファイル ")
    assert capsys.readouterr().out.startswith("アクセス記録の連鎖は正常です: 位置 1〜2 の 2 件")


def test_verify_refuses_an_unreadable_heads_file(chain):
    with heads_file_path().open("a") as heads:
        heads.write("not json\n")

    with pytest.raises(CommandError, match="の 3 行目を読めません"):
        call_command("verify_access_records")


def test_export_appends_one_line_per_run(make_records, clock):
    make_records(1)
    call_command("export_access_chain_head")
    make_records(1)
    call_command("export_access_chain_head")

    lines = [json.loads(line) for line in heads_file_path().read_text().splitlines()]

    head = AccessChainHead.objects.get()
    assert [line["position"] for line in lines] == [1, 2]
    assert lines[1] == {"exported_at": lines[1]["exported_at"], "hash": head.hash, "position": 2}


def test_export_never_rewrites_what_is_there(make_records):
    heads_file_path().parent.mkdir(parents=True)
    heads_file_path().write_text(
        '{"exported_at": "2026-01-01T00:00:00.000000Z", "hash": "' + "0" * 64 + '", "position": 0}\n'
    )
    make_records(1)

    chain_head_export()

    assert [head.position for head in exported_heads_read(heads_file_path())] == [0, 1]


def test_export_goes_to_syslog_when_configured(make_records, settings, tmp_path):
    import socket

    address = str(tmp_path / "syslog.sock")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(address)
    settings.AUDIT_HEAD_SYSLOG_ADDRESS = address
    make_records(1)
    try:
        chain_head_export()
        message = server.recv(4096).decode()
    finally:
        server.close()
        os.unlink(address)

    head = AccessChainHead.objects.get()
    assert message.startswith("<")  # syslog priority
    assert 'portal-access-chain-head: {"exported_at": ' in message
    assert message.endswith(f'"hash": "{head.hash}", "position": 1}}\x00')


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_keep_the_chain_gap_free():
    # Each thread has its own connection: to the database these are separate processes.
    errors = []

    def write(count: int) -> None:
        try:
            for _ in range(count):
                access_record(actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(25,)) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    report = chain_verify()
    assert errors == []
    assert (report.ok, report.records_checked, report.last_position) == (True, 200, 200)
    assert list(AccessRecord.objects.order_by("position").values_list("position", flat=True)) == list(range(1, 201))


def test_the_daily_verification_alerts_the_managers_once(
    chain, tamper, chief_manager, django_capture_on_commit_callbacks
):
    from django.core import mail

    from portal.audit import tasks
    from portal.audit.models import AccessAlert

    tamper("DELETE FROM audit_accessrecord WHERE position = 5")

    with django_capture_on_commit_callbacks(execute=True):
        first = tasks.verify_access_records.apply().get()
    with django_capture_on_commit_callbacks(execute=True):
        tasks.verify_access_records.apply().get()

    assert tasks.verify_access_records.name == "audit.verify_access_records"
    assert first == {"ok": False, "records_checked": 9, "last_position": 10, "heads": "ok"}
    alert = AccessAlert.objects.get()
    assert (alert.dedup_key, alert.first_position) == ("chain_broken:missing:5", 5)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject.endswith("アクセス記録の警告: アクセス記録の改ざん・消去の疑い")
    assert "検証結果: 位置 5 の記録がありません（削除されています）。" in mail.outbox[0].body


def test_the_daily_verification_of_a_clean_chain_raises_nothing(chain):
    from portal.audit import tasks
    from portal.audit.models import AccessAlert

    assert tasks.verify_access_records.apply().get() == {
        "ok": True,
        "records_checked": 10,
        "last_position": 10,
        "heads": "ok",
    }
    assert AccessAlert.objects.count() == 0
