"""Sealing and publishing a job's outputs: the processing secrets locked away apart from the dataset, and the
one transaction that creates the dataset, its files and the register's 概要 (法117)."""

import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from anonymizer import engine
from anonymizer.enums import JobStatus
from anonymizer.models import AnonymizedDataset, DatasetFile, DatasetJob, ProcessingSecret
from anonymizer.outputs import manifest_summary
from anonymizer.services.attempts import (
    Claim,
    _end_attempt,
)
from anonymizer.services.common import (
    JobCancelled,
    Superseded,
    _remove,
    _stored,
)
from anonymizer.workflow import transition
from files_registry.models import AnonymizedDatasetSummary, AnonymizedDatasetSummaryItem
from portal import crypto
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.notifications import notify


class _NotCompliant(Exception):
    def __init__(self, report: dict):
        super().__init__("not compliant")
        self.report = report


def _seal_secret(record: engine.SecretRecord, dataset_id: uuid.UUID, written: list[Path]) -> ProcessingSecret:
    """The processing secrets, encrypted under their own key in the vault folder, apart from the dataset."""
    secret = ProcessingSecret(plan_digest=record.plan_digest)
    body = record.to_json()
    secret.size = len(body)
    secret.stored_name = f"anonymizer/vault/{dataset_id.hex}-{secret.public_id.hex}.enc"
    data_key = crypto.new_data_key()
    wrapped = crypto.wrap(data_key, context=secret.key_context)
    target = _stored(secret.stored_name)
    written.append(target)
    crypto.encrypt_to_file([body], target, data_key)
    secret.key_id, secret.wrapped_key = wrapped.key_id, wrapped.blob
    return secret


def _publish(claim: Claim, dataset_id, report: dict, files: list, secret: ProcessingSecret) -> DatasetJob | None:
    """The one transaction in which the dataset appears: only if this attempt still owns the job."""
    written = [_stored(f.stored_name) for f in files] + [_stored(secret.stored_name)]
    try:
        with transaction.atomic():
            job = DatasetJob.objects.select_for_update().get(pk=claim.job.pk)
            if job.status != JobStatus.RUNNING or job.attempts != claim.attempt:
                raise Superseded
            if job.cancel_requested_at is not None:
                raise JobCancelled
            contract = job.contract
            proposal = contract.proposal
            dataset = AnonymizedDataset.objects.create(
                public_id=dataset_id,
                job=job,
                contract=contract,
                entry=proposal.entry,
                rows=report["rows"]["output"],
                subject_count=report["data_subjects"]["count"],
                plan_digest=report["plan"]["digest"],
                manifest=manifest_summary(files, report),
            )
            for record in files:
                record.dataset = dataset
            DatasetFile.objects.bulk_create(files)
            secret.dataset, secret.entry = dataset, proposal.entry
            secret.save()
            if proposal.is_existing_dataset:
                dataset.summary = proposal.dataset_summary
            else:
                dataset.summary = _publish_summary(dataset, job.plan, report)
            dataset.save(update_fields=["summary"])
            job = transition(job, JobStatus.SUCCEEDED, reason=f"第{claim.attempt}回の実行で作成")
            job.progress, job.report, job.finished_at, job.lease_until = 100, report, timezone.now(), None
            job.save(update_fields=["progress", "report", "finished_at", "lease_until"])
            access_record(
                actor=None,
                action=AccessAction.CREATE,
                result=AccessResult.SUCCESS,
                obj=dataset,
                username="system:anonymizer",
                detail={"rows": dataset.rows, "files": len(files)},
            )
            notify(user=proposal.proposer.user, template="dataset_ready", context={"contract": contract})
            return job
    except (Superseded, IntegrityError):
        # Another attempt published first (the DB allows one dataset per contract): ours goes.
        _remove(written)
        return None
    except JobCancelled:
        _remove(written)
        return _end_attempt(claim, JobStatus.CANCELLED, "担当者の指示による中止")


def _publish_summary(dataset: AnonymizedDataset, plan: dict, report: dict) -> AnonymizedDatasetSummary:
    """法117 (seed 002 3-4): the register shows the dataset's 本人の数, its items and how each was processed,
    and the period in which proposals on it may be made (法118)."""
    from anonymizer.describe import describe_column

    today = timezone.localdate()
    summary = AnonymizedDatasetSummary.objects.create(
        entry=dataset.entry,
        subject_count=dataset.subject_count,
        created_on=today,
        proposal_period_start=today,
        proposal_period_end=today + timedelta(days=settings.ANONYMIZER_PROPOSAL_PERIOD_DAYS),
    )
    position = 0
    for column in plan.get("columns", []):
        if any(step.get("op") == "drop" for step in column.get("steps", [])):
            continue
        position += 1
        AnonymizedDatasetSummaryItem.objects.create(
            summary=summary, position=position, name=column["name"], processing=describe_column(column)[:200]
        )
    return summary
