"""Writes of the anonymizer: dry runs for screening, the production job of a contract, its datasets and
their processing secrets (加工方法等情報), publication to the register and delivery.

Exactly once, nothing partial (issue 5): a job attempt claims the job under a row lock and holds a lease
it renews while it works; files are written and encrypted under names no record points to yet, and a
dataset appears only in the one transaction that checks the attempt still owns the job and ends it. A
worker killed at any point leaves either no dataset (the lease runs out and the next attempt starts
again from the source) or the whole dataset (a later attempt finds the job done and stops). What a
dead attempt left on disk is swept (temporary plaintext copies, seed 004 第17条; unreferenced files).
"""

import json
import logging
import os
import shutil
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from anonymizer import engine
from anonymizer.dry_runs import dry_run_matching
from anonymizer.engine.plan import plan_digest
from anonymizer.enums import DatasetFileKind, DryRunStatus, JobStatus
from anonymizer.models import AnonymizedDataset, DatasetFile, DatasetJob, DryRun, ProcessingSecret
from anonymizer.outputs import NotDeliverable, manifest_summary, outputs_seal
from anonymizer.plans import PlanUnavailable, hierarchy_table_messages, mode_messages, plan_for_request
from anonymizer.workflow import transition
from anonymizer.workspace import (
    dry_run_label,
    earlier_attempts_remove,
    job_label,
    work_folders_sweep,
    workspace,
)
from files_registry.models import AnonymizedDatasetSummary, AnonymizedDatasetSummaryItem, SourceFile
from files_registry.sources import source_file_latest, source_file_read_for_processing
from portal import crypto
from portal.accounts.roles import organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record, access_records_last
from portal.notifications import notify, outbox_enqueue
from portal.uploads import protected_storage
from portal.workflow import actor_name

logger = logging.getLogger(__name__)

CREATE_DATASET_TASK = "anonymizer.create_dataset"
PLAN_DIFFERS_FROM_SCREENING = (
    "処理計画が審査の試行（ドライラン）で確認したものと異なるため、個人情報ファイルの保護管理者が理由を付けて"
    "確認するまで作成しません。"
)
NO_SCREENING_DRY_RUN = (
    "審査の試行（ドライラン）で提案の最新の版の処理計画を原データに適用した記録がないため、個人情報ファイルの"
    "保護管理者が理由を付けて確認するまで作成しません。"
)
DRY_RUN_TASK = "anonymizer.dry_run"


