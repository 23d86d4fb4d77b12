"""Who runs a production job now: an attempt claims the job under a row lock and holds a lease it renews
between chunks; only the attempt that still owns the job may end it (exactly once, issue 5)."""

import time
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from anonymizer.enums import JobStatus
from anonymizer.models import DatasetJob
from anonymizer.services.common import (
    JobCancelled,
    Superseded,
)
from anonymizer.workflow import transition
from portal.notifications import notify


@dataclass
class Claim:
    job: DatasetJob
    attempt: int


class _Heartbeat:
    """The engine's progress callback: renews the lease, shows progress, stops on cancel or takeover."""

    def __init__(self, claim: Claim):
        self.claim = claim
        self.last = 0.0
        self.share = 0.0

    def __call__(self, share: float | None) -> None:
        if share is not None:
            self.share = share
        now = time.monotonic()
        if now - self.last < settings.ANONYMIZER_HEARTBEAT_SECONDS and share not in (0.0, 1.0):
            return
        self.last = now
        self.beat(min(int(self.share * 95), 95))  # the last 5 %: encrypting and publishing

    def beat(self, percent: int) -> None:
        lease = timezone.now() + timedelta(seconds=settings.ANONYMIZER_JOB_LEASE_SECONDS)
        updated = DatasetJob.objects.filter(
            pk=self.claim.job.pk, status=JobStatus.RUNNING, attempts=self.claim.attempt
        ).update(progress=percent, lease_until=lease)
        if not updated:
            raise Superseded
        if DatasetJob.objects.filter(pk=self.claim.job.pk, cancel_requested_at__isnull=False).exists():
            raise JobCancelled


def _end_attempt(claim: Claim, status: str, reason: str, report: dict | None = None) -> DatasetJob | None:
    """End the job as failed or cancelled — only if this attempt still owns it (a lost lease means another
    attempt runs it now, and its outcome is not ours to decide)."""
    with transaction.atomic():
        job = DatasetJob.objects.select_for_update().get(pk=claim.job.pk)
        if job.status != JobStatus.RUNNING or job.attempts != claim.attempt:
            return None
        if status == JobStatus.FAILED:
            return _finish_failed(job, reason, report)
        job = transition(job, status, reason=reason)
        job.finished_at, job.lease_until = timezone.now(), None
        job.save(update_fields=["finished_at", "lease_until"])
        return job


def _finish_failed(job: DatasetJob, failure: str, report: dict | None = None) -> DatasetJob:
    job = transition(job, JobStatus.FAILED, reason=failure[:500])
    job.failure, job.report, job.finished_at, job.lease_until = failure, report, timezone.now(), None
    job.save(update_fields=["failure", "report", "finished_at", "lease_until"])
    for manager in _managers_of(job):
        notify(user=manager, template="dataset_job_failed", context={"job": job})
    return job


def _managers_of(job: DatasetJob) -> list:
    from contracts.services import incident_recipients  # the chief managers and the file's protection managers

    return incident_recipients(job.contract)
