"""The production job of a concluded contract: created with its plan, run by an attempt, cancelled or
restarted by staff, resumed after a dead worker; and the sweep of what a crash left (seed 004 第17条)."""

import logging
import os
import shutil
import socket
import time
import uuid
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from anonymizer import engine
from anonymizer.dry_runs import latest_version_dry_runs, matching_dry_run
from anonymizer.engine.plan import plan_digest
from anonymizer.enums import DryRunStatus, JobStatus
from anonymizer.models import AnonymizedDataset, DatasetFile, DatasetJob, DryRun, ProcessingSecret
from anonymizer.outputs import NotDeliverable, outputs_seal
from anonymizer.plans import PlanUnavailable, mode_messages
from anonymizer.services.attempts import (
    Claim,
    _end_attempt,
    _finish_failed,
    _Heartbeat,
)
from anonymizer.services.common import (
    CREATE_DATASET_TASK,
    NO_SCREENING_DRY_RUN,
    PLAN_DIFFERS_FROM_SCREENING,
    AnonymizerError,
    JobCancelled,
    Superseded,
    _plaintext_source,
    _remove,
    _run_engine,
    _stored,
)
from anonymizer.services.publish import (
    _NotCompliant,
    _publish,
    _seal_secret,
)
from anonymizer.services.screening import (
    proposal_plan,
)
from anonymizer.workflow import transition
from anonymizer.workspace import (
    earlier_attempts_remove,
    job_label,
    work_folders_sweep,
    workspace,
)
from files_registry.sources import source_file_latest
from portal import crypto
from portal.accounts.roles import organizations_managed_by
from portal.notifications import outbox_enqueue
from portal.sweeps import sweep_record
from portal.workflow import actor_name

logger = logging.getLogger(__name__)


def _existing_dataset_plan(proposal) -> dict:
    """法118: the dataset already created is made again for the new recipient (same plan, new keys)."""
    previous = (
        AnonymizedDataset.objects.filter(summary=proposal.dataset_summary_id)
        .select_related("job")
        .order_by("created_at")
        .first()
    )
    if previous is None:
        raise PlanUnavailable(["提案の対象の行政機関等匿名加工情報の作成記録が見つかりません。"])
    return previous.job.plan


def _screened_plan_digest(proposal, plan: dict) -> str:
    """The digest of the plan screening checked (see DatasetJob): a completed dry run of the proposal's latest
    version with `plan` itself, else that version's newest completed dry run (法118: the plan of the dataset
    made before); '' when there is none."""
    if proposal.is_existing_dataset:
        previous = AnonymizedDataset.objects.filter(summary=proposal.dataset_summary_id).order_by("created_at")
        return previous.values_list("plan_digest", flat=True).first() or ""
    runs = latest_version_dry_runs(proposal)
    run = matching_dry_run(runs, plan_digest(plan)) or (runs[0] if runs else None)
    return run.plan_digest if run is not None else ""


@transaction.atomic
def job_for_contract(*, contract) -> DatasetJob:
    """The contract's job, created on first call from the proposal (QUEUED, or NEEDS_PLAN when staff
    must complete the plan, or FAILED with the reason when no plan can be built). It records the digest
    of the plan screening's dry run checked (see DatasetJob)."""
    existing = DatasetJob.objects.filter(contract=contract).first()
    if existing is not None:
        return existing
    proposal = contract.proposal
    notes, needs_review, failure, plan = [], False, "", {}
    try:
        if proposal.is_existing_dataset:
            plan = _existing_dataset_plan(proposal)
        else:
            built = proposal_plan(proposal)
            plan, notes, needs_review = built.plan, built.notes, built.needs_review
    except PlanUnavailable as exc:
        failure = " ".join(exc.messages)
    try:
        with transaction.atomic():  # a savepoint: two first calls at once, one creates
            job = DatasetJob.objects.create(
                contract=contract,
                plan=plan,
                notes=notes,
                failure=failure,
                screened_plan_digest=_screened_plan_digest(proposal, plan),
            )
    except IntegrityError:
        return DatasetJob.objects.get(contract=contract)
    if needs_review:
        job = transition(job, JobStatus.NEEDS_PLAN, reason=notes[-1] if notes else "")
    elif failure:
        job = transition(job, JobStatus.RUNNING, reason="処理計画の作成")
        job = _finish_failed(job, failure)
    return job


