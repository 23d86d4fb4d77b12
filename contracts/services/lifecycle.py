"""A contract's life (法115・法120): the application, conclusion (which queues the dataset job), expiry and
cancellation with the 2-year disqualification that follows."""

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from contracts.enums import (
    ApplicationMethod,
    CancellationGround,
    ContractStatus,
    CreationStatus,
    DocumentKind,
)
from contracts.models import (
    Cancellation,
    Contract,
    ContractTransition,
)
from contracts.services.common import (
    CREATE_DATASET_TASK,
    OBLIGATIONS,
    ContractError,
    _locked,
    _move,
    _notify_proposer,
    _record,
    _require_perm,
    _store_document,
)
from contracts.services.fees import paid_amount
from portal.audit.enums import AccessAction
from portal.jdates import fiscal_year_label, wareki
from portal.notifications import outbox_enqueue
from portal.numbering import number_next
from portal.workflow import actor_name
from proposals.enums import DisqualificationGround, ScreeningDecision
from proposals.models import DisqualificationRecord, ResultNotice, ScreeningPolicy


def application_deadline(notice: ResultNotice) -> datetime.date:
    """The last day to apply: the notice date plus ScreeningPolicy.submission_days."""
    return notice.document_date + datetime.timedelta(days=ScreeningPolicy.current().submission_days)


@transaction.atomic
def contract_apply(
    *, notice: ResultNotice, actor, upload=None, confirmed: bool = False, today: datetime.date | None = None
) -> Contract:
    """The proposer applies for the usage contract (契約の締結の申込み, 法115): the signed application
    uploaded (a PDF, checked by its content) or an explicit online confirmation; once per notice.

    Refused (ContractError) for another user's notice, a notice that is not adequate, a second
    application, or after the deadline. Side effect after commit: the proposer's e-mail.
    """
    today = today or timezone.localdate()
    # Lock the proposal: two submits of the form at once must not both create a contract.
    proposal = (
        type(notice.proposal).objects.select_for_update().select_related("proposer__user").get(pk=notice.proposal_id)
    )
    if proposal.proposer.user_id != getattr(actor, "pk", None):
        raise ContractError("この審査結果通知書について申込みをすることはできません。")
    # 法115: only a proposer notified that the proposal is adequate (法114条2項) may apply.
    if notice.decision != ScreeningDecision.ADEQUATE:
        raise ContractError("審査の結果が「適合」でないため、契約の締結の申込みはできません（法第115条）。")
    if Contract.objects.filter(proposal=proposal).exists():
        raise ContractError("この提案については、既に契約の締結の申込みをしています。")
    if today > application_deadline(notice):
        raise ContractError(
            f"申込みの期限（{wareki(application_deadline(notice))}）を過ぎています。担当部署にご相談ください。"
        )
    if upload is None and not confirmed:
        raise ContractError("署名した申込書（PDF）を添付するか、オンラインで申し込む旨を確認してください。")
    if upload is not None and not upload.name.lower().endswith(".pdf"):
        raise ContractError("申込書はPDFで提出してください。")
    contract = Contract.objects.create(
        proposal=proposal,
        notice=notice,
        proposer=proposal.proposer,
        application_method=ApplicationMethod.UPLOAD if upload is not None else ApplicationMethod.ONLINE,
        applied_at=timezone.now(),
        applied_by=actor,
        applied_by_name=actor_name(actor),
        estimated_fee=notice.fee_amount,
    )
    document = _store_document(contract=contract, kind=DocumentKind.APPLICATION, upload=upload) if upload else None
    ContractTransition.objects.create(
        contract=contract,
        from_status="",
        to_status=ContractStatus.APPLIED,
        actor=actor,
        actor_name=actor_name(actor),
        reason="契約の締結の申込み（法第115条）",
    )
    _notify_proposer(contract, "contract_applied")
    _record(actor=actor, obj=contract, change="applied", action=AccessAction.CREATE, method=contract.application_method)
    if document is not None:
        _record(actor=actor, obj=document, change="document_stored", action=AccessAction.CREATE)
    return contract


def _dataset_description(proposal) -> str:
    if proposal.is_existing_dataset and proposal.dataset_summary_id:
        entry = proposal.entry.name
        return f"作成された行政機関等匿名加工情報「{proposal.dataset_summary}」（個人情報ファイル「{entry}」）"
    count = f"、本人の数 {proposal.subject_count:,}人" if proposal.subject_count else ""
    return (
        f"個人情報ファイル「{proposal.entry.name}」を加工して作成する行政機関等匿名加工情報{count}"
        "（提案書に記載の加工の方法による）"
    )


