"""Writes to proposals: drafts, attachments, submission (with its receipt), withdrawal, corrections."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from files_registry.models import AnonymizedDatasetSummary, RegisterEntry
from portal.jdates import fiscal_year, wareki
from portal.notifications import notify
from portal.numbering import number_next
from portal.uploads import inspect_upload
from portal.workflow import actor_name
from proposals import processing, workflow
from proposals.disqualification import declaration_complete, disqualification_findings
from proposals.enums import AttachmentKind, DeliveryMethod, ProposalKind, ProposalStatus
from proposals.models import (
    Consultation,
    CorrectionRequest,
    Proposal,
    ProposalAttachment,
    ProposalCall,
    ProposalVersion,
    Proposer,
    VersionKind,
)

# 法114条1項2号: a dataset covers at least 1000 data subjects and no more than the file holds.
MIN_SUBJECTS = 1000

DRAFT_FIELDS = (
    "subject_count",
    "processing_request",
    "purpose",
    "method",
    "business_content",
    "use_period_start",
    "use_period_end",
    "security_measures",
    "delivery_method",
    "submitted_by_agent",
    "agent_name",
    "agent_address",
    "declarations",
)


class ProposalError(Exception):
    """A proposal action refused. `problems` lists every reason, in Japanese, for the proposer."""

    def __init__(self, problems: list[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


@transaction.atomic
def proposal_create(
    *,
    proposer: Proposer,
    actor,
    entry: RegisterEntry,
    call: ProposalCall | None = None,
    dataset_summary: AnonymizedDatasetSummary | None = None,
) -> Proposal:
    """Start a draft on a call's file (法112) or on a created dataset (法118)."""
    now = timezone.now()
    if dataset_summary is None:
        if call is None or not call.is_open(now):
            raise ProposalError("この募集は現在、提案を受け付けていません。")
        if not call.entries.filter(pk=entry.pk).exists():
            raise ProposalError("この個人情報ファイルは、この募集の対象ではありません。")
        kind = ProposalKind.NEW_DATASET
    else:
        if dataset_summary.entry_id != entry.pk or not dataset_summary.accepts_proposals_on(timezone.localdate(now)):
            raise ProposalError("この行政機関等匿名加工情報については、現在、提案を受け付けていません。")
        kind = ProposalKind.EXISTING_DATASET
    proposal = Proposal.objects.create(
        proposer=proposer, created_by=actor, entry=entry, call=call, dataset_summary=dataset_summary, kind=kind
    )
    # The pre-consultation threads about this call or file stay with the proposal (screening reads them).
    topic = Q(entry=entry) | (Q(call=call) if call is not None else Q(pk__in=[]))
    proposal.consultations.set(Consultation.objects.filter(proposer=proposer).filter(topic))
    return proposal


def _editable(proposal: Proposal) -> Proposal:
    locked = Proposal.objects.select_for_update().get(pk=proposal.pk)
    if not locked.editable_by_proposer:
        raise ProposalError("提出済みの提案は変更できません。補正を求められた場合に限り、変更して再提出できます。")
    return locked


@transaction.atomic
def proposal_save_draft(*, proposal: Proposal, actor, data: dict) -> Proposal:
    """Save whatever the proposer has entered so far (no completeness check): nothing typed is lost."""
    locked = _editable(proposal)
    for name in DRAFT_FIELDS:
        if name in data:
            setattr(locked, name, data[name])
    locked.save()
    return locked


@transaction.atomic
def proposal_attach(*, proposal: Proposal, actor, kind: str, upload) -> ProposalAttachment:
    """Attach a document (法112条3項), checked by its content. A new file of a kind that takes one
    file replaces the earlier one, which stays on record for the versions that named it."""
    locked = _editable(proposal)
    try:
        info = inspect_upload(upload)
    except ValidationError as error:
        raise ProposalError(error.messages) from None
    if kind != AttachmentKind.OTHER:
        locked.attachments.filter(kind=kind, replaced_at__isnull=True).update(replaced_at=timezone.now())
    return ProposalAttachment.objects.create(
        proposal=locked,
        kind=kind,
        file=upload,
        **info.model_fields(),
    )


@transaction.atomic
def proposal_detach(*, proposal: Proposal, actor, attachment: ProposalAttachment) -> None:
    """Take a document off the proposal before (re)submission; submitted versions keep naming it."""
    _editable(proposal)
    ProposalAttachment.objects.filter(pk=attachment.pk, proposal=proposal, replaced_at__isnull=True).update(
        replaced_at=timezone.now()
    )


def current_attachments(proposal: Proposal):
    return proposal.attachments.filter(replaced_at__isnull=True).order_by("kind", "uploaded_at")


