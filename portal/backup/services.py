"""Make and restore a backup set (seed 004 第19条 バックアップ・分散保管, 第18条 暗号化; docs/backup.md)."""

import datetime
import logging
import os
import secrets
import shutil
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.backup import database, files
from portal.backup.container import BackupError, BackupSet, BackupWriter, backup_open, part_plaintext
from portal.env import database_config

logger = logging.getLogger(__name__)

OBJECT_TYPE = "backup"
BACKUP_ACTOR = "(backup)"
RESTORE_ACTOR = "(restore)"
SUFFIX = ".pbk"
PARTIAL_SUFFIX = ".partial"
DATABASE_PART = "database"
FILES_PART = "files"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    bytes: int
    seconds: float
    manifest: dict


@dataclass(frozen=True)
class RestoreResult:
    path: Path
    backup_id: str
    database: str
    files: int
    seconds: float
    pending_migrations: int


def _data_dir() -> Path:
    return Path(settings.DATA_DIR).resolve()


def backup_location_check(directory: Path) -> Path:
    """The resolved backup folder; BackupError when it lies inside the data dir (第19条: kept apart)."""
    directory = Path(directory).expanduser().resolve()
    data_dir = _data_dir()
    if directory == data_dir or directory.is_relative_to(data_dir):
        raise BackupError(
            f"バックアップの保存先 {directory} がデータディレクトリ {data_dir} の中にあります。"
            "バックアップは別の場所（別のディスク又はサーバ）に保存してください（第19条 分散保管）。"
        )
    return directory


def backup_create(*, to_dir: Path | None = None) -> BackupResult:
    """Write one encrypted backup set of the default database and the data dir into `to_dir`.

    Default folder: PORTAL_BACKUP_DIR. The set is written as a hidden `.partial` file and renamed to
    `portal-backup-<UTC time>-<id>.pbk` only when complete and flushed, so an interrupted run never
    leaves a file that looks like a backup. Records an access record 「エクスポート」 (success or failure)
    in the default database. Raises BackupError (Japanese) on any failure, after removing the partial file.
    """
    started = time.monotonic()
    directory = backup_location_check(to_dir or settings.PORTAL_BACKUP_DIR)
    config = connections["default"].settings_dict
    engine = database.engine_name(config)
    created_at = timezone.now().astimezone(datetime.UTC)
    backup_id = f"{created_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(4)}"
    final = directory / f"portal-backup-{backup_id}{SUFFIX}"
    partial = directory / f".portal-backup-{backup_id}{SUFFIX}{PARTIAL_SUFFIX}"
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        migrations = database.applied_migrations()
        data_dir = _data_dir()
        names = files.data_files(data_dir, excluded=files.excluded_paths(config))
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            writer = BackupWriter(file, backup_id=backup_id)
            # The database first, then the files: every file a dumped row names was already there.
            writer.add_part(DATABASE_PART, database.database_dump(config))
            writer.add_part(FILES_PART, files.tar_stream(data_dir, names))
            manifest = writer.finish(
                {
                    "created_at": created_at.isoformat(),
                    "engine": engine,
                    "database": Path(str(config["NAME"])).name if engine == "sqlite" else str(config["NAME"]),
                    "migrations": migrations,
                    "file_count": len(names),
                }
            )
            file.flush()
            os.fsync(file.fileno())
        os.replace(partial, final)
        _fsync_directory(directory)
    except BackupError as error:
        partial.unlink(missing_ok=True)
        _record(AccessAction.EXPORT, AccessResult.FAILED, BACKUP_ACTOR, backup_id, final.name, {"reason": str(error)})
        raise
    except OSError as error:
        partial.unlink(missing_ok=True)
        message = f"バックアップを書き込めません（{error.strerror or error}: {error.filename or directory}）。"
        _record(AccessAction.EXPORT, AccessResult.FAILED, BACKUP_ACTOR, backup_id, final.name, {"reason": message})
        raise BackupError(message) from None
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    size = final.stat().st_size
    _record(
        AccessAction.EXPORT,
        AccessResult.SUCCESS,
        BACKUP_ACTOR,
        backup_id,
        final.name,
        {"engine": engine, "bytes": size, "file_count": len(names)},
    )
    return BackupResult(path=final, bytes=size, seconds=time.monotonic() - started, manifest=manifest)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _record(action, result, actor_name: str, backup_id: str, name: str, detail: dict) -> None:
    """An access record in the default database, when it has the table (a fresh target may have none)."""
    if "reason" in detail:
        detail = {**detail, "reason": " ".join(str(detail["reason"]).split())[:200]}
    try:
        access_record(
            actor=None,
            username=actor_name,
            action=action,
            result=result,
            object_type=OBJECT_TYPE,
            object_id=backup_id,
            object_repr=name,
            detail=detail,
        )
    except DatabaseError as error:
        logger.warning("backup: access record not written (%s)", error.__class__.__name__)


@dataclass(frozen=True)
class Verified:
    backup: BackupSet
    file_names: list[str]


