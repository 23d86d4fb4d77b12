"""Encryption at rest (seed 004 第18条): a data key per file, wrapped by a master key.

Files are encrypted with AES-256-GCM in 1 MiB segments (streaming, so a large source file never sits
in memory); each segment's nonce is derived from a random file prefix and the segment number, and its
associated data carries the number and a last-segment flag, so a reordered, cut or edited file fails
to decrypt. The data key is wrapped (AES-256-GCM) by the current master key from the environment
(PORTAL_MASTER_KEYS); rotating the master key re-wraps the data keys only. Destroying a file's
wrapped key makes the file unreadable for good (crypto-erase, 第10条).
"""

import os
import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

SEGMENT = 1024 * 1024
_MAGIC = b"PRTLENC1"
_TAG = 16


class DecryptionError(Exception):
    """The data was altered, cut, or belongs to another key: nothing of it may be used."""


@dataclass(frozen=True)
class WrappedKey:
    key_id: str  # which master key wrapped it
    blob: bytes  # nonce + ciphertext + tag


def _master(key_id: str) -> bytes:
    try:
        return settings.PORTAL_MASTER_KEYS[key_id]
    except KeyError:
        raise DecryptionError(f"master key {key_id!r} is not configured") from None


def current_key_id() -> str:
    return next(iter(settings.PORTAL_MASTER_KEYS))


def wrap(data_key: bytes, *, context: bytes) -> WrappedKey:
    key_id = current_key_id()
    nonce = os.urandom(12)
    return WrappedKey(key_id, nonce + AESGCM(_master(key_id)).encrypt(nonce, data_key, context))


def unwrap(wrapped: WrappedKey, *, context: bytes) -> bytes:
    try:
        return AESGCM(_master(wrapped.key_id)).decrypt(wrapped.blob[:12], wrapped.blob[12:], context)
    except InvalidTag:
        raise DecryptionError("the wrapped data key does not match its master key or context") from None


def rewrap(wrapped: WrappedKey, *, context: bytes) -> WrappedKey:
    """The same data key, wrapped by the current master key (key rotation)."""
    return wrap(unwrap(wrapped, context=context), context=context)


def _nonce(prefix: bytes, number: int) -> bytes:
    return prefix + struct.pack(">I", number)


def _aad(number: int, last: bool) -> bytes:
    return struct.pack(">I?", number, last)


def _segments(chunks: Iterable[bytes]) -> Iterator[tuple[bytes, bool]]:
    buffer = b""
    pending = None
    for chunk in chunks:
        buffer += chunk
        while len(buffer) >= SEGMENT:
            if pending is not None:
                yield pending, False
            pending, buffer = buffer[:SEGMENT], buffer[SEGMENT:]
    if buffer:
        if pending is not None:
            yield pending, False
        pending = buffer
    yield (pending or b""), True


def encrypt_stream(chunks: Iterable[bytes], data_key: bytes) -> Iterator[bytes]:
    """Ciphertext of `chunks` under `data_key`, as a stream of bytes to write."""
    prefix = os.urandom(8)
    aead = AESGCM(data_key)
    yield _MAGIC + prefix
    for number, (segment, last) in enumerate(_segments(chunks)):
        yield aead.encrypt(_nonce(prefix, number), segment, _aad(number, last))


def decrypt_stream(read, data_key: bytes) -> Iterator[bytes]:
    """Plaintext of a file written by encrypt_stream; `read(n)` reads the stored bytes.

    Raises DecryptionError on any alteration, reordering or truncation (the last segment is marked).
    """
    head = read(len(_MAGIC) + 8)
    if head[: len(_MAGIC)] != _MAGIC:
        raise DecryptionError("not an encrypted file of this portal")
    prefix = head[len(_MAGIC) :]
    aead = AESGCM(data_key)
    number = 0
    block = read(SEGMENT + _TAG)
    while True:
        following = read(SEGMENT + _TAG)
        last = not following
        try:
            yield aead.decrypt(_nonce(prefix, number), block, _aad(number, last))
        except InvalidTag:
            raise DecryptionError(f"segment {number} was altered, moved or the file was cut") from None
        if last:
            return
        block, number = following, number + 1


def new_data_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def encrypt_to_file(chunks: Iterable[bytes], path, data_key: bytes) -> None:
    """Write the ciphertext of `chunks` to `path`: under a temporary name, flushed to disk, then renamed,
    so the final name only ever holds a complete file."""
    partial = path.with_name(path.name + ".part")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(partial, "wb") as out:
            for block in encrypt_stream(chunks, data_key):
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def decrypt_file(path, data_key: bytes) -> Iterator[bytes]:
    """The plaintext of a file written by encrypt_to_file, streamed and checked segment by segment."""
    with open(path, "rb") as stored:
        yield from decrypt_stream(stored.read, data_key)


def file_chunks(path, size: int = SEGMENT) -> Iterator[bytes]:
    """A plaintext file as chunks (to encrypt it)."""
    with open(path, "rb") as source:
        while block := source.read(size):
            yield block
