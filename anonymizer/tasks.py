"""Celery tasks of the anonymizer: stable names, keyword arguments, idempotent (anonymizer/services/)."""

import logging

from celery import shared_task
from celery.signals import worker_ready

logger = logging.getLogger(__name__)


@shared_task(name="anonymizer.create_dataset", acks_late=True, reject_on_worker_lost=True)
def create_dataset(*, contract_id: int) -> str | None:
    """Create the dataset of a concluded contract (exactly once; a second delivery of the task is a no-op)."""
    from anonymizer.services import dataset_job_execute

    job = dataset_job_execute(contract_id=contract_id)
    return job.status if job is not None else None


@shared_task(name="anonymizer.dry_run", acks_late=True, reject_on_worker_lost=True)
def dry_run(*, dry_run_id: int) -> str:
    """Run a screening dry run (審査基準③) on the real source file; keeps the report only."""
    from anonymizer.services import dry_run_execute

    return dry_run_execute(dry_run_id=dry_run_id).status


@shared_task(name="anonymizer.resume_dataset_jobs")
def resume_dataset_jobs() -> int:
    """Queue again the jobs whose worker died (periodic)."""
    from anonymizer.services import dataset_jobs_resume

    return dataset_jobs_resume()


@shared_task(name="anonymizer.sweep_work")
def sweep_work(trigger: str = "daily") -> dict:
    """Remove temporary copies and unreferenced files that dead attempts left (daily and at worker start)."""
    from anonymizer.services import work_sweep

    return work_sweep(trigger=trigger)


@worker_ready.connect
def sweep_at_worker_start(sender=None, **kwargs) -> None:
    # seed 004 第17条: a crash can leave plaintext copies behind; a starting worker removes them. Only a
    # worker that runs jobs (default queue) does: the archive worker's database role cannot read jobs.
    app = sender.app
    if app.conf.task_default_queue not in app.amqp.queues.consume_from:
        return
    try:
        result = sweep_work(trigger="worker_start")
    except Exception:  # a sweep must never keep a worker from starting
        logger.exception("anonymizer: the sweep at worker start failed")
    else:
        logger.info("anonymizer: swept at worker start: %s", result)
