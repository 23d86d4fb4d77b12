"""The backup set file: parts round-trip; any change, cut or wrong key is refused (第18条・第19条)."""

import base64
import json
import os

import pytest

from portal.backup.container import BackupError, BackupWriter, ChunkReader, backup_open, part_plaintext
from portal.crypto import SEGMENT

PARTS = {"database": os.urandom(2 * SEGMENT + 5), "files": b"small", "empty": b""}


@pytest.fixture
def backup_file(tmp_path):
    path = tmp_path / "set.pbk"
    with open(path, "wb") as file:
        writer = BackupWriter(file, backup_id="20260101T000000Z-abcdef01")
        for name, data in PARTS.items():
            writer.add_part(name, (data[start : start + 100_000] for start in range(0, len(data), 100_000)))
        writer.finish({"engine": "sqlite", "note": "試験"})
    return path


def _read_all(path, name) -> bytes:
    return b"".join(part_plaintext(backup_open(path), name))


def _flip(path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


def test_parts_round_trip_with_their_digests(backup_file):
    backup = backup_open(backup_file)

    assert {name: _read_all(backup_file, name) for name in PARTS} == PARTS
    assert backup.manifest["engine"] == "sqlite"
    assert backup.manifest["note"] == "試験"
    assert backup.manifest["key_id"] == "test"
    assert [part["size"] for part in backup.manifest["parts"]] == [len(data) for data in PARTS.values()]


def test_the_plaintext_is_not_in_the_file(backup_file):
    stored = backup_file.read_bytes()

    assert PARTS["database"][:64] not in stored
    assert b"small" not in stored


@pytest.mark.parametrize("where", ["first_segment", "last_segment"])
def test_a_changed_byte_in_a_part_is_refused(backup_file, where):
    part = backup_open(backup_file).part("database")
    offset = part["offset"] + 40 if where == "first_segment" else part["offset"] + part["length"] - 3
    _flip(backup_file, offset)

    with pytest.raises(BackupError, match="改ざん"):
        _read_all(backup_file, "database")


def test_a_changed_manifest_is_refused(backup_file):
    data = backup_file.read_bytes()
    backup_file.write_bytes(data.replace(b'"engine": "sqlite"', b'"engine": "sqlitf"'))

    with pytest.raises(BackupError, match="マニフェストが改ざん"):
        backup_open(backup_file)


def test_a_changed_header_is_refused(backup_file):
    data = backup_file.read_bytes()
    backup_file.write_bytes(data.replace(b"20260101T000000Z-abcdef01", b"20260101T000000Z-abcdef02", 1))

    with pytest.raises(BackupError, match="データ鍵を復号できません"):
        backup_open(backup_file)


@pytest.mark.parametrize("cut", [1, 20, 5000, SEGMENT])
def test_a_truncated_file_is_refused(backup_file, cut):
    data = backup_file.read_bytes()
    backup_file.write_bytes(data[:-cut])

    with pytest.raises(BackupError, match="途中で切れています"):
        backup_open(backup_file)


def test_a_segment_removed_from_the_middle_is_refused(backup_file):
    """Even with a valid trailer copied on, a part shortened by a segment fails (offsets and tags)."""
    backup = backup_open(backup_file)
    part = backup.part("database")
    data = backup_file.read_bytes()
    segment_start = part["offset"] + 16
    backup_file.write_bytes(data[:segment_start] + data[segment_start + SEGMENT + 16 :])

    with pytest.raises(BackupError):
        backup_open(backup_file)


def test_another_master_key_under_the_same_id_is_refused(backup_file, settings):
    settings.PORTAL_MASTER_KEYS = {"test": os.urandom(32)}

    with pytest.raises(BackupError, match="マスター鍵「test」が暗号化したときの鍵と違う"):
        backup_open(backup_file)


def test_a_missing_master_key_is_named(backup_file, settings):
    settings.PORTAL_MASTER_KEYS = {"new": os.urandom(32)}

    with pytest.raises(BackupError, match="マスター鍵「test」が PORTAL_MASTER_KEYS に設定されていません"):
        backup_open(backup_file)


def test_an_older_master_key_still_opens_after_rotation(backup_file, settings):
    old = settings.PORTAL_MASTER_KEYS["test"]
    settings.PORTAL_MASTER_KEYS = {"new": os.urandom(32), "test": old}

    assert _read_all(backup_file, "files") == b"small"


@pytest.mark.parametrize("content", [b"", b"PRTLBAK", b"not a backup at all" * 10])
def test_other_files_are_refused(tmp_path, content):
    path = tmp_path / "other.pbk"
    path.write_bytes(content)

    with pytest.raises(BackupError, match="バックアップファイルではありません"):
        backup_open(path)


def test_a_missing_file_is_a_message(tmp_path):
    with pytest.raises(BackupError, match="を読めません"):
        backup_open(tmp_path / "missing.pbk")


def test_the_header_carries_no_key_in_clear(backup_file):
    data = backup_file.read_bytes()
    header = json.loads(data[12 : 12 + int.from_bytes(data[8:12], "big")])

    assert set(header) == {"backup_id", "format", "key_id", "version", "wrapped_key"}
    assert len(base64.b64decode(header["wrapped_key"])) == 12 + 32 + 16


def test_chunk_reader_reads_across_chunks():
    reader = ChunkReader([b"ab", b"", b"cde", b"f"])

    assert [reader.read(3), reader.read(1), reader.read(-1), reader.read(5)] == [b"abc", b"d", b"ef", b""]