def _claim(contract_id: int) -> Claim | None:
    """Take the job for this attempt, or None when there is nothing to do (done, waiting for staff, or
    another attempt holds a live lease)."""
    from contracts.models import Contract

    with transaction.atomic():
        contract = Contract.objects.get(pk=contract_id)
        job = job_for_contract(contract=contract)
        job = DatasetJob.objects.select_for_update().get(pk=job.pk)
        now = timezone.now()
        if job.status == JobStatus.RUNNING and job.lease_until and job.lease_until > now:
            return None  # another attempt is alive: never two at once
        if job.status not in (JobStatus.QUEUED, JobStatus.RUNNING):
            return None
        if job.status == JobStatus.QUEUED and job.awaits_plan_confirmation:
            # The plan is not one screening's dry run checked (審査基準③, 法114条1項3号: the 加工基準 or the plan
            # changed since, or no dry run was made): a protection manager of the file confirms it, with a
            # reason, before anything is made.
            why = NO_SCREENING_DRY_RUN if job.lacks_screening_dry_run else PLAN_DIFFERS_FROM_SCREENING
            transition(job, JobStatus.NEEDS_PLAN, reason=why)
            return None
        reason = (
            "作成の開始" if job.status == JobStatus.QUEUED else f"第{job.attempts}回の実行が途中で停止したため再実行"
        )
        job = transition(job, JobStatus.RUNNING, reason=reason)
        job.attempts += 1
        job.lease_until = now + timedelta(seconds=settings.ANONYMIZER_JOB_LEASE_SECONDS)
        job.worker = f"{socket.gethostname()}:{os.getpid()}"[:200]
        job.progress = 0
        job.started_at = job.started_at or now
        job.save(update_fields=["attempts", "lease_until", "worker", "progress", "started_at"])
        return Claim(job=job, attempt=job.attempts)