def proposal_problems(proposal: Proposal) -> list[str]:
    """Everything that stops the proposal from being submitted, in Japanese (empty: complete)."""
    problems = []
    existing = proposal.is_existing_dataset
    if not existing:
        # 法114条1項2号
        if proposal.subject_count is None:
            problems.append("行政機関等匿名加工情報の本人の数を入力してください。")
        elif proposal.subject_count < MIN_SUBJECTS:
            problems.append(f"本人の数は{MIN_SUBJECTS:,}人以上にしてください（個人情報保護法第114条第1項第2号）。")
        elif proposal.entry.subject_count is not None and proposal.subject_count > proposal.entry.subject_count:
            problems.append("本人の数は、個人情報ファイルを構成する保有個人情報の本人の数以下にしてください。")
        problems += processing.processing_problems(
            proposal.processing_request or {}, list(proposal.entry.recorded_items.all())
        )
    for field, label in (
        ("purpose", "利用の目的"),
        ("method", "利用の方法"),
        ("business_content", "事業の内容"),
        ("security_measures", "漏えいの防止その他の適切な管理のために講ずる措置"),
    ):
        if not (getattr(proposal, field) or "").strip():
            problems.append(f"「{label}」を入力してください。")
    if not (proposal.use_period_start and proposal.use_period_end):
        problems.append("事業の用に供しようとする期間を入力してください。")
    elif proposal.use_period_end < proposal.use_period_start:
        problems.append("事業の用に供しようとする期間の終了日は、開始日以後にしてください。")
    if proposal.delivery_method not in DeliveryMethod.values:
        problems.append("行政機関等匿名加工情報の提供の方法を選んでください。")
    if proposal.submitted_by_agent and not (proposal.agent_name.strip() and proposal.agent_address.strip()):
        problems.append("代理人の氏名又は名称と住所を入力してください。")
    if not declaration_complete(proposer=proposal.proposer, declarations=proposal.declarations or {}):
        problems.append("欠格事由についての申告を、すべての項目（役員がいる場合は役員ごと）について行ってください。")
    attached = set(current_attachments(proposal).values_list("kind", flat=True))
    required = [AttachmentKind.DECLARATION, AttachmentKind.CONTRIBUTION, AttachmentKind.IDENTITY]
    if proposal.submitted_by_agent:
        required.append(AttachmentKind.POWER_OF_ATTORNEY)
    problems += [f"「{kind.label}」を添付してください。" for kind in required if kind not in attached]
    return problems


def _intake_open(proposal: Proposal, now) -> bool:
    if proposal.is_existing_dataset:
        return proposal.dataset_summary.accepts_proposals_on(timezone.localdate(now))
    return proposal.call.is_open(now)


def _snapshot(proposal: Proposal, now) -> dict:
    """Exactly what is submitted, frozen into the version (the receipt PDF is made from it)."""
    proposer = proposal.proposer
    return {
        "receipt_number": proposal.receipt_number,
        "kind": proposal.kind,
        "kind_label": proposal.get_kind_display(),
        "call": {"title": proposal.call.title} if proposal.call else None,
        "entry": {"register_number": proposal.entry.register_number, "name": proposal.entry.name},
        "dataset": {
            "created_on": proposal.dataset_summary.created_on.isoformat(),
            "subject_count": proposal.dataset_summary.subject_count,
            "items": [str(item) for item in proposal.dataset_summary.items.all()],
        }
        if proposal.dataset_summary
        else None,
        "proposer": {
            "kind": proposer.get_kind_display(),
            "name": proposer.name,
            "name_kana": proposer.name_kana,
            "postal_code": proposer.postal_code,
            "address": proposer.address,
            "phone": proposer.phone,
            "email": proposer.user.email,
            "corporate_number": proposer.corporate_number,
            "representative": f"{proposer.representative_title} {proposer.representative_name}".strip(),
            "officers": [
                {"title": officer.title, "name": officer.name, "date_of_birth": officer.date_of_birth.isoformat()}
                for officer in proposer.officers.all()
            ],
        },
        "agent": {"name": proposal.agent_name, "address": proposal.agent_address}
        if proposal.submitted_by_agent
        else None,
        "subject_count": proposal.subject_count,
        "processing_request": proposal.processing_request,
        "processing": [list(row) for row in processing.describe(proposal.processing_request or {})],
        "records": processing.describe_records(proposal.processing_request or {}),
        "purpose": proposal.purpose,
        "method": proposal.method,
        "business_content": proposal.business_content,
        "use_period": [proposal.use_period_start.isoformat(), proposal.use_period_end.isoformat()],
        "security_measures": proposal.security_measures,
        "delivery_method": proposal.get_delivery_method_display(),
        "declarations": proposal.declarations,
        "attachments": [
            {
                "id": str(attachment.public_id),
                "kind": attachment.kind,
                "kind_label": attachment.get_kind_display(),
                "name": attachment.original_name,
                "size": attachment.size,
                "sha256": attachment.sha256,
            }
            for attachment in current_attachments(proposal)
        ],
        "submitted_at": now.isoformat(),
    }