class AnonymizerError(Exception):
    """Something a person must fix; `messages` are Japanese sentences."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__(" ".join(self.messages))


class JobCancelled(Exception):
    """Staff asked the running job to stop."""


class Superseded(Exception):
    """This attempt no longer owns the job (its lease ran out and another attempt took over)."""


# --- places -------------------------------------------------------------------------------------------


def _stored(name: str) -> Path:
    return Path(protected_storage.path(name))


def _plaintext_source(source: SourceFile, folder: Path, purpose: str) -> Path:
    suffix = Path(source.original_name).suffix.lower() or ".csv"
    target = folder / f"source{suffix}"
    with open(target, "wb") as out:
        for block in source_file_read_for_processing(source=source, purpose=purpose):
            out.write(block)
    return target


def _run_engine(source_path: Path, plan: dict, *, output=None, progress=None, retain_deleted=False):
    chunk_rows = settings.ANONYMIZER_CHUNK_ROWS or None
    tables = hierarchy_table_messages(plan)
    if tables:  # the hierarchy must not depend on this process's working folder
        raise engine.PlanError(tables)
    return engine.anonymize_file(
        source_path,
        engine.load_plan(plan),
        _secrets_for(plan),
        output=output,
        collect=False,
        chunk_rows=chunk_rows,
        progress=progress,
        retain_deleted=retain_deleted,
        hold_bytes=settings.ANONYMIZER_HOLD_MB << 20,
        spill_dir=source_path.parent,  # the attempt's private work folder, swept after a crash
    )


def _secrets_for(plan: dict) -> engine.ProcessingSecrets:
    """Fresh secrets for every run: a new random key per recipient and delivery (seed 002 3-2-3)."""
    names = tuple(
        dict.fromkeys(
            step.get("key", "pseudonym")
            for column in plan.get("columns", [])
            for step in column.get("steps", [])
            if step.get("op") == "pseudonymize"
        )
    ) or ("pseudonym",)
    return engine.ProcessingSecrets.generate(names)


def _engine_messages(exc: engine.EngineError) -> list[str]:
    return list(getattr(exc, "messages", None) or [str(exc)])


# --- screening's dry run (審査基準③) ----------------------------------------------------------------------


def proposal_plan(proposal):
    """The plan of `proposal` as screening and production build it (PlanUnavailable when none)."""
    return plan_for_request(proposal.entry, proposal.processing_request or {})


@transaction.atomic
def dry_run_request(*, screening, actor) -> DryRun:
    """Queue a dry run of the proposal's requested processing on the file's current source file.

    Only someone who may see the screening (its screeners, the overseers) asks for one. Raises
    AnonymizerError (Japanese) when there is no source file or no plan. Side effect: the job is queued
    through the outbox after commit; the result lands on the DryRun.
    """
    from proposals.selectors_screening import screenings_for_user

    if not screenings_for_user(actor).filter(pk=screening.pk).exists():
        raise PermissionDenied
    proposal = screening.proposal
    if proposal.is_existing_dataset:
        raise AnonymizerError(
            "作成済みの行政機関等匿名加工情報に関する提案（法第118条）では、加工の方法は既に定まっています。"
        )
    source = source_file_latest(proposal.entry)
    if source is None:
        raise AnonymizerError(
            f"個人情報ファイル「{proposal.entry.name}」の原データが登録されていないため、試行できません。"
            "保護管理者に原データの登録を依頼してください。"
        )
    try:
        built = proposal_plan(proposal)
    except PlanUnavailable as exc:
        raise AnonymizerError(exc.messages) from None
    version = proposal.versions.order_by("-number").first()
    dry_run = DryRun.objects.create(
        proposal=proposal,
        version_number=version.number if version else 0,
        source_file=source,
        plan=built.plan,
        notes=built.notes,
        requested_by=actor,
        requested_by_name=actor_name(actor),
    )
    outbox_enqueue(task_name=DRY_RUN_TASK, dry_run_id=dry_run.pk)
    return dry_run


def dry_run_execute(*, dry_run_id: int) -> DryRun:
    """Run one queued dry run (the task body; idempotent: a finished one is left as it is). Only the
    report and the verdict are kept: no processed row is written anywhere."""
    with transaction.atomic():
        dry_run = DryRun.objects.select_for_update().get(pk=dry_run_id)
        if dry_run.status in (DryRunStatus.DONE, DryRunStatus.FAILED):
            return dry_run
        dry_run.status = DryRunStatus.RUNNING
        dry_run.save(update_fields=["status"])
    report, failure = None, ""
    try:
        source = dry_run.source_file
        if source is None or source.destroyed_at is not None:
            raise AnonymizerError("原データが消去されたため、試行できません。")
        with workspace(dry_run_label(dry_run.public_id)) as folder:
            path = _plaintext_source(source, folder, purpose=f"審査のための試行 {dry_run.public_id}")
            report = _run_engine(path, dry_run.plan).report
    except AnonymizerError as exc:
        failure = " ".join(exc.messages)
    except engine.EngineError as exc:
        failure = "処理計画を原データに適用できませんでした。" + " ".join(_engine_messages(exc))
    except crypto.DecryptionError:
        failure = "原データを復号できませんでした（改ざん又は鍵の不一致）。保護管理者に連絡してください。"
    except Exception:
        logger.exception("dry run %s failed", dry_run.public_id)
        failure = "システムの障害により試行できませんでした。システム管理者に連絡してください。"
    dry_run.report = report
    dry_run.compliant = bool(report and report["compliance"]["compliant"]) if report else None
    dry_run.failure = failure
    dry_run.status = DryRunStatus.DONE if report else DryRunStatus.FAILED
    dry_run.finished_at = timezone.now()
    dry_run.save(update_fields=["report", "compliant", "failure", "status", "finished_at"])
    return dry_run


# --- the production job ---------------------------------------------------------------------------------


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
    version = proposal.versions.order_by("-number").values_list("number", flat=True).first() or 0
    run = dry_run_matching(proposal, digest=plan_digest(plan), version_number=version) or (
        proposal.dry_runs.filter(status=DryRunStatus.DONE, version_number=version).order_by("-created_at").first()
    )
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


@dataclass
class Claim:
    job: DatasetJob
    attempt: int


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


class _NotCompliant(Exception):
    def __init__(self, report: dict):
        super().__init__("not compliant")
        self.report = report


def _remove(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


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


def work_sweep() -> dict:
    """Remove what dead attempts left (worker start and daily): the plaintext work folders no attempt uses
    any more, and encrypted files no record points to (seed 004 第17条).

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
    return {"work_folders": removed_folders, "unreferenced_files": removed_files}


# --- reading what was made --------------------------------------------------------------------------------


def dataset_file_read(*, file: DatasetFile):
    """The plaintext of a delivered file, checked segment by segment (callers record the access)."""
    if file.wrapped_key is None:
        raise crypto.DecryptionError("this dataset file was destroyed")
    data_key = crypto.unwrap(crypto.WrappedKey(file.key_id, bytes(file.wrapped_key)), context=file.key_context)
    return crypto.decrypt_file(_stored(file.stored_name), data_key)


