"""The private work folders where a dry run or a job attempt keeps its plaintext copy (seed 004 第17条:
temporary copies minimal, removed when done, and swept after a crash).

A folder is named after what uses it — ``dryrun-<dry run id>-<random>`` or ``job-<job id>-a<attempt>-<random>``
— and holds an ``.owner`` file naming the host and process (with the process's start time, so a reused
process id is not mistaken for the owner). The sweep removes a folder only when its user is over: the dry
run no longer runs, or the attempt no longer owns its job (another attempt took over, or the job ended), or
the owning process on this host is gone. An attempt whose lease ran out but that still owns its job and
runs is left alone: a long phase without a heartbeat must not lose its files.
"""

import contextlib
import json
import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

OWNER_FILE = ".owner"


def work_root() -> Path:
    """Where plaintext copies live while a job runs (seed 004 第17条: minimal, removed, swept)."""
    return Path(settings.ANONYMIZER_WORK_DIR)


def dry_run_label(public_id: uuid.UUID) -> str:
    return f"dryrun-{public_id.hex}"


def job_label(public_id: uuid.UUID, attempt: int) -> str:
    return f"job-{public_id.hex}-a{attempt}"


@contextlib.contextmanager
def workspace(label: str) -> Iterator[Path]:
    """A private folder (mode 0700) for one attempt, with its owner recorded; removed when the attempt ends
    however it ends."""
    folder = work_root() / f"{label}-{uuid.uuid4().hex}"
    folder.mkdir(parents=True, mode=0o700)
    try:
        (folder / OWNER_FILE).write_text(json.dumps(_this_process()), encoding="utf-8")
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def work_folders_sweep(*, job_attempts: dict[str, int], running_dry_runs: set[str]) -> int:
    """Remove the work folders nobody uses any more; returns how many.

    ``job_attempts``: the hex id of every running job → the attempt that owns it; ``running_dry_runs``: the hex
    ids of the running dry runs. Callers read these first: an attempt records that it runs before it makes
    its folder, so every folder listed afterwards has its record in what was read.
    """
    root = work_root()
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.iterdir():
        if _in_use(folder, job_attempts, running_dry_runs):
            continue
        _remove(folder)
        removed += 1
    return removed


def earlier_attempts_remove(public_id: uuid.UUID, attempt: int) -> int:
    """Remove the folders of the job's attempts before ``attempt`` (called by the attempt that took the job
    over: the earlier ones no longer own it, whatever their lease said)."""
    root = work_root()
    if not root.is_dir():
        return 0
    removed = 0
    for folder in root.glob(f"job-{public_id.hex}-*"):
        if not folder.name.startswith(job_label(public_id, attempt) + "-"):
            _remove(folder)
            removed += 1
    return removed


def _in_use(folder: Path, job_attempts: dict[str, int], running_dry_runs: set[str]) -> bool:
    kind, _, rest = folder.name.partition("-")
    public_hex, _, rest = rest.partition("-")
    if kind == "job" and public_hex in job_attempts:
        attempt = rest.partition("-")[0]
        # a folder without an attempt number (made before they were recorded) belongs to the running attempt
        owned = not attempt.startswith("a") or attempt == f"a{job_attempts[public_hex]}"
    elif kind == "dryrun":
        owned = public_hex in running_dry_runs
    else:
        owned = False
    return owned and _owner_alive(folder)


def _owner_alive(folder: Path) -> bool:
    """False only when the folder's owner is known to be a process of this host that has ended."""
    try:
        owner = json.loads((folder / OWNER_FILE).read_text(encoding="utf-8"))
        host, pid, started = owner["host"], int(owner["pid"]), owner.get("started")
    except (OSError, ValueError, KeyError, TypeError):
        return True  # unknown owner: the records decide
    if host != socket.gethostname():
        return True  # another host's process: the records decide
    if started is not None:
        return _process_started(pid) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _this_process() -> dict:
    pid = os.getpid()
    return {"host": socket.gethostname(), "pid": pid, "started": _process_started(pid)}


def _process_started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), None where it cannot be read."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)