@transaction.atomic
def proposal_submit(*, proposal: Proposal, actor, now=None) -> ProposalVersion:
    """Submit the proposal (or its correction): check timing, completeness and disqualification,
    give a receipt number, freeze a version, and notify the proposer.

    Raises ProposalError with every problem; nothing changes then, and the draft stays as it was.
    Safe against double submission (two tabs): the row is locked and the status checked.
    """
    now = now or timezone.now()
    locked = (
        Proposal.objects.select_for_update(of=("self",)).select_related("proposer", "entry", "call").get(pk=proposal.pk)
    )
    if locked.status not in (ProposalStatus.DRAFT, ProposalStatus.CORRECTION_REQUESTED):
        raise ProposalError("この提案は既に提出されています（受付番号 {}）。".format(locked.receipt_number or "－"))
    correcting = locked.status == ProposalStatus.CORRECTION_REQUESTED
    if not correcting and not _intake_open(locked, now):
        raise ProposalError("提案の受付期間外のため提出できませんでした。入力した内容は下書きとして保存されています。")
    problems = proposal_problems(locked)
    findings = disqualification_findings(
        proposer=locked.proposer, declarations=locked.declarations or {}, on_date=timezone.localdate(now)
    )
    problems += [finding.message for finding in findings]
    if problems:
        raise ProposalError(problems)
    if locked.receipt_number is None:
        year = fiscal_year(timezone.localdate(now))
        locked.receipt_number = f"{year}-{number_next(f'proposal-receipt-{year}'):06d}"
        locked.submitted_at = now
        locked.save(update_fields=["receipt_number", "submitted_at", "updated_at"])
    number = locked.versions.count() + 1
    version = ProposalVersion.objects.create(
        proposal=locked,
        number=number,
        kind=VersionKind.CORRECTION if correcting else VersionKind.SUBMISSION,
        snapshot=_snapshot(locked, now),
        submitted_by=actor,
        submitted_by_name=actor_name(actor),
        submitted_at=now,
    )
    if correcting:
        CorrectionRequest.objects.filter(proposal=locked, answered_version__isnull=True).update(
            answered_version=version
        )
    workflow.transition(locked, ProposalStatus.SUBMITTED, actor=actor)
    if correcting and hasattr(locked, "screening"):
        # A correction answered resumes the screening it paused (法114; issue 4).
        from proposals.services.screening import screening_resume

        screening_resume(screening=locked.screening, actor=None)
    notify(
        user=locked.proposer.user,
        template="proposal_submitted",
        context={
            "receipt_number": locked.receipt_number,
            "version": number,
            "correction": correcting,
            "entry_name": locked.entry.name,
            "submitted_on": wareki(now),
            "submitted_at": timezone.localtime(now),
        },
    )
    return version


@transaction.atomic
def proposal_withdraw(*, proposal: Proposal, actor, reason: str = "") -> Proposal:
    """Withdraw a submitted proposal (取下げ); the versions stay on record."""
    try:
        locked = workflow.transition(proposal, ProposalStatus.WITHDRAWN, actor=actor, reason=reason)
    except workflow.TransitionError as error:
        raise ProposalError(str(error)) from None
    notify(
        user=locked.proposer.user,
        template="proposal_withdrawn",
        context={"receipt_number": locked.receipt_number, "entry_name": locked.entry.name},
    )
    return locked


@transaction.atomic
def proposal_request_correction(*, proposal: Proposal, actor, message: str, due_date: datetime.date):
    """Staff ask for a correction (補正); the proposer may then edit and resubmit."""
    if not message.strip():
        raise ProposalError("補正を求める事項を入力してください。")
    if due_date <= timezone.localdate():
        raise ProposalError("補正の期限は明日以降の日付にしてください。")
    try:
        locked = workflow.transition(proposal, ProposalStatus.CORRECTION_REQUESTED, actor=actor, reason=message)
    except workflow.TransitionError as error:
        raise ProposalError(str(error)) from None
    request = CorrectionRequest.objects.create(
        proposal=locked,
        message=message,
        due_date=due_date,
        requested_by=actor,
        requested_by_name=actor_name(actor),
    )
    notify(
        user=locked.proposer.user,
        template="proposal_correction_requested",
        context={
            "receipt_number": locked.receipt_number,
            "entry_name": locked.entry.name,
            "message": message,
            "due_date": wareki(due_date),
        },
    )
    return request
