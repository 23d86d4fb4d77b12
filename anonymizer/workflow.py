"""The only code that changes a dataset job's status: one explicit table of allowed moves."""

from anonymizer.enums import JobStatus as S
from anonymizer.models import DatasetJob, DatasetJobTransition
from portal.workflow import move

# (from, to): what the move means. Who may make each move is checked in anonymizer/services/.
ALLOWED_MOVES: dict[tuple[str, str], str] = {
    (S.QUEUED, S.RUNNING): "作成の開始",
    (S.QUEUED, S.NEEDS_PLAN): "処理計画の確認が必要（条件指定の抽出、審査の試行と異なる処理計画など）",
    (S.QUEUED, S.CANCELLED): "作成の中止",
    (S.NEEDS_PLAN, S.QUEUED): "処理計画の確認・作成の再開",
    (S.NEEDS_PLAN, S.CANCELLED): "作成の中止",
    # A worker that died leaves RUNNING behind; the next attempt takes over (RUNNING → RUNNING).
    (S.RUNNING, S.RUNNING): "実行中の worker の停止後の再実行",
    (S.RUNNING, S.SUCCEEDED): "行政機関等匿名加工情報の作成",
    (S.RUNNING, S.FAILED): "作成できず（加工の基準を満たさない・原データがない等）",
    (S.RUNNING, S.CANCELLED): "作成の中止",
    (S.FAILED, S.QUEUED): "原因を除いた後の再実行",
    (S.CANCELLED, S.QUEUED): "中止した作成の再実行",
}


class JobTransitionError(Exception):
    """A move the table does not allow; the message is for the person who tried it."""


def transition(
    job: DatasetJob, to: str, *, actor=None, reason: str = "", plan_digests: tuple[str, str] | None = None
) -> DatasetJob:
    """Move `job` to status `to` by the table above (locked, logged); JobTransitionError otherwise.
    `plan_digests` (before, after): the move changes or confirms the plan, and the history row says which."""
    before, after = plan_digests or ("", "")
    return move(
        job,
        to,
        allowed=ALLOWED_MOVES,
        statuses=S,
        log=lambda locked, **fields: DatasetJobTransition.objects.create(
            job=locked, plan_digest_before=before, plan_digest_after=after, **fields
        ),
        actor=actor,
        reason=reason,
        error=JobTransitionError,
    )