def backup_verify(path: Path) -> Verified:
    """Read the whole set: header, key, manifest HMAC, every segment's tag, every part's SHA-256 and size,
    and the names of the files (plain files inside the data dir only). Writes nothing; BackupError if bad."""
    backup = backup_open(Path(path))
    for part in (DATABASE_PART, FILES_PART):
        if backup.part(part) is None:
            raise BackupError(f"{path} に部分「{part}」がありません。")
    for _ in part_plaintext(backup, DATABASE_PART):
        pass
    names = files.tar_names(part_plaintext(backup, FILES_PART), _data_dir())
    return Verified(backup=backup, file_names=names)


def backup_restore(*, path: Path, database_url: str | None = None, force: bool = False) -> RestoreResult:
    """Restore a backup set (see `_restore`); a refusal is recorded 「インポート」「拒否」 in the configured
    database when that database already exists (a refused restore into it must not create it)."""
    try:
        try:
            return _restore(path=Path(path), database_url=database_url, force=force)
        except OSError as error:
            where = error.filename or settings.DATA_DIR
            raise BackupError(f"復元先に書き込めません（{error.strerror or error}: {where}）。") from None
    except BackupError as error:
        if _configured_database_exists():
            _record(AccessAction.IMPORT, AccessResult.REFUSED, RESTORE_ACTOR, "", Path(path).name, {"reason": error})
        raise


def _configured_database_exists() -> bool:
    config = connections["default"].settings_dict
    if config["ENGINE"] != database.SQLITE:
        return True  # a missing table is a DatabaseError, which _record tolerates
    name = str(config["NAME"])
    return name.startswith("file:") or name == ":memory:" or Path(name).exists()


def _restore(*, path: Path, database_url: str | None, force: bool) -> RestoreResult:
    """Restore a backup set into a database (default: the configured one) and the data dir.

    Order, so that nothing is written unless everything can be: (1) verify the whole set (backup_verify);
    (2) check the target: same engine, no migrations unknown to this code, database empty and none of the
    files present, unless `force`; (3) extract the files into a staging folder inside the data dir, checked
    again; (4) restore the database (PostgreSQL: pg_restore in one transaction; SQLite: a new file renamed
    over the old); (5) rename the staged files into place. Then records 「インポート」 in the restored
    database. Raises BackupError (Japanese) before writing anything on a bad set or target.
    """
    started = time.monotonic()
    verified = backup_verify(path)
    backup, manifest = verified.backup, verified.backup.manifest
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # django-environ warns about an unknown scheme; we refuse it below
            target = database_config(database_url) if database_url else dict(connections["default"].settings_dict)
    except ValueError as error:
        raise BackupError(f"--database-url が使えません（{error}）。") from None
    engine = database.engine_name(target)
    if engine == "sqlite" and (str(target["NAME"]).startswith("file:") or target["NAME"] in ("", ":memory:")):
        raise BackupError("メモリ上の SQLite データベースには復元できません。ファイルを指定してください。")
    if engine != manifest["engine"]:
        raise BackupError(
            f"このバックアップは {manifest['engine']} のものです。{engine} のデータベースには復元できません。"
        )
    unknown = database.unknown_migrations(manifest["migrations"])
    if unknown:
        raise BackupError(
            f"このバックアップには、このプログラムにないマイグレーションが含まれています（{', '.join(unknown[:5])}）。"
            "バックアップを作成した版のプログラムで復元してください。"
        )
    data_dir = _data_dir()
    if not force:
        _target_empty_check(target, engine, data_dir, verified.file_names)

    staging = data_dir / f"{files.STAGING_PREFIX}{backup.backup_id}-{secrets.token_hex(4)}"
    try:
        names = files.tar_extract(part_plaintext(backup, FILES_PART), staging)
        if engine == "postgresql":
            database.postgresql_restore(part_plaintext(backup, DATABASE_PART), target, clean=force)
        else:
            if not database_url:
                connections["default"].close()  # the configured database is the one replaced
            database.sqlite_restore(part_plaintext(backup, DATABASE_PART), Path(target["NAME"]))
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    files.staged_files_install(staging, data_dir, names)

    detail = {"created_at": manifest["created_at"], "engine": engine, "file_count": len(names), "forced": force}
    with database.default_database(target):
        _record(AccessAction.IMPORT, AccessResult.SUCCESS, RESTORE_ACTOR, backup.backup_id, path.name, detail)
        pending = database.pending_migrations(manifest["migrations"])
    return RestoreResult(
        path=path,
        backup_id=backup.backup_id,
        database=str(target["NAME"]),
        files=len(names),
        seconds=time.monotonic() - started,
        pending_migrations=pending,
    )


def _target_empty_check(target: dict, engine: str, data_dir: Path, names: list[str]) -> None:
    # A restore over live data would silently replace it: it takes an explicit --force.
    if engine == "postgresql":
        empty = database.postgresql_is_empty(target)
    else:
        empty = database.sqlite_is_empty(Path(target["NAME"]))
    if not empty:
        raise BackupError(
            f"復元先のデータベース「{target['NAME']}」は空ではありません。"
            "空のデータベースを指定するか、上書きする場合は --force を付けてください。"
        )
    present = [name for name in names if (data_dir / name).exists()]
    if present:
        raise BackupError(
            f"データディレクトリ {data_dir} に同じ名前のファイルが既にあります（{len(present)} 件、例: {present[0]}）。"
            "上書きする場合は --force を付けてください。"
        )
