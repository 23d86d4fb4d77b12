"""A real Celery worker killed (SIGKILL) in the middle of a dataset job: no partial and no duplicate
dataset, and the job is finished exactly once by the next worker (issue 5: exactly once, nothing partial).

Needs PostgreSQL (the worker is another process and must see the test database) and the configured
broker (Redis in CI)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from anonymizer import services
from anonymizer.enums import DatasetFileKind, JobStatus
from anonymizer.models import AnonymizedDataset, DatasetJob
from tests.contracts.helpers import concluded_contract
from tests.factories.anonymizer import dry_run_done, prepare_entry, request_for

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 3

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker process needs a shared database"),
]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{user}{password}@{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_worker(log) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings_test",
        "DATABASE_URL": _database_url(),
        "PORTAL_DATA_DIR": str(settings.DATA_DIR),
        "ANONYMIZER_WORK_DIR": str(settings.ANONYMIZER_WORK_DIR),
        "ANONYMIZER_JOB_LEASE_SECONDS": str(LEASE_SECONDS),
        "ANONYMIZER_HEARTBEAT_SECONDS": "0",
        "ANONYMIZER_CHUNK_ROWS": "5000",
        "ANONYMIZER_HOLD_MB": "0",  # every raw value waits on disk: the kill also leaves a spill file behind
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: SIGKILL reaches everything it started
    )


def stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def workers(tmp_path):
    started = []

    def start():
        process = start_worker(open(tmp_path / f"worker-{len(started)}.log", "wb"))  # noqa: SIM115
        started.append(process)
        return process

    yield start
    for process in started:
        stop(process)
    for log in sorted(tmp_path.glob("worker-*.log")):
        print(log.name, log.read_text(errors="replace")[-3000:])


def test_a_worker_killed_mid_job_leaves_nothing_partial_and_the_job_completes_once(
    real_broker, workers, chief_manager, protection_manager
):
    contract = concluded_contract(chief_manager)
    entry = contract.proposal.entry
    entry.subject_count = 1_000_000
    entry.save(update_fields=["subject_count"])
    prepare_entry(entry, protection_manager, rows=400_000)
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    first = workers()
    real_broker.send_task(services.CREATE_DATASET_TASK, kwargs={"contract_id": contract.pk})

    # Arrange the kill in the middle: the job is running and the engine is past its first chunks.
    job = wait_for(
        lambda: DatasetJob.objects.filter(contract=contract, status=JobStatus.RUNNING, progress__gte=1).first(),
        timeout=120,
        what="the job to be running",
    )
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)

    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING  # killed: nobody finished it
    assert job.progress < 100
    assert not AnonymizedDataset.objects.filter(contract=contract).exists()  # nothing partial was published

    # The lease runs out; the periodic resume queues the job again; a new worker takes it over.
    time.sleep(LEASE_SECONDS + 0.5)
    workers()
    assert services.dataset_jobs_resume() == 1
    job = wait_for(
        lambda: DatasetJob.objects.filter(
            contract=contract, status__in=[JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED]
        ).first(),
        timeout=180,
        what="the job to end after the restart",
    )
    services.work_sweep()

    assert job.status == JobStatus.SUCCEEDED, job.failure
    dataset = AnonymizedDataset.objects.get(contract=contract)
    csv = dataset.files.get(kind=DatasetFileKind.CSV)
    body = b"".join(services.dataset_file_read(file=csv))
    assert job.attempts == 2
    assert AnonymizedDataset.objects.filter(contract=contract).count() == 1
    assert dataset.files.count() == len(DatasetFileKind.values)
    assert body.count(b"\n") == dataset.rows + 1  # header + every row: the whole file
    assert __import__("hashlib").sha256(body).hexdigest() == csv.sha256
    assert list(Path(settings.ANONYMIZER_WORK_DIR).iterdir()) == []  # no plaintext copy left behind
