"""Writes of screening (審査, 法114): assignment, conflict declarations, criteria, approval and the notice.

Every status change goes through proposals.workflow.transition (its table names the moves); the rules here
say who may make each move. Separation of duties (法114 and seed 004 第5条): a screener assigned to a
proposal never approves its screening, and a recused screener records nothing.
"""

import datetime
import hashlib
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from contracts.services import fee_estimate, fee_schedule_for_year
from portal.accounts.roles import StaffRole, user_has_role
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.jdates import fiscal_year, wareki
from portal.notifications import notify
from portal.numbering import number_next
from portal.workflow import actor_name
from proposals import criteria as criteria_rules
from proposals import documents_notices, workflow
from proposals.enums import Criterion, ProposalStatus, ScreeningDecision
from proposals.models import (
    CriterionRecord,
    Proposal,
    ResultNotice,
    ResultNoticeDocument,
    Screening,
    ScreeningAssignment,
    ScreeningPolicy,
)
from proposals.services.proposals import ProposalError

S = ProposalStatus
SCREEN_PERMISSION = "proposals.screen_screening"
DRY_RUN_NO_LONGER_HOLDS = "審査基準③を「適合」とした判断が、原データによる試行の現在の結果に裏付けられていないため、"


class ScreeningError(ProposalError):
    """A screening action refused; `problems` lists every reason in Japanese, for the staff member."""


def _audit(*, actor, proposal: Proposal, action: AccessAction, step: str, request=None, dry_run=None) -> None:
    detail = {"step": step} if dry_run is None else {"step": step, "dry_run": dry_run.public_id.hex}
    access_record(actor=actor, action=action, result=AccessResult.SUCCESS, obj=proposal, request=request, detail=detail)


def _locked(screening: Screening) -> Screening:
    # One screening changes one step at a time: two screeners saving at once must not both pass a check.
    return Screening.objects.select_for_update().select_related("proposal").get(pk=screening.pk)


def _move(proposal: Proposal, to: str, *, actor, reason: str = "") -> Proposal:
    try:
        return workflow.transition(proposal, to, actor=actor, reason=reason)
    except workflow.TransitionError as error:
        raise ScreeningError(str(error)) from None


def _assignment(screening: Screening, actor) -> ScreeningAssignment | None:
    return screening.assignments.filter(screener=actor).first()


def _require_screener(screening: Screening, actor) -> ScreeningAssignment:
    assignment = _assignment(screening, actor)
    if assignment is None or not actor.is_active:
        raise ScreeningError("この提案の審査担当者に割り当てられていません。")
    if assignment.has_conflict is None:
        raise ScreeningError("審査の前に、利益相反の有無を申告してください。")
    if assignment.recused:
        raise ScreeningError("利益相反があると申告したため、この提案の審査には関与できません（回避）。")
    return assignment


@transaction.atomic
def screening_assign(*, proposal: Proposal, screeners: list, actor, request=None) -> Screening:
    """Assign `screeners` to the proposal's screening (created on first assignment, which starts screening).

    Each screener gets the object permission proposals.screen_screening on the screening (and so sees the
    proposal). Raises ScreeningError when the actor may not assign, a person is not an active screener,
    or the proposal is not waiting for or under screening.
    """
    if not actor.has_perm("proposals.assign_screening"):
        raise ScreeningError("審査担当者を割り当てる権限がありません。")
    problems = [
        f"{actor_name(user)}は審査担当者の役割を持つ有効な職員ではありません。"
        for user in screeners
        if not user_has_role(user, StaffRole.SCREENER)
    ]
    if not screeners:
        problems.append("審査担当者を選んでください。")
    if problems:
        raise ScreeningError(problems)
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status not in (S.SUBMITTED, S.UNDER_SCREENING, S.CORRECTION_REQUESTED):
        raise ScreeningError(f"現在の状況（{locked.get_status_display()}）では審査担当者を割り当てられません。")
    screening, _ = Screening.objects.get_or_create(proposal=locked)
    for user in screeners:
        _, created = ScreeningAssignment.objects.get_or_create(
            screening=screening,
            screener=user,
            defaults={
                "screener_name": actor_name(user),
                "assigned_by": actor,
                "assigned_by_name": actor_name(actor),
            },
        )
        if created:
            assign_perm(SCREEN_PERMISSION, user, screening)
    if locked.status == S.SUBMITTED:
        _move(locked, S.UNDER_SCREENING, actor=actor, reason="審査担当者の割当て")
    _audit(actor=actor, proposal=locked, action=AccessAction.CHANGE, step="assign", request=request)
    return screening


