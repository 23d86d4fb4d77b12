"""The backup set: one file holding encrypted parts and an authenticated manifest (第18条・第19条).

Layout (integers big-endian):

    b"PRTLBAK1" | u32 header length | header (JSON)
    part 1 ciphertext | part 2 ciphertext | …            (portal.crypto.encrypt_stream, one data key)
    manifest (JSON) | HMAC-SHA256 (32 bytes) | u64 manifest length | b"PRTLBEND"

The header names the backup and carries the backup's fresh data key wrapped by the current master key
(portal.crypto.wrap) with the context b"portal-backup:" + backup id, so a header moved onto another set or
edited does not unwrap. The manifest is readable JSON (created at, engine, migrations, each part's offset,
ciphertext length, plaintext size and SHA-256, key id); it is authenticated by an HMAC keyed with a key
derived from the data key (HKDF-SHA256), over the header and the manifest together. Each part's segments
carry their own GCM tags and a last-segment flag (portal.crypto), so an edited, moved or cut part fails.
The manifest is written last (the digests are known only at the end): a file without the closing magic is
incomplete.
"""

import base64
import binascii
import hashlib
import hmac
import json
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from portal.crypto import DecryptionError, WrappedKey, decrypt_stream, encrypt_stream, new_data_key, unwrap, wrap

