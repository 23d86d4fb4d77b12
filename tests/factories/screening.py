"""Proposals ready for screening, screenings in each state, and the staff who take part."""

import datetime

from portal.accounts.roles import StaffRole
from proposals.enums import Criterion, ItemAction, ProposalStatus
from proposals.models import Screening
from proposals.services import screening as services
from proposals.services.proposals import proposal_submit
from tests.factories.accounts import staff_user
from tests.factories.proposals import ProposalFactory


def compliant_processing(entry) -> dict:
    """A processing request that meets the standards for the default items (氏名, 生年月日, 住所)."""
    actions = {
        "氏名": {"action": ItemAction.DELETE},
        "生年月日": {"action": ItemAction.GENERALIZE, "level": "year"},
        "住所": {"action": ItemAction.GENERALIZE, "level": "prefecture"},
    }
    return {
        "items": [
            {"item": item.pk, "name": item.name, **actions.get(item.name, {"action": ItemAction.KEEP})}
            for item in entry.recorded_items.all()
        ],
        "records": {"selection": "all"},
    }


def submitted_proposal(*, compliant: bool = True, **fields):
    """A proposal submitted (version 1); `compliant` sets a processing request that meets the standards
    (the plain factory keeps every item as it is, 氏名 included)."""
    proposal = ProposalFactory(**fields)
    if compliant and "processing_request" not in fields:
        proposal.processing_request = compliant_processing(proposal.entry)
        proposal.save(update_fields=["processing_request"])
    proposal_submit(proposal=proposal, actor=proposal.proposer.user)
    proposal.refresh_from_db()
    return proposal


def existing_dataset_proposal():
    """A submitted proposal on a created dataset (法118), within the period in the register."""
    from django.utils import timezone

    from proposals.enums import ProposalKind
    from tests.factories.registry import AnonymizedDatasetSummaryFactory

    today = timezone.localdate()
    summary = AnonymizedDatasetSummaryFactory(
        proposal_period_start=today - datetime.timedelta(days=10),
        proposal_period_end=today + datetime.timedelta(days=10),
    )
    summary.items.create(position=1, name="性別", processing="そのまま")
    return submitted_proposal(
        call=None,
        entry=summary.entry,
        dataset_summary=summary,
        kind=ProposalKind.EXISTING_DATASET,
        subject_count=None,
        processing_request={},
    )


def screener_user(**fields):
    return staff_user(StaffRole.SCREENER, **fields)


def approver_user(**fields):
    return staff_user(StaffRole.APPROVER, **fields)


def assigned_screening(proposal, *, screener, assigner, declare: bool = True) -> Screening:
    """Screening started with `screener` assigned (and, by default, declared free of conflict)."""
    screening = services.screening_assign(proposal=proposal, screeners=[screener], actor=assigner)
    if declare:
        services.screening_declare_conflict(screening=screening, actor=screener, has_conflict=False)
    return screening


HUMAN_REASONS = {
    Criterion.CONTRIBUTION: "地域の保健指導の改善に資する事業である。",
    Criterion.PROTECTION: "専用端末とアクセス制御により安全管理の措置は適切である。",
    Criterion.AGENCY_WORKLOAD: "作成の作業量は事務の遂行に著しい支障を及ぼさない。",
}


def processing_dry_run(proposal) -> None:
    """Make sure criterion ③ can be found 適合: a completed compliant dry run of the latest version with the
    plan production would use now (tests.factories.anonymizer.dry_run_done), unless there is one."""
    from anonymizer.dry_runs import dry_run_check
    from tests.factories.anonymizer import dry_run_done

    if not dry_run_check(proposal).adequate:
        dry_run_done(proposal)


def record_all(screening, *, screener, failing: dict | None = None) -> None:
    """Record every applicable criterion: the suggestion confirmed, or 不適合 with the reason in `failing`.
    ③ found 適合 gets its real dry run first (processing_dry_run)."""
    from proposals.criteria import applicable_criteria

    failing = failing or {}
    for criterion in applicable_criteria(screening.proposal):
        if criterion in failing:
            services.criterion_record(
                screening=screening, actor=screener, criterion=criterion, met=False, reason=failing[criterion]
            )
        else:
            if criterion == Criterion.PROCESSING:
                processing_dry_run(screening.proposal)
            services.criterion_record(
                screening=screening,
                actor=screener,
                criterion=criterion,
                met=True,
                reason=HUMAN_REASONS.get(criterion, ""),
            )


def screening_awaiting_approval(*, screener, assigner, failing: dict | None = None, **fields) -> Screening:
    proposal = submitted_proposal(**fields)
    screening = assigned_screening(proposal, screener=screener, assigner=assigner)
    record_all(screening, screener=screener, failing=failing)
    services.screening_submit_for_approval(screening=screening, actor=screener)
    screening.refresh_from_db()
    assert screening.proposal.status == ProposalStatus.AWAITING_APPROVAL
    return screening


def tomorrow() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate() + datetime.timedelta(days=1)


def staff_login(client, user) -> None:
    """Sign `user` in on `client`; past the admin's second factor where the portal asks for one."""
    from django.conf import settings

    client.force_login(user)
    if "django_otp" in settings.INSTALLED_APPS:
        from tests.security.helpers import otp_verify_session

        otp_verify_session(client, user)
