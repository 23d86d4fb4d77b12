"""Criterion ③ rests on a dry run (法114条1項3号, seed 000 審査基準③; issue 5): on a proposal for a new dataset,
適合 is recorded, sent for approval and approved only on a completed dry run of the latest version, with the
plan production would use now, whose verdict is compliant. 不適合 needs no dry run, only its reason."""

import re

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from anonymizer.models import DryRun, ProcessingProfile
from files_registry.sources import source_file_store
from portal.accounts.roles import StaffRole
from portal.audit.models import AccessRecord
from proposals import criteria
from proposals.enums import Criterion, ProposalStatus, ScreeningDecision
from proposals.models import Proposal, ResultNotice
from proposals.services import screening as services
from proposals.services.proposals import proposal_submit
from proposals.services.screening import DRY_RUN_NO_LONGER_HOLDS, ScreeningError
from tests.factories.accounts import staff_user
from tests.factories.anonymizer import dry_run_done, source_csv
from tests.factories.screening import (
    approver_user,
    assigned_screening,
    record_all,
    screener_user,
    staff_login,
    submitted_proposal,
    tomorrow,
)

pytestmark = pytest.mark.django_db
C = Criterion
RECORD_REFUSAL = "審査基準③を「適合」と記録できません。"
# the verdict and its reason (fewer than 1,000 data subjects: seed 000 審査基準②), as a pattern
FAILED_VERDICT = "の判定は、加工の基準に不適合でした：.*1000 人以上という審査基準②を満たしません"
APPROVAL_REFUSAL = (
    f"{DRY_RUN_NO_LONGER_HOLDS}決裁できません。差し戻して、原データによる試行のやり直しを求めてください。"
)


@pytest.fixture
def screener():
    return screener_user()


@pytest.fixture
def screening(screener, chief_manager):
    return assigned_screening(submitted_proposal(), screener=screener, assigner=chief_manager)


def _problems(call) -> list[str]:
    """The Japanese reasons `call` was refused with; [] when it went through."""
    try:
        call()
    except ScreeningError as error:
        return error.problems
    return []


def change_standard(entry) -> None:
    """The 加工基準 changes after the dry run (k 5 → 6): the plan production would build, and its digest, change."""
    profile = ProcessingProfile.objects.get(entry=entry)
    profile.plan["dataset"]["k_anonymity"]["k"] = 6
    profile.save()


def upload_small_source(entry) -> None:
    """A newer source file of 600 records: fewer than 1,000 data subjects, so a dry run's verdict fails."""
    manager = staff_user(StaffRole.PROTECTION_MANAGER, organization=entry.organization)
    source_file_store(entry=entry, upload=ContentFile(source_csv(600), name="source.csv"), actor=manager)


def correct_to_version_2(screening, screener) -> None:
    """A correction (補正) resubmitted with the same processing: the latest version is now 第2版."""
    services.screening_request_correction(
        screening=screening, actor=screener, message="利用の目的を補ってください。", due_date=tomorrow()
    )
    proposal = Proposal.objects.get(pk=screening.proposal_id)
    proposal_submit(proposal=proposal, actor=proposal.proposer.user)
    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.UNDER_SCREENING


# --- recording ③ ------------------------------------------------------------------------------------------


def no_dry_run(screening, screener):
    pass


def dry_run_of_an_earlier_version(screening, screener):
    dry_run_done(screening.proposal)
    correct_to_version_2(screening, screener)


def dry_run_of_a_changed_standard(screening, screener):
    dry_run_done(screening.proposal)
    change_standard(screening.proposal.entry)


def failing_dry_run(screening, screener):
    upload_small_source(screening.proposal.entry)
    dry_run_done(screening.proposal)


def matching_compliant_dry_run(screening, screener):
    dry_run_done(screening.proposal)


