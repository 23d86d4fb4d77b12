"""The database part: pg_dump / pg_restore on PostgreSQL, the online backup API on SQLite.

Plaintext never touches the disk on the way out: pg_dump writes its custom-format archive to a pipe that
is encrypted as it is read; SQLite is copied page by page into memory (sqlite3 backup API) and serialised.
Connection data goes to pg_dump / pg_restore in the environment (PGPASSWORD …), never on a command line.
"""

import os
import shutil
import sqlite3
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from portal.backup.container import BackupError

CHUNK = 1024 * 1024
POSTGRESQL = "django.db.backends.postgresql"
SQLITE = "django.db.backends.sqlite3"
ENGINE_NAMES = {POSTGRESQL: "postgresql", SQLITE: "sqlite"}
_PG_OPTIONS = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "passfile": "PGPASSFILE",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "service": "PGSERVICE",
}


def engine_name(config: dict) -> str:
    try:
        return ENGINE_NAMES[config["ENGINE"]]
    except KeyError:
        engine = config.get("ENGINE")
        raise BackupError(f"データベースエンジン {engine!r} のバックアップには対応していません。") from None


def pg_environment(config: dict) -> dict[str, str]:
    """The libpq environment for `config`: the password travels here, never in argv (ps shows argv)."""
    environment = dict(os.environ)  # libpq variables the operator set apply, as they do to Django's connection
    for setting, variable in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if config.get(setting):
            environment[variable] = str(config[setting])
    for option, variable in _PG_OPTIONS.items():
        if config.get("OPTIONS", {}).get(option):
            environment[variable] = str(config["OPTIONS"][option])
    environment["PGDATABASE"] = str(config["NAME"])
    environment["PGAPPNAME"] = "portal-backup"
    return environment


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} が見つかりません（PostgreSQL のクライアントを、サーバと同じ版で入れてください）。")
    return path


def _stderr_tail(stream) -> str:
    stream.seek(0)
    lines = stream.read().decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else "（メッセージなし）"


def database_dump(config: dict) -> Iterator[bytes]:
    """The plaintext dump of the database described by `config`, as chunks; BackupError on failure."""
    if config["ENGINE"] == POSTGRESQL:
        yield from _pg_dump(config)
    else:
        yield from _sqlite_dump()


def _pg_dump(config: dict) -> Iterator[bytes]:
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(  # noqa: S603 - a fixed program; the database name is one argument
                [_program("pg_dump"), "--format=custom", "--no-password", "--dbname", str(config["NAME"])],
                stdout=subprocess.PIPE,
                stderr=errors,
                env=pg_environment(config),
            )
        except OSError as error:
            raise BackupError(f"pg_dump を実行できません（{error.strerror or error}）。") from None
        try:
            while chunk := process.stdout.read(CHUNK):
                yield chunk
        except BaseException:
            # The consumer stopped early (an error downstream): do not leave pg_dump running.
            _kill(process)
            raise
        finally:
            process.stdout.close()
        returncode = process.wait()
        if returncode != 0:
            raise BackupError(f"pg_dump が失敗しました（終了コード {returncode}）: {_stderr_tail(errors)}")


def _kill(process: subprocess.Popen) -> int:
    process.kill()
    return process.wait()


def _sqlite_dump() -> Iterator[bytes]:
    # Django's own connection is the source, so this also works for a database in memory (the tests).
    connection = connections["default"]
    connection.ensure_connection()
    memory = sqlite3.connect(":memory:")
    try:
        connection.connection.backup(memory)
        data = memory.serialize()
    except sqlite3.Error as error:
        raise BackupError(f"SQLite のバックアップに失敗しました（{error}）。") from None
    finally:
        memory.close()
    view = memoryview(data)
    for start in range(0, len(view), CHUNK):
        yield bytes(view[start : start + CHUNK])


def applied_migrations() -> list[str]:
    """'app.name' of every migration applied to the default database, sorted."""
    applied = MigrationRecorder(connections["default"]).applied_migrations()
    return sorted(f"{app}.{name}" for app, name in applied)


def _known_migrations() -> set[str]:
    return {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}


def unknown_migrations(names: Iterable[str]) -> list[str]:
    """The migrations in `names` that this code does not have (a backup of a newer version)."""
    return sorted(set(names) - _known_migrations())


def pending_migrations(names: Iterable[str]) -> int:
    """How many migrations of this code are not in `names` (run `migrate` after the restore)."""
    return len(_known_migrations() - set(names))


@contextmanager
def default_database(config: dict):
    """Point the default connection at `config` for the block (the restore's target), then put it back.

    The original connection object is kept aside, not closed: an in-memory SQLite test database lives only
    as long as its connection.
    """
    original_settings = connections.settings["default"]
    original = connections["default"]
    connections.settings["default"] = connections.configure_settings({"default": dict(config)})["default"]
    target = connections.create_connection("default")
    connections["default"] = target
    try:
        yield target
    finally:
        target.close()
        connections["default"] = original
        connections.settings["default"] = original_settings


def sqlite_is_empty(path: Path) -> bool:
    if not path.exists():
        return True
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as database:
            count = database.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
    except sqlite3.Error as error:
        raise BackupError(f"復元先の SQLite ファイル {path} を読めません（{error}）。") from None
    return count == 0


def postgresql_is_empty(config: dict) -> bool:
    try:
        with default_database(config) as target:
            return not target.introspection.table_names()
    except DatabaseError as error:
        raise BackupError(
            f"復元先のデータベース「{config.get('NAME')}」に接続できません（{str(error).strip().splitlines()[0]}）。"
        ) from None


def postgresql_restore(chunks: Iterable[bytes], config: dict, *, clean: bool) -> None:
    """Feed the dump to pg_restore in ONE transaction: a failure anywhere leaves the target as it was."""
    command = [_program("pg_restore"), "--single-transaction", "--exit-on-error", "--no-password"]
    if clean:
        command += ["--clean", "--if-exists"]
    command += ["--dbname", str(config["NAME"])]
    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(  # noqa: S603 - a fixed program; the database name is one argument
                command, stdin=subprocess.PIPE, stderr=errors, env=pg_environment(config)
            )
        except OSError as error:
            raise BackupError(f"pg_restore を実行できません（{error.strerror or error}）。") from None
        try:
            for chunk in chunks:
                process.stdin.write(chunk)
            process.stdin.close()
        except BrokenPipeError:
            pass  # pg_restore stopped on an error: its exit code and message say which
        except BaseException:
            # The backup failed its check half-way: kill pg_restore before it commits anything.
            _kill(process)
            raise
        returncode = process.wait()
        if returncode != 0:
            raise BackupError(
                f"pg_restore が失敗しました（終了コード {returncode}、復元先は変更されていません）: "
                f"{_stderr_tail(errors)}"
            )


def sqlite_restore(chunks: Iterable[bytes], path: Path) -> None:
    """Write the database beside `path` under a temporary name, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".restoring", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        # A journal of the database being replaced must not be replayed into the restored one.
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
