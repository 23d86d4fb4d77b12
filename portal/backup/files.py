"""The files part: the data dir (PORTAL_DATA_DIR) as a tar stream, and its checked extraction.

Backed up: everything under the data dir that the portal keeps (protected storage with the encrypted
source files and documents, the exported access-chain heads and access-record archives, …). Left out:
what is rebuilt or transient (the server-less broker's queues, task results, collected static files), the
SQLite database files (the database part holds them) and the restore's own staging folders.

The tar stream is generated here, header by header (tarfile.TarInfo.tobuf), so a file is read in 1 MiB
chunks and never assembled in memory or on disk.
"""

import os
import shutil
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from portal.backup.container import BackupError, ChunkReader

CHUNK = 1024 * 1024
# Rebuilt or transient: broker/ (the file-system broker's queues), results/ (Celery results), static/;
# never copied (seed 004 第17条): tmp/ (plaintext upload spools) and work/ (the anonymizer's plaintext copies).
EXCLUDED_TOP = frozenset({"broker", "results", "static", "tmp", "work"})
STAGING_PREFIX = ".restore-"
_SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def excluded_paths(database_config: dict) -> set[Path]:
    """The SQLite database files of `database_config` (backed up as the database part)."""
    if database_config.get("ENGINE") != "django.db.backends.sqlite3":
        return set()
    name = str(database_config.get("NAME") or "")
    if not name or name.startswith("file:") or name == ":memory:":
        return set()
    return {Path(f"{Path(name).resolve()}{suffix}") for suffix in _SQLITE_SUFFIXES}


def data_files(data_dir: Path, *, excluded: set[Path]) -> list[str]:
    """Relative POSIX names of the regular files to back up, sorted (symbolic links are not followed)."""
    names = []
    for root, directories, files in os.walk(data_dir):
        here = Path(root)
        if here == data_dir:
            directories[:] = [name for name in directories if name not in EXCLUDED_TOP]
        directories[:] = sorted(name for name in directories if not name.startswith(STAGING_PREFIX))
        for name in files:
            path = here / name
            if path.is_file() and not path.is_symlink() and path.resolve() not in excluded:
                names.append(path.relative_to(data_dir).as_posix())
    return sorted(names)


def tar_stream(data_dir: Path, names: Iterable[str]) -> Iterator[bytes]:
    """A POSIX (pax) tar of `names` under `data_dir`, generated chunk by chunk."""
    total = 0
    for name in names:
        path = data_dir / name
        try:
            with open(path, "rb") as file:
                status = os.fstat(file.fileno())
                info = tarfile.TarInfo(name)
                info.size = status.st_size
                info.mtime = int(status.st_mtime)
                info.mode = status.st_mode & 0o777
                header = info.tobuf(tarfile.PAX_FORMAT, "utf-8", "surrogateescape")
                yield header
                remaining = info.size
                while remaining:
                    chunk = file.read(min(CHUNK, remaining))
                    if not chunk:
                        raise BackupError(f"{name} が読み取り中に短くなりました。もう一度バックアップしてください。")
                    remaining -= len(chunk)
                    yield chunk
        except OSError as error:
            raise BackupError(f"{name} を読めません（{error.strerror or error}）。") from None
        padding = -info.size % tarfile.BLOCKSIZE
        yield b"\0" * padding
        total += len(header) + info.size + padding
    end = 2 * tarfile.BLOCKSIZE
    end += -(total + end) % tarfile.RECORDSIZE
    yield b"\0" * end


def tar_names(chunks: Iterable[bytes], data_dir: Path) -> list[str]:
    """Read the whole tar stream and return its member names; BackupError on anything but plain files
    that stay inside `data_dir` (Python's "data" extraction filter decides)."""
    reader = ChunkReader(chunks)
    names = []
    try:
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for member in archive:
                _check_member(member, data_dir)
                names.append(member.name)
    except tarfile.TarError as error:
        raise BackupError(f"ファイルの部分が壊れています（{error}）。") from None
    reader.drain()
    return names


def _check_member(member: tarfile.TarInfo, data_dir: Path) -> None:
    if not member.isreg():
        raise BackupError(f"ファイルの部分に通常のファイル以外のもの（{member.name}）が含まれています。")
    try:
        # The backup writes relative names only: a name the filter would have to rewrite is refused too.
        if tarfile.data_filter(member, str(data_dir)).name != member.name:
            raise BackupError(f"ファイルの部分に置けない名前（{member.name}）があります。")
    except tarfile.FilterError as error:
        raise BackupError(f"ファイルの部分に置けない名前があります（{error}）。") from None


def tar_extract(chunks: Iterable[bytes], staging: Path) -> list[str]:
    """Extract the tar stream into `staging` (a new folder); the caller moves the files into place."""
    reader = ChunkReader(chunks)
    names = []
    staging.mkdir(mode=0o700)
    try:
        with tarfile.open(fileobj=reader, mode="r|") as archive:
            for member in archive:
                _check_member(member, staging)
                archive.extract(member, staging, filter="data")
                names.append(member.name)
    except tarfile.TarError as error:
        raise BackupError(f"ファイルの部分が壊れています（{error}）。") from None
    reader.drain()
    return names


def staged_files_install(staging: Path, data_dir: Path, names: Iterable[str]) -> None:
    """Rename the extracted files from `staging` into `data_dir` (same file system), then drop staging."""
    for name in names:
        target = data_dir / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    shutil.rmtree(staging, ignore_errors=True)