@transaction.atomic
def screening_declare_conflict(
    *, screening: Screening, actor, has_conflict: bool, note: str = "", request=None
) -> ScreeningAssignment:
    """The assigned screener declares whether they have a conflict of interest (利益相反).

    With a conflict the screener is recused (回避): the object permission is removed and they record
    nothing more. A recusal is final; "no conflict" may later become a conflict.
    """
    locked = _locked(screening)
    assignment = _assignment(locked, actor)
    if assignment is None:
        raise ScreeningError("この提案の審査担当者に割り当てられていません。")
    if assignment.recused:
        raise ScreeningError("利益相反があるとの申告は取り消せません。")
    if has_conflict and not note.strip():
        raise ScreeningError("利益相反の内容を記入してください。")
    if not has_conflict and assignment.has_conflict is False:
        return assignment
    assignment.has_conflict = has_conflict
    assignment.conflict_note = note.strip() if has_conflict else ""
    assignment.declared_at = timezone.now()
    assignment.save(update_fields=["has_conflict", "conflict_note", "declared_at"])
    if has_conflict:
        remove_perm(SCREEN_PERMISSION, actor, locked)
    _audit(actor=actor, proposal=locked.proposal, action=AccessAction.CHANGE, step="declare_conflict", request=request)
    return assignment


@transaction.atomic
def screening_resume(*, screening: Screening, actor, request=None) -> Proposal:
    """Resume screening on a proposal resubmitted after a correction (補正): submitted → under screening.

    Any active assigned screener, or the system (actor None) when the proposer resubmits.
    """
    locked = _locked(screening)
    if actor is not None:
        _require_screener(locked, actor)
    proposal = _move(locked.proposal, S.UNDER_SCREENING, actor=actor, reason="補正後の提案書による審査の再開")
    if actor is not None:
        _audit(actor=actor, proposal=proposal, action=AccessAction.CHANGE, step="resume", request=request)
    return proposal


@transaction.atomic
def criterion_record(
    *, screening: Screening, actor, criterion: int, met: bool | None, reason: str = "", request=None
) -> CriterionRecord:
    """Record the screener's finding on one criterion, on the latest submitted version.

    A blank reason is taken from the portal's suggestion only when the screener confirms it; overriding it,
    and every finding on ④ ⑥ ⑦, needs the screener's own reason. ③ is found 適合 only on a matching compliant
    dry run (_require_dry_run; its id goes into the access record); 不適合 needs none. Raises ScreeningError
    when screening is not under way (e.g. paused for a correction), the actor is not an assigned screener
    without conflict, or the finding is incomplete or unsupported.
    """
    locked = _locked(screening)
    proposal = locked.proposal
    _require_screener(locked, actor)
    if proposal.status != S.UNDER_SCREENING:
        raise ScreeningError(f"現在の状況（{proposal.get_status_display()}）では審査基準の判断を記録できません。")
    criterion = Criterion(criterion)
    if criterion not in criteria_rules.applicable_criteria(proposal):
        raise ScreeningError("この提案には適用されない審査基準です（法第118条）。")
    if met is None:
        raise ScreeningError("適合か不適合かを選んでください。")
    dry_run = None
    if criterion == Criterion.PROCESSING and met:
        dry_run = _require_dry_run(proposal, refusal="審査基準③を「適合」と記録できません。")
    version = proposal.latest_version()
    suggestion = criteria_rules.suggestions(proposal, version=version)[criterion]
    reason = reason.strip()
    overrides = suggestion.met is not None and suggestion.met != met
    if not reason:
        if suggestion.met is None:
            raise ScreeningError("判断の理由を記入してください（理由のない判断は記録できません）。")
        if overrides:
            raise ScreeningError("ポータルの判定候補と異なる判断をするときは、その理由を記入してください。")
        reason = suggestion.reason
    record, _ = CriterionRecord.objects.update_or_create(
        screening=locked,
        criterion=criterion,
        defaults={
            "version": version,
            "suggested_met": suggestion.met,
            "suggested_reason": suggestion.reason,
            "met": met,
            "reason": reason,
            "overrides_suggestion": overrides,
            "recorded_by": actor,
            "recorded_by_name": actor_name(actor),
            "recorded_at": timezone.now(),
        },
    )
    _audit(
        actor=actor,
        proposal=proposal,
        action=AccessAction.CHANGE,
        step=f"criterion_{criterion.value}",
        request=request,
        dry_run=dry_run,
    )
    return record


