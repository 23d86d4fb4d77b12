"""rotate_master_key (seed 004 第18条): every encrypted kind is re-wrapped, batch by batch, and stays
readable once the old master key is retired; refusals and failures change nothing and are recorded."""

import datetime
import hashlib
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from anonymizer import services
from anonymizer.models import AnonymizedDataset, DatasetFile, ProcessingSecret
from files_registry.models import SourceFile
from files_registry.sources import source_file_destroy, source_file_read, source_file_store
from portal import crypto, key_rotation
from portal.accounts.models import Organization
from portal.audit.models import AccessRecord
from portal.backup.container import BackupWriter
from portal.jdates import wareki
from portal.uploads import protected_storage
from tests.backup.conftest import run
from tests.contracts.helpers import concluded_contract
from tests.factories.anonymizer import dry_run_done, prepare_entry, request_for
from tests.factories.registry import RegisterEntryFactory

NEW = os.urandom(32)
OLDER = os.urandom(32)
KINDS = {"files_registry.sourcefile", "anonymizer.datasetfile", "anonymizer.processingsecret"}


def _rotated_to_new(settings) -> None:
    settings.PORTAL_MASTER_KEYS = {"new": NEW, **settings.PORTAL_MASTER_KEYS}


def _retire_all_but_new(settings) -> None:
    settings.PORTAL_MASTER_KEYS = {"new": NEW}


def _stored_files() -> dict[str, bytes]:
    base = Path(protected_storage.path(""))
    return {path.relative_to(base).as_posix(): path.read_bytes() for path in base.rglob("*.enc")}


def _rotation_records(result="success"):
    return AccessRecord.objects.filter(action="change", result=result, actor_username=key_rotation.ACTOR).order_by(
        "position"
    )


# --- the registry -----------------------------------------------------------------------------------------


def test_every_model_holding_a_wrapped_data_key_is_registered():
    holders = {
        model._meta.label_lower
        for model in apps.get_models()
        if any(field.name == "wrapped_key" for field in model._meta.get_fields())
    }

    assert holders == KINDS
    assert {model._meta.label_lower for model in key_rotation.encrypted_models()} == KINDS


def test_a_model_without_a_wrapped_key_cannot_be_registered():
    with pytest.raises(ImproperlyConfigured):
        key_rotation.encrypted_model_register(Organization)

    assert Organization not in key_rotation.encrypted_models()


# --- every kind -------------------------------------------------------------------------------------------


@pytest.fixture
def delivered(db, chief_manager, protection_manager):
    """A concluded contract's dataset: a source file, the delivered files and the processing secret."""
    contract = concluded_contract(chief_manager)
    entry = prepare_entry(contract.proposal.entry, protection_manager)
    contract.proposal.processing_request = request_for(entry, 住所={"action": "generalize", "level": "prefecture"})
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    services.dataset_job_execute(contract_id=contract.pk)
    return AnonymizedDataset.objects.get(contract=contract)


def test_after_rotation_every_kind_reads_back_with_only_the_new_key(delivered, protection_manager, settings):
    stored_before = _stored_files()
    _rotated_to_new(settings)

    output = run("rotate_master_key")
    _retire_all_but_new(settings)

    source = SourceFile.objects.get(entry=delivered.entry)
    files = list(DatasetFile.objects.filter(dataset=delivered))
    secret = ProcessingSecret.objects.get(dataset=delivered)
    assert hashlib.sha256(b"".join(source_file_read(source=source, actor=protection_manager))).hexdigest() == (
        source.sha256
    )
    for file in files:
        assert hashlib.sha256(b"".join(services.dataset_file_read(file=file))).hexdigest() == file.sha256
    assert "secrets" in services.processing_secret_read(secret=secret, actor=protection_manager, reason="鍵の確認")
    assert {source.key_id, secret.key_id, *(file.key_id for file in files)} == {"new"}
    assert "個人情報ファイルの原データ: 包み直し 1件、既に現在の鍵 0件" in output
    assert f"提供ファイル: 包み直し {len(files)}件、既に現在の鍵 0件" in output
    assert "加工方法等情報: 包み直し 1件、既に現在の鍵 0件" in output
    assert "現在のマスター鍵以外で包まれたデータ鍵は残っていません。" in output
    # Only the wrapped data keys changed: not one stored byte of a file was rewritten.
    assert _stored_files() == stored_before
    assert {record.object_type for record in _rotation_records()} == KINDS


