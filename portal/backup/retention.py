"""How long backup sets are kept, and their deletion (seed 004 第19条 バックアップ, 第10条 消去; docs/backup.md).

A set holds, encrypted, everything the portal held when it was taken, including data disposed of later.
`backups_prune` deletes the sets older than PORTAL_BACKUP_RETENTION_DAYS; run daily after `backup`, it
bounds how long a disposed file's encrypted copy survives, and `backup_copies_deleted_by` is that bound as
printed on the 消去証明.
"""

import datetime
import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from portal.audit.enums import AccessAction, AccessResult
from portal.backup.container import BackupError, header_peek
from portal.backup.services import _fsync_directory, _record, backup_location_check

PRUNE_ACTOR = "(prune_backups)"
# backup_create's names: the set, and the hidden partial file of a run that has not finished (or crashed).
_NAME = re.compile(
    r"^(?P<hidden>\.?)portal-backup-(?P<id>(?P<at>\d{8}T\d{6}Z)-[0-9a-f]{8})\.pbk(?P<partial>\.partial)?$"
)


@dataclass(frozen=True)
class StoredSet:
    """A backup set (or the partial file of an unfinished run) found in the backup folder."""

    path: Path
    backup_id: str
    created_at: datetime.datetime  # UTC, from the backup id (taken before the database was dumped)
    partial: bool
    key_id: str | None  # the master key that wrapped the set's data key, as its header says

    def expires_at(self, days: int | None = None) -> datetime.datetime:
        return self.created_at + datetime.timedelta(days=days or backup_retention_days())


def backup_retention_days() -> int:
    return settings.PORTAL_BACKUP_RETENTION_DAYS


def backup_copies_deleted_by(disposed_at: datetime.datetime) -> datetime.date:
    """The day (Japan time) by which no backup set holding data disposed of at `disposed_at` remains.

    The last set that can hold the data was taken no later than the disposal; it expires
    PORTAL_BACKUP_RETENTION_DAYS later and the next daily `prune_backups` deletes it: hence one day more.
    True only while prune_backups runs daily and off-site copies follow the same retention (docs/backup.md).
    """
    expires = timezone.localdate(disposed_at + datetime.timedelta(days=backup_retention_days()))
    return expires + datetime.timedelta(days=1)


def backup_sets_list(directory: Path | None = None) -> list[StoredSet]:
    """The sets and partial files in `directory` (default PORTAL_BACKUP_DIR), oldest first; other files are
    ignored. Reads each header for its key id (not authenticated: for listing only). [] if no folder."""
    directory = Path(directory or settings.PORTAL_BACKUP_DIR)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if match is None or bool(match["hidden"]) != bool(match["partial"]) or not path.is_file():
            continue
        created_at = datetime.datetime.strptime(match["at"], "%Y%m%dT%H%M%SZ").replace(tzinfo=datetime.UTC)
        header = header_peek(path) or {}
        key_id = header.get("key_id")
        found.append(
            StoredSet(
                path=path,
                backup_id=match["id"],
                created_at=created_at,
                partial=bool(match["partial"]),
                key_id=str(key_id) if key_id is not None else None,
            )
        )
    return sorted(found, key=lambda stored: (stored.created_at, stored.path.name))


@dataclass(frozen=True)
class PruneResult:
    deleted: list[StoredSet]
    kept: list[StoredSet]
    errors: list[str]  # Japanese, one per set that could not be deleted


def backups_prune(*, directory: Path | None = None, now: datetime.datetime | None = None, dry_run: bool = False):
    """Delete every set (and partial file) in `directory` taken more than PORTAL_BACKUP_RETENTION_DAYS ago.

    Default folder PORTAL_BACKUP_DIR; BackupError (Japanese) when it is inside the data dir or missing (a
    wrong path would silently keep every set). Each deletion is an access record 「削除」 (object_type
    `backup`, the backup id); a set that cannot be deleted is recorded 「削除」「失敗」 and reported in
    `errors`, and the others are still deleted. `dry_run`: deletes and records nothing. Returns PruneResult.
    """
    directory = backup_location_check(directory or settings.PORTAL_BACKUP_DIR)
    if not directory.is_dir():
        raise BackupError(f"バックアップの保存先 {directory} がありません（PORTAL_BACKUP_DIR を確認してください）。")
    days = backup_retention_days()
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    stored = backup_sets_list(directory)
    expired = [item for item in stored if item.created_at < cutoff]
    kept = [item for item in stored if item.created_at >= cutoff]
    if dry_run:
        return PruneResult(deleted=expired, kept=kept, errors=[])
    deleted, errors = [], []
    for item in expired:
        detail = {
            "created_at": item.created_at.isoformat(),
            "key_id": item.key_id or "",
            "retention_days": days,
            "partial": item.partial,
        }
        try:
            item.path.unlink()
        except FileNotFoundError:
            continue  # another run deleted it first
        except OSError as error:
            message = f"{item.path.name} を削除できません（{error.strerror or error}）。"
            errors.append(message)
            _record_deletion(item, AccessResult.FAILED, {**detail, "reason": message})
            continue
        deleted.append(item)
        _record_deletion(item, AccessResult.SUCCESS, detail)
    if deleted:
        _fsync_directory(directory)
    return PruneResult(deleted=deleted, kept=kept, errors=errors)


def _record_deletion(item: StoredSet, result: AccessResult, detail: dict) -> None:
    _record(AccessAction.DELETE, result, PRUNE_ACTOR, item.backup_id, item.path.name, detail)