def _require_dry_run(proposal: Proposal, *, refusal: str):
    """The dry run criterion ③'s 適合 rests on (anonymizer.dry_runs); ScreeningError naming what is missing.

    法114条1項3号 (seed 000 審査基準③): the processing must follow the processing standards. On a proposal for a
    new dataset (法112) that is shown by a completed dry run of the latest version, on the real source file,
    with the plan production would use now, whose verdict is compliant (issue 5).
    """
    from anonymizer.dry_runs import dry_run_check

    check = dry_run_check(proposal)
    if not check.adequate:
        raise ScreeningError([refusal, *check.problems])
    return check.dry_run


def missing_criteria(screening: Screening) -> list[Criterion]:
    """Applicable criteria without a finding on the latest version (after a correction, all of them again)."""
    proposal = screening.proposal
    version = proposal.latest_version()
    current = {
        record.criterion
        for record in screening.criteria.all()
        if version is not None and record.version_id == version.pk
    }
    return [criterion for criterion in criteria_rules.applicable_criteria(proposal) if criterion not in current]


def _require_complete(screening: Screening, *, refusal: str) -> None:
    # 法114条1項: the decision rests on every applicable criterion.
    missing = missing_criteria(screening)
    if missing:
        raise ScreeningError(
            [f"「{criterion.label}」の判断が（最新の版について）記録されていません。" for criterion in missing]
        )
    # ③ found 適合 still rests on a matching dry run: the 加工基準 may have changed since the finding.
    if screening.criteria.filter(criterion=Criterion.PROCESSING, met=True).exists():
        _require_dry_run(screening.proposal, refusal=refusal)


@transaction.atomic
def screening_submit_for_approval(*, screening: Screening, actor, comment: str = "", request=None) -> Screening:
    """An assigned screener sends the complete screening to an approver (決裁への回付)."""
    locked = _locked(screening)
    _require_screener(locked, actor)
    _require_complete(locked, refusal=f"{DRY_RUN_NO_LONGER_HOLDS}決裁に回付できません。")
    _move(locked.proposal, S.AWAITING_APPROVAL, actor=actor, reason=comment.strip() or "審査の結果を決裁に回付")
    locked.submitted_by, locked.submitted_by_name, locked.submitted_at = (
        actor,
        actor_name(actor),
        timezone.now(),
    )
    locked.save(update_fields=["submitted_by", "submitted_by_name", "submitted_at"])
    _audit(
        actor=actor, proposal=locked.proposal, action=AccessAction.CHANGE, step="submit_for_approval", request=request
    )
    return locked


def _require_approver(screening: Screening, actor) -> None:
    if not (actor.is_active and actor.has_perm("proposals.approve_screening")):
        raise ScreeningError("審査結果を決裁する権限がありません（決裁者の役割が必要です）。")
    # Separation of duties (法114): whoever is assigned to screen — even if recused — or recorded a finding
    # cannot approve.
    if screening.assignments.filter(screener=actor).exists() or screening.criteria.filter(recorded_by=actor).exists():
        raise ScreeningError("この提案の審査を担当した者は、その審査結果を決裁できません。")


@transaction.atomic
def screening_return(*, screening: Screening, actor, reason: str, request=None) -> Screening:
    """The approver sends the screening back to the screeners (差戻し), with a mandatory reason."""
    locked = _locked(screening)
    _require_approver(locked, actor)
    if not reason.strip():
        raise ScreeningError("差戻しの理由を記入してください。")
    _move(locked.proposal, S.UNDER_SCREENING, actor=actor, reason=reason.strip())
    _audit(actor=actor, proposal=locked.proposal, action=AccessAction.CHANGE, step="return", request=request)
    return locked


