"""Screening's dry run (審査基準③, 法114条1項3号): the proposal's processing on the real source file; only the
report and the verdict are kept, no processed row leaves the server."""

import logging

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from anonymizer import engine
from anonymizer.enums import DryRunStatus
from anonymizer.models import DryRun
from anonymizer.plans import PlanUnavailable, plan_for_request
from anonymizer.services.common import (
    DRY_RUN_TASK,
    AnonymizerError,
    _engine_messages,
    _plaintext_source,
    _run_engine,
)
from anonymizer.workspace import (
    dry_run_label,
    workspace,
)
from files_registry.sources import source_file_latest
from portal import crypto
from portal.notifications import outbox_enqueue
from portal.workflow import actor_name

logger = logging.getLogger(__name__)


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
    version = proposal.latest_version()
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