def processing_secret_read(*, secret: ProcessingSecret, actor, reason: str, request=None) -> dict:
    """The processing secrets, for a protection manager of the file only (seed 002 3-3), with a reason;
    every read — and every refused one — is recorded (seed 004 第12条)."""
    allowed = (
        actor is not None
        and actor.has_perm("anonymizer.read_processingsecret")
        and organizations_managed_by(actor).filter(pk=secret.entry.organization_id).exists()
    )
    if not allowed or not reason.strip():
        access_record(actor=actor, action=AccessAction.VIEW, result=AccessResult.REFUSED, obj=secret, request=request)
        raise PermissionDenied("この加工方法等情報を閲覧する権限がありません。")
    if secret.wrapped_key is None:
        raise AnonymizerError("この加工方法等情報は消去されています。")
    data_key = crypto.unwrap(crypto.WrappedKey(secret.key_id, bytes(secret.wrapped_key)), context=secret.key_context)
    body = b"".join(crypto.decrypt_file(_stored(secret.stored_name), data_key))
    access_record(
        actor=actor,
        action=AccessAction.VIEW,
        result=AccessResult.SUCCESS,
        obj=secret,
        request=request,
        detail={"reason": reason.strip()[:200]},
    )
    return json.loads(body)


# --- disposal (seed 004 第10条) ----------------------------------------------------------------------------


@transaction.atomic
@access_records_last  # the chain lock is not held while the certificates render (seed 004 第12条)
def dataset_dispose(*, dataset: AnonymizedDataset, actor, reason: str, contractor_report=None) -> list:
    """Crypto-erase a dataset's files and its processing secrets (their data keys destroyed, the files
    removed after commit) and issue a disposal certificate (消去証明) for each, in one transaction; the
    access records (削除, and the certificates' 作成) are written at its end, after the PDFs.

    For a protection manager of the file's organization (anonymizer.dispose_dataset). `contractor_report`:
    the contractor's own deletion report of the contract, printed on the certificates. Raises
    PermissionDenied, or AnonymizerError / DisposalError (Japanese) on anything else wrong.
    """
    from portal.disposal.enums import DisposalMethod
    from portal.disposal.services import disposal_certify

    if not (
        actor.has_perm("anonymizer.dispose_dataset")
        and organizations_managed_by(actor).filter(pk=dataset.entry.organization_id).exists()
    ):
        raise PermissionDenied("この行政機関等匿名加工情報を消去する権限がありません。")
    locked = AnonymizedDataset.objects.select_for_update().get(pk=dataset.pk)
    if locked.destroyed_at is not None:
        raise AnonymizerError("この行政機関等匿名加工情報は既に消去されています。")
    now = timezone.now()
    files = list(locked.files.filter(wrapped_key__isnull=False))
    paths = [_stored(file.stored_name) for file in files]
    csv = next((file for file in files if file.kind == DatasetFileKind.CSV), None)
    key_ids = sorted({file.key_id for file in files})
    locked.files.update(wrapped_key=None)
    locked.destroyed_at = now
    locked.save(update_fields=["destroyed_at"])
    access_record(actor=actor, action=AccessAction.DELETE, result=AccessResult.SUCCESS, obj=locked)
    certificates = [
        disposal_certify(
            object_type="anonymizer.anonymizeddataset",
            object_id=locked.public_id.hex,
            description=f"{locked}（{'・'.join(file.name for file in files)}、{locked.rows:,}レコード）",
            method=DisposalMethod.CRYPTO_ERASE,
            actor=actor,
            reason=reason,
            sha256=csv.sha256 if csv else "",
            key_id=",".join(key_ids)[:50],
            contract=locked.contract,
            contractor_report=contractor_report,
        )
    ]
    secret = ProcessingSecret.objects.select_for_update().filter(dataset=locked, destroyed_at__isnull=True).first()
    if secret is not None:
        paths.append(_stored(secret.stored_name))
        secret.wrapped_key, secret.destroyed_at = None, now
        secret.save(update_fields=["wrapped_key", "destroyed_at"])
        access_record(actor=actor, action=AccessAction.DELETE, result=AccessResult.SUCCESS, obj=secret)
        certificates.append(
            disposal_certify(
                object_type="anonymizer.processingsecret",
                object_id=secret.public_id.hex,
                description=f"{secret}（加工に用いた鍵・乱数の種等）",
                method=DisposalMethod.CRYPTO_ERASE,
                actor=actor,
                reason=reason,
                key_id=secret.key_id,
                contract=locked.contract,
                contractor_report=contractor_report,
            )
        )
    transaction.on_commit(lambda: _remove(paths))
    return certificates