def dataset_job_execute(*, contract_id: int) -> DatasetJob | None:
    """The body of the Celery task anonymizer.create_dataset (idempotent; see the module docstring)."""
    claim = _claim(contract_id)
    if claim is None:
        return DatasetJob.objects.filter(contract_id=contract_id).first()
    job = claim.job
    earlier_attempts_remove(job.public_id, claim.attempt)  # taken over: the attempts before no longer own it
    heartbeat = _Heartbeat(claim)
    written: list[Path] = []
    try:
        source = source_file_latest(job.contract.proposal.entry)
        if source is None:
            raise AnonymizerError(
                "個人情報ファイルの原データが登録されていません。保護管理者が原データを登録した後、再実行してください。"
            )
        DatasetJob.objects.filter(pk=job.pk).update(source_file=source)
        with workspace(job_label(job.public_id, claim.attempt)) as folder:
            path = _plaintext_source(source, folder, purpose=f"利用契約 {job.contract} の行政機関等匿名加工情報の作成")
            out = folder / "out"
            result = _run_engine(
                path,
                job.plan,
                output=[out / "dataset.csv", out / "dataset.parquet"],
                progress=heartbeat,
                # 削除情報等 are kept for pseudonymized information only (seed 003 4(2)); an anonymized
                # dataset's secrets are its keys and seed (加工方法等情報, seed 002 3-3).
                retain_deleted=job.plan.get("mode") == "pseudonymized",
            )
            report = result.report
            path.unlink()  # the plaintext copy goes as soon as it has been read (第17条)
            if not report["compliance"]["compliant"]:
                # An output that fails the standards (k, identifiers left, < 1000 people) is never published.
                shutil.rmtree(out, ignore_errors=True)
                raise _NotCompliant(report)
            heartbeat.beat(96)
            dataset_id = uuid.uuid4()
            files = outputs_seal(job, out, report, dataset_id, written)
            secret = _seal_secret(result.secret_record, dataset_id, written)
        heartbeat.beat(99)
        return _publish(claim, dataset_id, report, files, secret)
    except Superseded:
        _remove(written)
        return None
    except JobCancelled:
        _remove(written)
        return _end_attempt(claim, JobStatus.CANCELLED, "担当者の指示による中止")
    except _NotCompliant as exc:
        reasons = " ".join(exc.report["compliance"]["reasons"])
        return _end_attempt(
            claim, JobStatus.FAILED, f"作成した情報が加工の基準を満たさないため、提供しません。{reasons}", exc.report
        )
    except NotDeliverable as exc:
        _remove(written)
        return _end_attempt(claim, JobStatus.FAILED, exc.message)
    except (AnonymizerError, engine.EngineError) as exc:
        _remove(written)
        return _end_attempt(claim, JobStatus.FAILED, " ".join(getattr(exc, "messages", None) or [str(exc)]))
    except crypto.DecryptionError:
        _remove(written)
        return _end_attempt(claim, JobStatus.FAILED, "原データを復号できませんでした（改ざん又は鍵の不一致）。")
    except Exception:
        # A fault nobody foresaw: no dataset, the managers told; a restart is a person's decision.
        logger.exception("dataset job %s failed", job.public_id)
        _remove(written)
        return _end_attempt(
            claim, JobStatus.FAILED, "システムの障害により作成できませんでした。システム管理者に連絡してください。"
        )
    except BaseException:
        _remove(written)
        raise


@transaction.atomic
def dataset_job_cancel(*, job: DatasetJob, actor) -> DatasetJob:
    """Stop a job: at once when it waits; a running attempt stops at its next progress step."""
    if not actor.has_perm("anonymizer.cancel_datasetjob"):
        raise PermissionDenied
    locked = DatasetJob.objects.select_for_update().get(pk=job.pk)
    if locked.status in (JobStatus.QUEUED, JobStatus.NEEDS_PLAN):
        locked = transition(locked, JobStatus.CANCELLED, actor=actor, reason="担当者の指示による中止")
        locked.finished_at = timezone.now()
    elif locked.status == JobStatus.RUNNING:
        locked.cancel_requested_at = timezone.now()
    else:
        raise AnonymizerError(f"この作成処理は「{locked.get_status_display()}」のため中止できません。")
    locked.cancel_requested_by_name = actor_name(actor)
    locked.save(update_fields=["cancel_requested_at", "cancel_requested_by_name", "finished_at"])
    return locked