def test_retiring_the_old_key_without_rotating_loses_the_dataset(delivered, settings):
    """The failure the rotation prevents (the probe of the review): the data key names a retired key."""
    file = DatasetFile.objects.filter(dataset=delivered).first()
    _retire_all_but_new(settings)

    with pytest.raises(crypto.DecryptionError, match="not configured"):
        b"".join(services.dataset_file_read(file=file))


# --- batches, mixed states, resumption --------------------------------------------------------------------


@pytest.fixture
def entry(organization):
    return RegisterEntryFactory(organization=organization)


def _store(entry, actor, content: bytes = b"id,name\n1,a\n") -> SourceFile:
    return source_file_store(entry=entry, upload=ContentFile(content, name="source.csv"), actor=actor)


def _key_ids() -> list[str]:
    return list(SourceFile.objects.order_by("pk").values_list("key_id", flat=True))


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_run_keeps_its_committed_batches_and_the_next_run_finishes(
    entry, protection_manager, settings, monkeypatch
):
    sources = [_store(entry, protection_manager, f"id\n{number}\n".encode()) for number in range(5)]
    _rotated_to_new(settings)
    calls = []

    def rewrap_then_crash(wrapped, *, context):
        calls.append(context)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or a killed process, in the second batch
        return original(wrapped, context=context)

    original = crypto.rewrap
    monkeypatch.setattr(crypto, "rewrap", rewrap_then_crash)
    with pytest.raises(KeyboardInterrupt):
        key_rotation.master_keys_rewrap(batch_size=2)
    monkeypatch.setattr(crypto, "rewrap", original)

    assert _key_ids() == ["new", "new", "test", "test", "test"]  # the first batch was committed
    assert [record.detail["count"] for record in _rotation_records()] == [2]

    results = key_rotation.master_keys_rewrap(batch_size=2)

    source_result = results[0]
    assert (source_result.rewrapped, source_result.already_current, source_result.failed) == (3, 2, [])
    assert _key_ids() == ["new"] * 5
    assert [record.detail["count"] for record in _rotation_records()] == [2, 2, 1]
    _retire_all_but_new(settings)
    for number, source in enumerate(sources):
        source.refresh_from_db()
        assert b"".join(source_file_read(source=source, actor=protection_manager)) == f"id\n{number}\n".encode()


@pytest.mark.django_db
def test_a_run_over_mixed_states_rewraps_only_live_keys_under_old_master_keys(entry, protection_manager, settings):
    test_key = settings.PORTAL_MASTER_KEYS["test"]
    settings.PORTAL_MASTER_KEYS = {"older": OLDER, "test": test_key}
    under_older = _store(entry, protection_manager)
    settings.PORTAL_MASTER_KEYS = {"test": test_key, "older": OLDER}
    under_test = _store(entry, protection_manager)
    destroyed = source_file_destroy(source=_store(entry, protection_manager), actor=protection_manager)
    settings.PORTAL_MASTER_KEYS = {"new": NEW, "test": test_key, "older": OLDER}
    under_new = _store(entry, protection_manager)

    first = key_rotation.master_keys_rewrap(batch_size=1)[0]
    second = key_rotation.master_keys_rewrap(batch_size=1)[0]

    assert (first.rewrapped, first.already_current, first.failed) == (2, 1, [])
    assert (second.rewrapped, second.already_current) == (0, 3)
    assert dict(SourceFile.objects.values_list("pk", "key_id")) == {
        under_older.pk: "new",
        under_test.pk: "new",
        destroyed.pk: "test",  # a crypto-erased row keeps no key to re-wrap
        under_new.pk: "new",
    }
    assert SourceFile.objects.get(pk=destroyed.pk).wrapped_key is None
    assert sorted(record.detail["from_key_ids"] for record in _rotation_records()) == ["older", "test"]
    _retire_all_but_new(settings)
    for source in (under_older, under_test, under_new):
        source.refresh_from_db()
        assert b"".join(source_file_read(source=source, actor=protection_manager)) == b"id,name\n1,a\n"