MAGIC = b"PRTLBAK1"
END_MAGIC = b"PRTLBEND"
FORMAT = "portal-backup"
VERSION = 1
_MAC_SIZE = 32
_TRAILER = struct.Struct(">Q8s")
_HEADER_LENGTH = struct.Struct(">I")
_MAX_HEADER = 64 * 1024
_MAX_MANIFEST = 16 * 1024 * 1024
_READ = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that must stop; the message is Japanese and meant for the operator."""


def _context(backup_id: str) -> bytes:
    return b"portal-backup:" + backup_id.encode()


def _mac(data_key: bytes, backup_id: str, header: bytes, manifest: bytes) -> bytes:
    mac_key = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"portal-backup manifest:" + backup_id.encode()
    ).derive(data_key)
    return hmac.digest(mac_key, _HEADER_LENGTH.pack(len(header)) + header + manifest, "sha256")


class BackupWriter:
    """Writes one backup set to an open binary file: header now, parts one by one, manifest last."""

    def __init__(self, file, *, backup_id: str):
        self._file = file
        self.backup_id = backup_id
        self._data_key = new_data_key()
        wrapped = wrap(self._data_key, context=_context(backup_id))
        self.key_id = wrapped.key_id
        header = {
            "backup_id": backup_id,
            "format": FORMAT,
            "key_id": wrapped.key_id,
            "version": VERSION,
            "wrapped_key": base64.b64encode(wrapped.blob).decode(),
        }
        self._header = json.dumps(header, sort_keys=True).encode()
        self.bytes_written = 0
        self._write(MAGIC + _HEADER_LENGTH.pack(len(self._header)) + self._header)
        self.parts: list[dict] = []

    def _write(self, data: bytes) -> None:
        self._file.write(data)
        self.bytes_written += len(data)

    def add_part(self, name: str, chunks: Iterable[bytes]) -> dict:
        """Encrypt `chunks` as the next part, hashing the plaintext on the way; never buffers the whole."""
        digest = hashlib.sha256()
        size = 0

        def plaintext() -> Iterator[bytes]:
            nonlocal size
            for chunk in chunks:
                digest.update(chunk)
                size += len(chunk)
                yield chunk

        offset = self.bytes_written
        for block in encrypt_stream(plaintext(), self._data_key):
            self._write(block)
        part = {
            "name": name,
            "offset": offset,
            "length": self.bytes_written - offset,
            "size": size,
            "sha256": digest.hexdigest(),
        }
        self.parts.append(part)
        return part

    def finish(self, manifest: dict) -> dict:
        manifest = {
            **manifest,
            "backup_id": self.backup_id,
            "format": FORMAT,
            "key_id": self.key_id,
            "parts": self.parts,
            "version": VERSION,
        }
        body = json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()
        mac = _mac(self._data_key, self.backup_id, self._header, body)
        self._write(body + mac + _TRAILER.pack(len(body), END_MAGIC))
        return manifest


@dataclass(frozen=True)
class BackupSet:
    """An opened backup set whose header, key and manifest have been checked (the parts not yet)."""

    path: Path
    manifest: dict
    data_key: bytes

    @property
    def backup_id(self) -> str:
        return self.manifest["backup_id"]

    def part(self, name: str) -> dict | None:
        return next((part for part in self.manifest["parts"] if part["name"] == name), None)


def backup_open(path: Path) -> BackupSet:
    """Read the header and manifest, unwrap the data key, check the manifest's HMAC and the part layout.

    Raises BackupError (Japanese) when the file is not a backup set, is cut, was altered, or needs a master
    key this process does not have.
    """
    try:
        total = path.stat().st_size
        with open(path, "rb") as file:
            start = file.read(len(MAGIC) + _HEADER_LENGTH.size)
            if len(start) < len(MAGIC) + _HEADER_LENGTH.size or start[: len(MAGIC)] != MAGIC:
                raise BackupError(f"{path} はこのポータルのバックアップファイルではありません。")
            (header_length,) = _HEADER_LENGTH.unpack(start[len(MAGIC) :])
            if header_length > _MAX_HEADER:
                raise BackupError(f"{path} のヘッダが壊れています。")
            header_bytes = file.read(header_length)
            if total < len(start) + header_length + _MAC_SIZE + _TRAILER.size:
                raise BackupError(f"{path} は途中で切れています（書き込みが完了していないか、切り詰められています）。")
            file.seek(total - _TRAILER.size)
            manifest_length, end = _TRAILER.unpack(file.read(_TRAILER.size))
            if end != END_MAGIC:
                raise BackupError(f"{path} は途中で切れています（書き込みが完了していないか、切り詰められています）。")
            manifest_start = total - _TRAILER.size - _MAC_SIZE - manifest_length
            if manifest_length > _MAX_MANIFEST or manifest_start < len(start) + header_length:
                raise BackupError(f"{path} のマニフェストの位置が壊れています。")
            file.seek(manifest_start)
            manifest_bytes = file.read(manifest_length)
            mac = file.read(_MAC_SIZE)
    except OSError as error:
        raise BackupError(f"バックアップファイル {path} を読めません（{error.strerror or error}）。") from None

    header = _json(header_bytes, f"{path} のヘッダが壊れています。")
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        raise BackupError(f"{path} はこの版のポータルが読めない形式のバックアップです。")
    backup_id, key_id = str(header.get("backup_id", "")), str(header.get("key_id", ""))
    if key_id not in settings.PORTAL_MASTER_KEYS:
        raise BackupError(f"バックアップを暗号化したマスター鍵「{key_id}」が PORTAL_MASTER_KEYS に設定されていません。")
    try:
        blob = base64.b64decode(str(header.get("wrapped_key", "")), validate=True)
        data_key = unwrap(WrappedKey(key_id, blob), context=_context(backup_id))
    except (binascii.Error, ValueError, DecryptionError):
        raise BackupError(
            f"{path} のデータ鍵を復号できません。マスター鍵「{key_id}」が暗号化したときの鍵と違うか、"
            "ヘッダが改ざんされています。"
        ) from None
    if not hmac.compare_digest(mac, _mac(data_key, backup_id, header_bytes, manifest_bytes)):
        raise BackupError(f"{path} のマニフェストが改ざんされています（認証に失敗しました）。")
    manifest = _json(manifest_bytes, f"{path} のマニフェストが壊れています。")
    if manifest.get("backup_id") != backup_id:
        raise BackupError(f"{path} のマニフェストがヘッダと一致しません。")
    # Authenticated, so only a bug could misplace the parts; check anyway before seeking by them.
    offset = len(start) + header_length
    for part in manifest.get("parts", []):
        if part["offset"] != offset or part["length"] <= 0:
            raise BackupError(f"{path} の部分「{part['name']}」の位置が壊れています。")
        offset += part["length"]
    if offset != manifest_start:
        raise BackupError(f"{path} の部分の長さがマニフェストと一致しません。")
    return BackupSet(path=path, manifest=manifest, data_key=data_key)


def header_peek(path: Path) -> dict | None:
    """The header of a backup set as written ({backup_id, key_id, …}), without unwrapping or checking
    anything: for listing and pruning only, never for trusting the content. None when unreadable."""
    try:
        with open(path, "rb") as file:
            start = file.read(len(MAGIC) + _HEADER_LENGTH.size)
            if len(start) < len(MAGIC) + _HEADER_LENGTH.size or start[: len(MAGIC)] != MAGIC:
                return None
            (header_length,) = _HEADER_LENGTH.unpack(start[len(MAGIC) :])
            if header_length > _MAX_HEADER:
                return None
            return _json(file.read(header_length), "")
    except (OSError, BackupError):
        return None


def _json(data: bytes, message: str) -> dict:
    try:
        value = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise BackupError(message) from None
    if not isinstance(value, dict):
        raise BackupError(message)
    return value


def part_plaintext(backup: BackupSet, name: str) -> Iterator[bytes]:
    """The decrypted part, chunk by chunk; each chunk is authenticated before it is yielded.

    After the last chunk the plaintext's size and SHA-256 are compared with the manifest: a consumer must
    exhaust the iterator, and treat a BackupError at any point (also after the last chunk) as failure.
    """
    part = backup.part(name)
    if part is None:
        raise BackupError(f"{backup.path} に部分「{name}」がありません。")
    digest = hashlib.sha256()
    size = 0
    with open(backup.path, "rb") as file:
        file.seek(part["offset"])
        remaining = part["length"]

        def read(count: int) -> bytes:
            nonlocal remaining
            data = file.read(min(count, remaining))
            remaining -= len(data)
            return data

        try:
            for chunk in decrypt_stream(read, backup.data_key):
                digest.update(chunk)
                size += len(chunk)
                yield chunk
        except DecryptionError:
            raise BackupError(
                f"{backup.path} の部分「{name}」が改ざんされているか、途中で切れています（認証に失敗しました）。"
            ) from None
    if size != part["size"] or digest.hexdigest() != part["sha256"]:
        raise BackupError(f"{backup.path} の部分「{name}」の SHA-256 又は大きさがマニフェストと一致しません。")


class ChunkReader:
    """A read-only file object over an iterator of chunks (for tarfile's stream mode).

    Small reads from large chunks copy only what they return (no re-slicing of the remainder).
    """

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._buffer = b""
        self._position = 0

    def read(self, count: int = -1) -> bytes:
        pieces = []
        while count != 0:
            if self._position >= len(self._buffer):
                chunk = next(self._chunks, None)
                if chunk is None:
                    break
                self._buffer, self._position = chunk, 0
                continue
            available = len(self._buffer) - self._position
            take = available if count < 0 else min(count, available)
            pieces.append(self._buffer[self._position : self._position + take])
            self._position += take
            if count > 0:
                count -= take
        return b"".join(pieces)

    def drain(self) -> None:
        """Consume what the reader did not ask for, so the source's final checks run."""
        self._buffer, self._position = b"", 0
        for _ in self._chunks:
            pass