# arrange, the text of the reason (None: adequate may be recorded), the portal's ③ suggestion (the pre-fill)
CASES = {
    "no dry run": (no_dry_run, "原データによる試行（ドライラン）が行われていません。", None),
    "dry run of an earlier version": (
        dry_run_of_an_earlier_version,
        "完了している原データによる試行は第1版（補正前の版）のものです。最新の第2版について、原データで試行してください。",
        None,
    ),
    "dry run of a changed 加工基準": (
        dry_run_of_a_changed_standard,
        "の後に加工基準又は加工の方法が変更され、試行した処理計画",
        None,
    ),
    "failing verdict": (failing_dry_run, FAILED_VERDICT, False),
    "matching compliant dry run": (matching_compliant_dry_run, None, True),
}


@pytest.mark.parametrize("case", CASES)
def test_recording_3_adequate_needs_a_matching_compliant_dry_run(case, screening, screener):
    arrange, reason, _ = CASES[case]
    arrange(screening, screener)

    problems = _problems(
        lambda: services.criterion_record(
            screening=screening, actor=screener, criterion=C.PROCESSING, met=True, reason="加工の方法は適切である。"
        )
    )

    if reason is None:
        assert problems == []
        assert screening.criteria.get(criterion=C.PROCESSING).met is True
    else:
        assert problems[0] == RECORD_REFUSAL
        assert re.search(reason, problems[1])
        assert not screening.criteria.filter(criterion=C.PROCESSING).exists()


@pytest.mark.parametrize("case", CASES)
def test_the_3_pre_fill_is_the_dry_runs_verdict(case, screening, screener):
    arrange, _, suggested = CASES[case]
    arrange(screening, screener)
    proposal = Proposal.objects.get(pk=screening.proposal_id)

    suggestion = criteria.suggestions(proposal, version=proposal.latest_version())[C.PROCESSING]

    assert suggestion.met is suggested


def test_3_inadequate_needs_no_dry_run_but_its_reason(screening, screener):
    without_reason = _problems(
        lambda: services.criterion_record(screening=screening, actor=screener, criterion=C.PROCESSING, met=False)
    )

    record = services.criterion_record(
        screening=screening, actor=screener, criterion=C.PROCESSING, met=False, reason="k-匿名性を満たす見込みがない。"
    )

    assert without_reason == ["判断の理由を記入してください（理由のない判断は記録できません）。"]
    assert (record.met, record.reason) == (False, "k-匿名性を満たす見込みがない。")
    assert not DryRun.objects.exists()


def test_confirming_3_takes_the_dry_runs_verdict_and_records_which_dry_run(screening, screener):
    dry_run = dry_run_done(screening.proposal)

    record = services.criterion_record(screening=screening, actor=screener, criterion=C.PROCESSING, met=True)

    access = AccessRecord.objects.filter(actor=screener, detail__step="criterion_3").get()
    assert (record.met, record.suggested_met, record.overrides_suggestion) == (True, True, False)
    assert "原データによる試行加工の結果、加工の基準に適合した" in record.reason
    assert access.detail["dry_run"] == dry_run.public_id.hex


# --- submission and approval check it again ---------------------------------------------------------------


def awaiting_approval(screening, screener):
    record_all(screening, screener=screener)
    services.screening_submit_for_approval(screening=screening, actor=screener)


def approval_with_no_dry_run(screening, screener):
    awaiting_approval(screening, screener)
    DryRun.objects.filter(proposal=screening.proposal).delete()  # a finding recorded before the rule


def approval_with_a_dry_run_of_an_earlier_version(screening, screener):
    record_all(screening, screener=screener)
    correct_to_version_2(screening, screener)
    awaiting_approval(screening, screener)
    DryRun.objects.filter(proposal=screening.proposal, version_number=2).delete()


def approval_after_the_standard_changed(screening, screener):
    awaiting_approval(screening, screener)
    change_standard(screening.proposal.entry)