# --- refusals and failures --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_key_id_in_use_that_is_not_configured_is_refused_and_nothing_changes(entry, protection_manager, settings):
    test_key = settings.PORTAL_MASTER_KEYS["test"]
    settings.PORTAL_MASTER_KEYS = {"ghost": os.urandom(32), "test": test_key}
    _store(entry, protection_manager)
    settings.PORTAL_MASTER_KEYS = {"test": test_key}
    _store(entry, protection_manager)
    settings.PORTAL_MASTER_KEYS = {"new": NEW, "test": test_key}  # "ghost" was retired too early

    with pytest.raises(CommandError) as raised:
        run("rotate_master_key")

    assert str(raised.value) == (
        "マスター鍵の切替えを中止しました: 使用中のマスター鍵 「ghost」（個人情報ファイルの原データ 1件） が "
        "PORTAL_MASTER_KEYS に設定されていません。何も包み直さずに中止しました。"
        "その鍵を設定に戻してから、もう一度実行してください。"
    )
    assert _key_ids() == ["ghost", "test"]
    assert not _rotation_records().exists()
    refusal = _rotation_records("refused").get()
    assert refusal.detail == {"missing_key_ids": "ghost"}


@pytest.mark.django_db
def test_a_key_that_does_not_unwrap_is_reported_recorded_and_the_others_rewrapped(entry, protection_manager, settings):
    good, moved = _store(entry, protection_manager), _store(entry, protection_manager)
    SourceFile.objects.filter(pk=moved.pk).update(wrapped_key=good.wrapped_key)  # bound to another row
    _rotated_to_new(settings)

    with pytest.raises(CommandError, match="包み直せなかったデータ鍵が 1件あります"):
        run("rotate_master_key")

    assert _key_ids() == ["new", "test"]
    failure = _rotation_records("failed").get()
    assert (failure.object_type, failure.object_id) == ("files_registry.sourcefile", str(moved.pk))
    assert _rotation_records().get().detail["count"] == 1


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_a_bad_batch_size_is_refused(value):
    with pytest.raises(CommandError):
        call_command("rotate_master_key", f"--batch-size={value}")


# --- backups wrapped by the old key -----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_names_the_backups_the_old_key_still_opens(entry, protection_manager, settings, tmp_path):
    settings.PORTAL_BACKUP_DIR = tmp_path / "backups"
    settings.PORTAL_BACKUP_RETENTION_DAYS = 30
    settings.PORTAL_BACKUP_DIR.mkdir()
    with open(settings.PORTAL_BACKUP_DIR / "portal-backup-20260401T000000Z-0a0b0c0d.pbk", "wb") as file:
        writer = BackupWriter(file, backup_id="20260401T000000Z-0a0b0c0d")
        writer.add_part("database", [b"dump"])
        writer.finish({})
    _store(entry, protection_manager)
    _rotated_to_new(settings)

    output = run("rotate_master_key")

    assert (
        "マスター鍵「test」で暗号化されたバックアップが 1件あります（保存期間 30日、最後のものの保存期限 "
        f"{wareki(datetime.date(2026, 5, 1))}）" in output
    )
    assert "複製を含めて復号できなくなります（暗号鍵の消去）" in output