@transaction.atomic
def screening_approve(
    *,
    screening: Screening,
    actor,
    comment: str = "",
    estimated_hours: Decimal | None = None,
    contractor_amount: int = 0,
    today: datetime.date | None = None,
    request=None,
) -> ResultNotice:
    """The approver decides (決裁): adequate when every applicable criterion is met, else inadequate, and the
    result notice is issued (法114条2項・3項): a document number, the date, the PDFs rendered and stored.

    An adequate decision on a new dataset needs the estimated creation hours (the notice states the fee). A
    finding of 適合 on ③ is checked again against the dry runs (the 加工基準 may have changed since).
    Side effect after commit: the proposer's e-mail (notify). Raises ScreeningError when refused.
    """
    locked = _locked(screening)
    proposal = locked.proposal
    _require_approver(locked, actor)
    if proposal.status != S.AWAITING_APPROVAL:
        raise ScreeningError(f"現在の状況（{proposal.get_status_display()}）では決裁できません。")
    _require_complete(
        locked,
        refusal=f"{DRY_RUN_NO_LONGER_HOLDS}決裁できません。差し戻して、原データによる試行のやり直しを求めてください。",
    )
    today = today or timezone.localdate()
    version = proposal.latest_version()
    records = {Criterion(record.criterion): record for record in locked.criteria.all()}
    applicable = criteria_rules.applicable_criteria(proposal)
    # 法114条2項: adequate only when every criterion of 1項 (as applicable) is met; otherwise 3項.
    adequate = all(records[criterion].met for criterion in applicable)
    decision = ScreeningDecision.ADEQUATE if adequate else ScreeningDecision.INADEQUATE
    fee = None
    year = fiscal_year(today)
    if adequate:
        if estimated_hours is None and not proposal.is_existing_dataset:
            raise ScreeningError("手数料の見込額を示すため、作成に要する時間の見込みを入力してください。")
        try:
            fee = fee_estimate(
                schedule=fee_schedule_for_year(year),
                hours=estimated_hours or 0,
                contractor_amount=contractor_amount or 0,
                existing_dataset=proposal.is_existing_dataset,
            )
        except ValueError as error:
            raise ScreeningError(str(error)) from None
    policy = ScreeningPolicy.current()
    document_number = f"{policy.document_symbol}第{number_next(f'result-notice-{year}')}号"
    _move(proposal, decision, actor=actor, reason=comment.strip() or f"決裁（{decision.label}）")
    locked.approver, locked.approver_name = actor, actor_name(actor)
    locked.decided_at, locked.decision, locked.decision_comment = timezone.now(), decision, comment.strip()
    locked.save(update_fields=["approver", "approver_name", "decided_at", "decision", "decision_comment"])
    notice = ResultNotice.objects.create(
        screening=locked,
        proposal=proposal,
        fiscal_year=year,
        document_number=document_number,
        document_date=today,
        decision=decision,
        fee_amount=fee.amount if fee else None,
        estimated_hours=estimated_hours if adequate else None,
        issued_by=actor,
        issued_by_name=actor_name(actor),
    )
    contexts = documents_notices.notice_contexts(
        proposal=proposal,
        version=version,
        decision=decision,
        document_number=document_number,
        document_date=today,
        records=records,
        fee=fee,
        policy=policy,
    )
    for kind, pdf in documents_notices.render_notice_documents(decision=decision, contexts=contexts).items():
        name = documents_notices.file_name(kind, document_number)
        ResultNoticeDocument.objects.create(
            notice=notice,
            kind=kind,
            file=ContentFile(pdf, name=f"{kind}.pdf"),
            original_name=name,
            size=len(pdf),
            sha256=hashlib.sha256(pdf).hexdigest(),
        )
    notify(
        user=proposal.proposer.user,
        template="notice_result",
        context={
            "receipt_number": proposal.receipt_number,
            "entry_name": proposal.entry.name,
            "adequate": adequate,
            "document_number": document_number,
            "document_date": wareki(today),
            "fee_amount": fee.amount if fee else None,
        },
    )
    _audit(actor=actor, proposal=proposal, action=AccessAction.CREATE, step=f"approve_{decision}", request=request)
    return notice


@transaction.atomic
def screening_request_correction(*, screening: Screening, actor, message: str, due_date: datetime.date, request=None):
    """An assigned screener asks for a correction (補正), which pauses screening until the proposer
    resubmits (proposal_request_correction does the move and the e-mail)."""
    from proposals.services.proposals import proposal_request_correction

    locked = _locked(screening)
    _require_screener(locked, actor)
    correction = proposal_request_correction(proposal=locked.proposal, actor=actor, message=message, due_date=due_date)
    _audit(
        actor=actor, proposal=locked.proposal, action=AccessAction.CHANGE, step="request_correction", request=request
    )
    return correction