@transaction.atomic
def dataset_job_restart(*, job: DatasetJob, actor, plan: dict | None = None, reason: str = "") -> DatasetJob:
    """Queue a waiting, failed or cancelled job again, with a corrected plan if given.

    Changing the plan (validated; 行政機関等匿名加工情報 only), and restarting a job whose plan differs from
    the one screening's dry run checked or that has no such dry run, confirm that plan: only a protection
    manager of the file's organization may, with a reason; the transition records the plan digests before and
    after and the reason. Raises PermissionDenied, or AnonymizerError (Japanese) with nothing changed.
    """
    if not actor.has_perm("anonymizer.run_datasetjob"):
        raise PermissionDenied
    locked = DatasetJob.objects.select_for_update().get(pk=job.pk)
    before = locked.plan_digest
    if plan is not None and plan_digest(plan) != before:
        try:
            engine.load_plan(plan)
        except engine.PlanError as exc:
            raise AnonymizerError(["処理計画に誤りがあります。", *exc.messages]) from None
        refused = mode_messages(plan)
        if refused:
            raise AnonymizerError(refused)
        locked.plan = plan
    after = locked.plan_digest
    changed = after != before
    reason = reason.strip()
    if changed or locked.awaits_plan_confirmation:
        entry = locked.contract.proposal.entry
        if not organizations_managed_by(actor).filter(pk=entry.organization_id).exists():
            raise PermissionDenied("処理計画を変更・確認できるのは、個人情報ファイルの保護管理者だけです。")
        if not reason:
            raise AnonymizerError("処理計画を変更・確認する理由を入力してください。")
        if changed:
            what = "処理計画の変更"
        elif locked.lacks_screening_dry_run:
            what = "審査の試行のない処理計画の確認"
        else:
            what = "審査の試行と異なる処理計画の確認"
        new_plan = locked.plan
        locked = transition(
            locked, JobStatus.QUEUED, actor=actor, reason=f"{what}: {reason}", plan_digests=(before, after)
        )
        locked.plan, locked.confirmed_plan_digest = new_plan, after
    else:
        locked = transition(locked, JobStatus.QUEUED, actor=actor, reason=reason or "担当者による再実行")
    locked.cancel_requested_at, locked.failure, locked.finished_at, locked.progress = None, "", None, 0
    locked.save(
        update_fields=["plan", "confirmed_plan_digest", "cancel_requested_at", "failure", "finished_at", "progress"]
    )
    outbox_enqueue(task_name=CREATE_DATASET_TASK, contract_id=locked.contract_id)
    return locked


def dataset_jobs_resume() -> int:
    """Queue again every job whose attempt died (lease run out) or that waits without a queued task
    (periodic; harmless when nothing is wrong: a live attempt or a finished job makes the task a no-op)."""
    now = timezone.now()
    due = DatasetJob.objects.filter(
        Q(status=JobStatus.RUNNING, lease_until__lt=now)
        | Q(status=JobStatus.QUEUED, updated_at__lt=now - timedelta(minutes=10))
    )
    count = 0
    for contract_id in due.values_list("contract_id", flat=True):
        with transaction.atomic():
            outbox_enqueue(task_name=CREATE_DATASET_TASK, contract_id=contract_id)
        count += 1
    return count


def work_sweep(*, trigger: str = "daily") -> dict:
    """Remove what dead attempts left (worker start and daily): the plaintext work folders no attempt uses
    any more, and encrypted files no record points to (seed 004 第17条). Each sweep is recorded, also one
    that found nothing (portal.sweeps: the evidence of 第17条第2項).

    An attempt is over when it no longer owns its job (the attempt number, not the lease, decides: an
    attempt whose lease ran out during a long phase still owns the job until another takes it over) or when
    its process on this host has ended; see anonymizer.workspace.
    """
    running = DatasetJob.objects.filter(status=JobStatus.RUNNING).values_list("public_id", "attempts")
    dry_runs = DryRun.objects.filter(status=DryRunStatus.RUNNING).values_list("public_id", flat=True)
    removed_folders = work_folders_sweep(
        job_attempts={public_id.hex: attempts for public_id, attempts in running},
        running_dry_runs={public_id.hex for public_id in dry_runs},
    )
    grace = time.time() - settings.ANONYMIZER_JOB_LEASE_SECONDS
    known = set(DatasetFile.objects.values_list("stored_name", flat=True)) | set(
        ProcessingSecret.objects.values_list("stored_name", flat=True)
    )
    removed_files = 0
    for sub in ("anonymizer/datasets", "anonymizer/vault"):
        base = _stored(sub)
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if not path.is_file() or path.stat().st_mtime > grace:
                continue
            name = path.relative_to(_stored("")).as_posix()
            if name not in known:
                path.unlink(missing_ok=True)
                removed_files += 1
    counts = {"work_folders": removed_folders, "unreferenced_files": removed_files}
    sweep_record(trigger=trigger, counts=counts)
    return counts
