"""Source files encrypted at rest (seed 004 第18条), read and destroyed only by their managers."""

import base64
import hashlib
import os
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.management import call_command

from files_registry.models import SourceFile
from files_registry.sources import source_file_destroy, source_file_read, source_file_store
from portal import crypto
from portal.audit.models import AccessRecord
from portal.key_rotation import master_keys_rewrap
from portal.uploads import protected_storage
from tests.factories.registry import RegisterEntryFactory

pytestmark = pytest.mark.django_db(transaction=True)

CONTENT = ("受験番号,氏名,住所\n" + "".join(f"{i},試験 太郎{i},東京都千代田区{i}\n" for i in range(60_000))).encode()


@pytest.fixture
def entry(organization):
    return RegisterEntryFactory(organization=organization)


def _store(entry, actor, content=CONTENT):
    return source_file_store(entry=entry, upload=ContentFile(content, name="source.csv"), actor=actor)


def _stored_bytes(source) -> bytes:
    with protected_storage.open(source.stored_name, "rb") as stored:
        return stored.read()


def test_a_source_file_is_stored_encrypted_and_reads_back(entry, protection_manager):
    source = _store(entry, protection_manager)

    stored = _stored_bytes(source)
    assert len(CONTENT) > crypto.SEGMENT  # several segments
    assert "試験 太郎".encode() not in stored and b"source.csv" not in stored
    assert (source.size, source.sha256) == (len(CONTENT), hashlib.sha256(CONTENT).hexdigest())
    assert b"".join(source_file_read(source=source, actor=protection_manager)) == CONTENT
    assert set(AccessRecord.objects.values_list("action", flat=True)) == {"create", "view"}


@pytest.mark.parametrize("content", [b"", b"x" * crypto.SEGMENT, b"y" * (2 * crypto.SEGMENT + 1)])
def test_segment_boundaries_round_trip(entry, protection_manager, content):
    source = _store(entry, protection_manager, content)

    assert b"".join(source_file_read(source=source, actor=protection_manager)) == content


def _tamper(source, change) -> None:
    path = Path(protected_storage.path(source.stored_name))
    path.write_bytes(bytes(change(bytearray(path.read_bytes()))))


@pytest.mark.parametrize(
    "change",
    [
        lambda data: data[:100] + bytes([data[100] ^ 1]) + data[101:],  # an edited byte
        lambda data: data[: -(1024 * 100)],  # the end cut off
        lambda data: data[: len(data) - (len(data) - 16) % (crypto.SEGMENT + 16)],  # the last segment removed
    ],
)
def test_any_tampering_is_detected(entry, protection_manager, change):
    source = _store(entry, protection_manager)
    _tamper(source, change)

    with pytest.raises(crypto.DecryptionError):
        b"".join(source_file_read(source=source, actor=protection_manager))


def test_a_wrapped_key_moved_to_another_record_does_not_open_it(entry, protection_manager):
    first, second = _store(entry, protection_manager), _store(entry, protection_manager, b"other")
    SourceFile.objects.filter(pk=second.pk).update(wrapped_key=first.wrapped_key, stored_name=first.stored_name)
    second.refresh_from_db()

    with pytest.raises(crypto.DecryptionError):
        b"".join(source_file_read(source=second, actor=protection_manager))


def test_only_the_managers_of_the_file_may_store_or_read(entry, protection_manager, other_organization):
    from portal.accounts.roles import StaffRole
    from tests.factories.accounts import staff_user

    source = _store(entry, protection_manager)
    stranger = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)

    with pytest.raises(PermissionDenied):
        _store(entry, stranger)
    with pytest.raises(PermissionDenied):
        b"".join(source_file_read(source=source, actor=stranger))


def test_destruction_is_a_crypto_erase(entry, protection_manager):
    source = _store(entry, protection_manager)
    path = protected_storage.path(source.stored_name)

    destroyed = source_file_destroy(source=source, actor=protection_manager)

    assert destroyed.wrapped_key is None and destroyed.destroyed_at is not None
    assert not os.path.exists(path)
    with pytest.raises(crypto.DecryptionError, match="destroyed"):
        b"".join(source_file_read(source=destroyed, actor=protection_manager))


def test_rotating_the_master_key_rewraps_and_keeps_files_readable(entry, protection_manager, settings, capsys):
    source = _store(entry, protection_manager)
    stored = _stored_bytes(source)
    old = dict(settings.PORTAL_MASTER_KEYS)
    settings.PORTAL_MASTER_KEYS = {"new": base64.b64decode(base64.b64encode(os.urandom(32))), **old}

    call_command("rotate_master_key")

    source.refresh_from_db()
    assert source.key_id == "new"
    assert "個人情報ファイルの原データ: 包み直し 1件、既に現在の鍵 0件" in capsys.readouterr().out
    assert [result.rewrapped for result in master_keys_rewrap()] == [0, 0, 0]
    assert _stored_bytes(source) == stored  # the data key was re-wrapped; the file was not touched
    settings.PORTAL_MASTER_KEYS = {"new": settings.PORTAL_MASTER_KEYS["new"]}  # the old key retired
    assert b"".join(source_file_read(source=source, actor=protection_manager)) == CONTENT
    record = AccessRecord.objects.get(action="change", object_type="files_registry.sourcefile")
    assert (record.actor_username, record.detail) == (
        "(rotate_master_key)",
        {"count": 1, "from_key_ids": "test", "to_key_id": "new"},
    )


def test_bad_master_key_settings_are_refused():
    from portal.env import parse_master_keys

    for value in ("nokey", "k:not-base64!", "k:" + base64.b64encode(b"short").decode(), ""):
        with pytest.raises(ValueError):
            parse_master_keys(value)