def approval_after_a_failing_dry_run(screening, screener):
    awaiting_approval(screening, screener)
    upload_small_source(screening.proposal.entry)
    dry_run_done(screening.proposal)  # the newest dry run of the same plan fails


APPROVAL_CASES = {
    "no dry run": (approval_with_no_dry_run, "原データによる試行（ドライラン）が行われていません。"),
    "dry run of an earlier version": (
        approval_with_a_dry_run_of_an_earlier_version,
        "完了している原データによる試行は第1版（補正前の版）のものです。",
    ),
    "dry run of a changed 加工基準": (approval_after_the_standard_changed, "の後に加工基準又は加工の方法が変更され"),
    "failing verdict": (approval_after_a_failing_dry_run, FAILED_VERDICT),
    "matching compliant dry run": (awaiting_approval, None),
}


@pytest.mark.parametrize("case", APPROVAL_CASES)
def test_approval_checks_the_dry_run_of_3_again(case, screening, screener):
    arrange, reason = APPROVAL_CASES[case]
    arrange(screening, screener)

    problems = _problems(
        lambda: services.screening_approve(screening=screening, actor=approver_user(), estimated_hours=2)
    )

    status = Proposal.objects.get(pk=screening.proposal_id).status
    if reason is None:
        assert problems == []
        assert (status, ResultNotice.objects.get().decision) == (ProposalStatus.ADEQUATE, ScreeningDecision.ADEQUATE)
    else:
        assert problems[0] == APPROVAL_REFUSAL
        assert re.search(reason, problems[1])
        assert status == ProposalStatus.AWAITING_APPROVAL
        assert not ResultNotice.objects.exists()


def test_submission_for_approval_is_refused_once_the_standard_changed(screening, screener):
    record_all(screening, screener=screener)
    change_standard(screening.proposal.entry)

    problems = _problems(lambda: services.screening_submit_for_approval(screening=screening, actor=screener))

    assert problems[0] == f"{DRY_RUN_NO_LONGER_HOLDS}決裁に回付できません。"
    assert "の後に加工基準又は加工の方法が変更され" in problems[1]
    assert Proposal.objects.get(pk=screening.proposal_id).status == ProposalStatus.UNDER_SCREENING


def test_an_inadequate_3_is_approved_without_a_dry_run(screening, screener):
    record_all(screening, screener=screener, failing={C.PROCESSING: "加工の方法が加工基準を満たさない。"})
    services.screening_submit_for_approval(screening=screening, actor=screener)

    notice = services.screening_approve(screening=screening, actor=approver_user())

    assert notice.decision == ScreeningDecision.INADEQUATE
    assert not DryRun.objects.exists()


# --- the screening page -----------------------------------------------------------------------------------


def screen_url(screening) -> str:
    return reverse("admin:proposals_screening_screen", args=[screening.pk])


def test_the_screening_page_says_why_3_cannot_be_adequate_and_refuses_it(client, screening, screener):
    staff_login(client, screener)

    page = client.get(screen_url(screening)).content.decode()
    refused = client.post(
        screen_url(screening),
        {"action": "record", "criterion": "3", "c3-criterion": "3", "c3-met": "1", "c3-reason": "適切である。"},
    )

    assert "審査基準③を「適合」とする根拠となる試行がありません" in page
    assert "原データによる試行（ドライラン）が行われていません。" in page
    assert refused.status_code == 200
    assert RECORD_REFUSAL in refused.content.decode()
    assert "原データによる試行（ドライラン）が行われていません。" in refused.content.decode()
    assert not screening.criteria.exists()


def test_the_screening_page_names_the_dry_run_and_pre_fills_adequate(client, screening, screener):
    dry_run_done(screening.proposal)
    staff_login(client, screener)

    response = client.get(screen_url(screening))

    row = next(row for row in response.context["rows"] if row["criterion"] == C.PROCESSING)
    assert "審査基準③を「適合」とする根拠となる試行：第1版" in response.content.decode()
    assert row["form"].initial["met"] == "1"
