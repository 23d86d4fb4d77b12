"""Which completed dry run screening's criterion ③ rests on, and whether it still holds.

Criterion ③ (法114条1項3号; seed 000 審査基準③: processing that follows the processing standards so that no
one can be identified and the held personal information cannot be restored) is found adequate on a proposal
for a new dataset (法112) only on the evidence of a dry run (issue 5): a completed dry run of the proposal's
latest version, whose plan is the very plan production would build now, and whose verdict is compliant. The
finding (proposals.services.screening.criterion_record), the approval (screening_approve) and the
production job (anonymizer.services.job_for_contract) all ask here. A proposal on an existing dataset
(法118) is not screened on ③ (法118条2項) and has no dry run.
"""

from dataclasses import dataclass

from django.utils import timezone

from anonymizer.engine.plan import plan_digest
from anonymizer.enums import DryRunStatus
from anonymizer.models import DryRun
from anonymizer.plans import PlanUnavailable
from portal.jdates import wareki


@dataclass(frozen=True)
class DryRunCheck:
    """The outcome for the proposal's latest version: `dry_run` is the matching dry run (None when there is
    none); `problems` say in Japanese why ③ cannot rest on it (empty when it can)."""

    dry_run: DryRun | None
    problems: tuple[str, ...] = ()

    @property
    def adequate(self) -> bool:
        return not self.problems


def _latest_version_number(proposal) -> int:
    version = proposal.latest_version()
    return version.number if version is not None else 0


def _when(run: DryRun) -> str:
    return f"{wareki(run.created_at)} {timezone.localtime(run.created_at):%H:%M}"


def latest_version_dry_runs(proposal) -> list[DryRun]:
    """The completed dry runs of the proposal's latest version, newest first. Reads only."""
    number = _latest_version_number(proposal)
    return list(proposal.dry_runs.filter(status=DryRunStatus.DONE, version_number=number).order_by("-created_at"))


def matching_dry_run(runs: list[DryRun], digest: str) -> DryRun | None:
    """The first of `runs` whose plan has `digest`."""
    return next((run for run in runs if run.plan_digest == digest), None)


def dry_run_check(proposal) -> DryRunCheck:
    """Whether criterion ③ may be found adequate on the proposal's latest version now: a completed dry run of
    that version, with the plan production would build now (anonymizer.services.proposal_plan: the 加工基準
    with the request laid over it), and a compliant verdict. Reads only; builds the plan."""
    from anonymizer.services import proposal_plan  # services imports this module

    version = _latest_version_number(proposal)
    done = list(proposal.dry_runs.filter(status=DryRunStatus.DONE).order_by("-created_at"))
    if not done:
        return DryRunCheck(None, (_none_message(proposal),))
    try:
        digest = plan_digest(proposal_plan(proposal).plan)
    except PlanUnavailable as exc:
        return DryRunCheck(None, ("現在の処理計画を作成できないため、試行の結果と照合できません。", *exc.messages))
    of_version = [candidate for candidate in done if candidate.version_number == version]
    run = matching_dry_run(of_version, digest)
    if run is not None:
        if run.compliant:
            return DryRunCheck(run)
        reasons = " ".join((run.report or {}).get("compliance", {}).get("reasons", [])[:5])
        return DryRunCheck(
            run, (f"第{version}版の原データによる試行（{_when(run)}）の判定は、加工の基準に不適合でした：{reasons}",)
        )
    if of_version:
        changed = of_version[0]
        return DryRunCheck(
            None,
            (
                f"第{version}版の原データによる試行（{_when(changed)}）の後に加工基準又は加工の方法が変更され、"
                f"試行した処理計画（ダイジェスト {changed.plan_digest[:12]}…）が現在の処理計画"
                f"（{digest[:12]}…）と異なります。原データで試行し直してください。",
            ),
        )
    return DryRunCheck(
        None,
        (
            f"完了している原データによる試行は第{done[0].version_number}版（補正前の版）のものです。"
            f"最新の第{version}版について、原データで試行してください。",
        ),
    )


def _none_message(proposal) -> str:
    if proposal.dry_runs.filter(status__in=[DryRunStatus.QUEUED, DryRunStatus.RUNNING]).exists():
        return "原データによる試行（ドライラン）が完了していません。試行の完了を待ってください。"
    failed = proposal.dry_runs.filter(status=DryRunStatus.FAILED).order_by("-created_at").first()
    if failed is not None:
        return f"原データによる試行（ドライラン）が実行できませんでした：{failed.failure}"
    return "原データによる試行（ドライラン）が行われていません。「原データで試行する」で試行してください。"
