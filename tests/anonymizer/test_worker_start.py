"""A real Celery worker sweeps what a crash left before it takes any task (seed 004 第17条): the
anonymizer's plaintext work folders and old upload spool files. The archive worker, which consumes only
the archive queue as the archiver database role, sweeps upload spools but leaves jobs alone, and runs the
archive that beat queues (docs/access-records.md).

Needs PostgreSQL (the worker is another process and must see the test database) and the configured
broker (Redis in CI)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests.anonymizer.test_worker_kill import ROOT, _database_url, stop

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="the worker process needs a shared database",
    ),
]

SWEPT_WORK = "anonymizer: swept at worker start"
SWEPT_UPLOADS = "uploads: swept 1 temporary upload file(s) left over at worker start"


@pytest.fixture
def start_worker(tmp_path):
    started = []

    def start(*queues: str) -> tuple[subprocess.Popen, Path]:
        log_path = tmp_path / f"worker-{len(started)}.log"
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "portal.settings_test",
            "DATABASE_URL": _database_url(),
            "PORTAL_DATA_DIR": str(settings.DATA_DIR),
            "ANONYMIZER_WORK_DIR": str(settings.ANONYMIZER_WORK_DIR),
        }
        command = [sys.executable, "-m", "celery", "-A", "portal", "worker", "--pool=solo", "--loglevel=INFO"]
        command += ["--without-heartbeat", "--without-mingle", "--without-gossip"]
        if queues:
            command += ["-Q", ",".join(queues)]
        with log_path.open("wb") as log:
            process = subprocess.Popen(  # noqa: S603
                command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        started.append((process, log_path))
        return process, log_path

    yield start
    for process, log_path in started:
        stop(process)
        print(log_path.name, log_path.read_text(errors="replace")[-3000:])


@pytest.fixture
def leftovers():
    """A plaintext work folder of an attempt nobody runs, and two upload spools: one from a crash hours
    ago, one of an upload that may still be running."""
    work = Path(settings.ANONYMIZER_WORK_DIR) / f"job-{uuid.uuid4().hex}-1"
    work.mkdir(parents=True)
    (work / "source.csv").write_text("氏名,住所\n")
    spools = Path(settings.FILE_UPLOAD_TEMP_DIR)
    old, fresh = spools / "old.upload.csv", spools / "fresh.upload.csv"
    for path in (old, fresh):
        path.write_text("氏名,住所\n")
    hours_ago = time.time() - settings.UPLOAD_TEMP_MAX_AGE_SECONDS - 60
    os.utime(old, (hours_ago, hours_ago))
    yield work, old, fresh
    for path in (old, fresh, work / "source.csv"):
        path.unlink(missing_ok=True)
    if work.exists():
        work.rmdir()


def _log_lines(log_path: Path) -> list[str]:
    return log_path.read_text(errors="replace").splitlines()


def _index(lines: list[str], text: str) -> int:
    return next(number for number, line in enumerate(lines) if text in line)


def test_a_starting_worker_sweeps_leftovers_before_its_first_task(real_broker, start_worker, leftovers):
    work, old, fresh = leftovers
    queued = real_broker.send_task("portal.worker_health")  # waiting in the queue before the worker starts

    _, log_path = start_worker()
    assert queued.get(timeout=60)["ok"] is True

    lines = _log_lines(log_path)
    assert _index(lines, SWEPT_WORK) < _index(lines, "ready.") < _index(lines, "Task portal.worker_health")
    assert _index(lines, SWEPT_UPLOADS) < _index(lines, "Task portal.worker_health")
    assert not work.exists()
    assert (old.exists(), fresh.exists()) == (False, True)


def test_the_archive_worker_runs_the_archive_and_leaves_jobs_alone(real_broker, start_worker, leftovers):
    work, old, fresh = leftovers

    _, log_path = start_worker(settings.AUDIT_ARCHIVE_QUEUE)
    result = real_broker.send_task("audit.archive_access_records").get(timeout=60)  # routed by name

    assert result == {"archived": 0}  # nothing is past the retention period
    lines = _log_lines(log_path)
    assert not any(SWEPT_WORK in line for line in lines)
    assert work.exists()  # the anonymizer's sweep belongs to the workers that run jobs
    assert _index(lines, SWEPT_UPLOADS) < _index(lines, "Task audit.archive_access_records")
    assert (old.exists(), fresh.exists()) == (False, True)
