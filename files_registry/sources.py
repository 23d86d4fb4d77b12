"""Source files of the register's entries: stored encrypted, read and destroyed only through here.

Only the managers of the entry's organization (object permission accounts.manage_files; never a
superuser, organizations_managed_by) may store, read or destroy them (seed 004 第5条・第14条); every access is recorded
(第12条) and the data is encrypted at rest with a data key per file (第18条). Destruction is a
crypto-erase: the wrapped key and the stored file are removed (第10条). Master-key rotation re-wraps the
data keys through portal.key_rotation (SourceFile is registered in FilesRegistryConfig.ready).
"""

import hashlib
from collections.abc import Iterator
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from files_registry.models import RegisterEntry, SourceFile
from portal import crypto
from portal.accounts.roles import organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.uploads import protected_storage


def _require_manager(actor, entry: RegisterEntry) -> None:
    if actor is None or not organizations_managed_by(actor).filter(pk=entry.organization_id).exists():
        raise PermissionDenied("この個人情報ファイルを管理する権限がありません。")


def _path(name: str) -> Path:
    return Path(protected_storage.path(name))


@transaction.atomic
def source_file_store(*, entry: RegisterEntry, upload, actor) -> SourceFile:
    """Encrypt `upload` (a Django File) under a new data key and record it; the plaintext never
    touches the disk. The stored file appears under its final name only when complete."""
    _require_manager(actor, entry)
    source = SourceFile(entry=entry, original_name=Path(upload.name).name[:200], uploaded_by=actor)
    data_key = crypto.new_data_key()
    wrapped = crypto.wrap(data_key, context=source.key_context)
    source.stored_name = f"files_registry/sourcefile/{source.public_id.hex}.enc"
    path = _path(source.stored_name)
    digest, size = hashlib.sha256(), 0

    def plaintext():
        nonlocal size
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            yield chunk

    crypto.encrypt_to_file(plaintext(), path, data_key)
    source.size, source.sha256 = size, digest.hexdigest()
    source.key_id, source.wrapped_key = wrapped.key_id, wrapped.blob
    source.uploaded_by_name = actor.display_name
    source.save()
    access_record(actor=actor, action=AccessAction.CREATE, result=AccessResult.SUCCESS, obj=source)
    return source


def source_file_read(*, source: SourceFile, actor) -> Iterator[bytes]:
    """The plaintext, streamed and checked segment by segment (crypto.DecryptionError on tampering)."""
    _require_manager(actor, source.entry)
    if source.wrapped_key is None:
        raise crypto.DecryptionError("this source file was destroyed")
    access_record(actor=actor, action=AccessAction.VIEW, result=AccessResult.SUCCESS, obj=source)
    data_key = crypto.unwrap(crypto.WrappedKey(source.key_id, bytes(source.wrapped_key)), context=source.key_context)
    yield from crypto.decrypt_file(_path(source.stored_name), data_key)


@transaction.atomic
def source_file_destroy(*, source: SourceFile, actor) -> SourceFile:
    """Crypto-erase: the data key is destroyed and the stored file removed (第10条)."""
    _require_manager(actor, source.entry)
    locked = SourceFile.objects.select_for_update().get(pk=source.pk)
    if locked.destroyed_at is None:
        locked.wrapped_key, locked.destroyed_at = None, timezone.now()
        locked.save(update_fields=["wrapped_key", "destroyed_at"])
        access_record(actor=actor, action=AccessAction.DELETE, result=AccessResult.SUCCESS, obj=locked)
        path = _path(locked.stored_name)
        transaction.on_commit(lambda: path.unlink(missing_ok=True))
    return locked


def source_file_read_for_processing(*, source: SourceFile, purpose: str) -> Iterator[bytes]:
    """The plaintext for a job the agency runs (a dry run for screening, a contract's dataset): no user
    is acting, so the record names the purpose instead (seed 004 第12条)."""
    if source.wrapped_key is None:
        raise crypto.DecryptionError("this source file was destroyed")
    access_record(
        actor=None,
        action=AccessAction.VIEW,
        result=AccessResult.SUCCESS,
        obj=source,
        username="system:anonymizer",
        detail={"purpose": purpose[:200]},
    )
    data_key = crypto.unwrap(crypto.WrappedKey(source.key_id, bytes(source.wrapped_key)), context=source.key_context)
    yield from crypto.decrypt_file(_path(source.stored_name), data_key)


def source_file_latest(entry: RegisterEntry) -> SourceFile | None:
    """The newest source file of `entry` that has not been destroyed (what jobs process)."""
    return entry.source_files.filter(destroyed_at__isnull=True).order_by("-uploaded_at", "-pk").first()