@transaction.atomic
def contract_conclude(*, contract: Contract, actor, today: datetime.date | None = None) -> Contract:
    """Conclude the usage contract (契約締結): number, parties, dataset, period of use and obligations
    fixed from the proposal; refused without an application or without full payment (法115・法119).

    Side effects: the dataset job is queued through the outbox (task `anonymizer.create_dataset`,
    after commit) and creation is recorded as pending; the proposer's e-mail after commit.
    """
    _require_perm(actor, "contracts.conclude_contract", contract)
    today = today or timezone.localdate()
    locked = _locked(contract)
    proposal = locked.proposal
    problems = []
    if not locked.applied_at:
        problems.append("契約の締結の申込みがないため、契約を締結できません（法第115条）。")
    # 法119: the fee is paid before the contract is concluded.
    if locked.fee_amount is None or paid_amount(locked) < locked.fee_amount:
        problems.append("手数料の納付が確認できないため、契約を締結できません（法第119条）。")
    if not (proposal.use_period_start and proposal.use_period_end):
        problems.append("提案書に利用期間が記載されていません。")
    if problems:
        raise ContractError(problems)
    locked = _move(locked, ContractStatus.CONCLUDED, actor=actor)
    year = locked.notice.fiscal_year
    policy = ScreeningPolicy.current()
    locked.contract_number = f"{fiscal_year_label(year)}匿契第{number_next(f'contract-{year}')}号"
    locked.concluded_on = today
    locked.concluded_by = actor
    locked.concluded_by_name = actor_name(actor)
    locked.agency_party = " ".join(filter(None, [settings.AGENCY_HEAD_TITLE, policy.agency_head_name]))
    proposer = locked.proposer
    locked.contractor_party = " ".join(
        filter(None, [proposer.name, proposer.representative_title, proposer.representative_name])
    )
    locked.dataset_description = _dataset_description(proposal)
    locked.period_start = proposal.use_period_start
    locked.period_end = proposal.use_period_end
    locked.security_measures = proposal.security_measures
    locked.obligations = list(OBLIGATIONS)
    task = outbox_enqueue(task_name=CREATE_DATASET_TASK, contract_id=locked.pk)
    locked.creation_status = CreationStatus.PENDING
    locked.creation_task_id = task.pk
    locked.save()
    _notify_proposer(locked, "contract_concluded")
    _record(actor=actor, obj=locked, change="concluded", status=locked.status)
    return locked


def contracts_expire(*, today: datetime.date | None = None) -> int:
    """End every concluded contract whose period of use is over (period_end before `today`); returns how
    many ended now. Idempotent: a contract already ended is not touched again. Side effect after
    commit: each proposer is asked for the deletion report."""
    today = today or timezone.localdate()
    ended = 0
    due = Contract.objects.filter(status=ContractStatus.CONCLUDED, period_end__lt=today).values_list("pk", flat=True)
    for pk in list(due):
        with transaction.atomic():
            contract = _locked(Contract(pk=pk))
            if contract.status != ContractStatus.CONCLUDED:
                continue  # ended meanwhile (a concurrent run or a cancellation)
            contract = _move(
                contract, ContractStatus.EXPIRED, actor=None, reason=f"利用期間の終了（{wareki(contract.period_end)}）"
            )
            contract.ended_on = contract.period_end + datetime.timedelta(days=1)
            contract.save(update_fields=["ended_on", "updated_at"])
            _notify_proposer(contract, "contract_expired")
            _record(actor=None, username="system:contracts_expire", obj=contract, change="expired")
            ended += 1
    return ended


@transaction.atomic
def contract_cancel(
    *,
    contract: Contract,
    actor,
    ground: CancellationGround | str,
    reason: str,
    cancelled_on: datetime.date | None = None,
) -> Cancellation:
    """Cancel a concluded contract on a ground of 法120, with a reason. Records the 2-year
    disqualification (法113条4号・6号) as DisqualificationRecords: a corporation by its 法人番号 and each
    officer by name and date of birth, or the individual by name and date of birth; intake checks them.
    Side effect after commit: the proposer's e-mail."""
    _require_perm(actor, "contracts.add_cancellation", contract)
    reason = reason.strip()
    if not reason:
        raise ContractError("解除の理由を記入してください。")
    cancelled_on = cancelled_on or timezone.localdate()
    ground = CancellationGround(ground)
    locked = _move(contract, ContractStatus.CANCELLED, actor=actor, reason=f"{ground.label}: {reason}")
    locked.ended_on = cancelled_on
    locked.save(update_fields=["ended_on", "updated_at"])
    cancellation = Cancellation.objects.create(
        contract=locked,
        ground=ground,
        reason=reason,
        cancelled_on=cancelled_on,
        decided_by=actor,
        decided_by_name=actor_name(actor),
    )
    proposer = locked.proposer
    common = {
        "ground": DisqualificationGround.CANCELLATION,
        "event_date": cancelled_on,
        "reason": f"{ground.label}: {reason}",
        "source": f"契約番号 {locked.contract_number}",
        "recorded_by": actor,
        "recorded_by_name": actor_name(actor),
    }
    # 法120 → 法113条4号 (the party) and 6号 (a body with such an officer): two years from the cancellation.
    if proposer.is_corporation:
        DisqualificationRecord.objects.create(name=proposer.name, corporate_number=proposer.corporate_number, **common)
        for officer in proposer.officers.all():
            DisqualificationRecord.objects.create(name=officer.name, date_of_birth=officer.date_of_birth, **common)
    else:
        DisqualificationRecord.objects.create(name=proposer.name, date_of_birth=proposer.date_of_birth, **common)
    _notify_proposer(locked, "contract_cancelled", cancellation=cancellation)
    _record(actor=actor, obj=locked, change="cancelled", ground=ground.value, status=locked.status)
    return cancellation
