"""The PDFs of a result notice (審査結果通知書, 法114条2項・3項) and the forms an adequate one encloses
(法115: 契約の締結の申込書, 利用契約書), built from the proposal's latest version.

Contexts follow docs/pdf.md; rendering is portal.pdf.render_pdf. The service stores the bytes, so a notice
stays exactly as issued.
"""

import datetime

from django.utils import timezone

from contracts.services import FeeEstimate
from portal.pdf import render_pdf
from proposals.criteria import applicable_criteria
from proposals.enums import Criterion, NoticeDocumentKind, ScreeningDecision
from proposals.models import Proposal, ProposalVersion, ScreeningPolicy

TEMPLATES = {
    (NoticeDocumentKind.NOTICE, ScreeningDecision.ADEQUATE): "pdf/result_notice_adequate.html",
    (NoticeDocumentKind.NOTICE, ScreeningDecision.INADEQUATE): "pdf/result_notice_inadequate.html",
    (NoticeDocumentKind.CONTRACT_APPLICATION, ScreeningDecision.ADEQUATE): "pdf/contract_application.html",
    (NoticeDocumentKind.USAGE_CONTRACT, ScreeningDecision.ADEQUATE): "pdf/usage_contract.html",
}
FILE_NAMES = {
    NoticeDocumentKind.NOTICE: "審査結果通知書",
    NoticeDocumentKind.CONTRACT_APPLICATION: "契約の締結の申込書",
    NoticeDocumentKind.USAGE_CONTRACT: "利用契約書",
}


def _business_name(snapshot: dict) -> str:
    """Proposals have no separate business name: the first line of 事業の内容, shortened."""
    first = (snapshot.get("business_content") or "").strip().splitlines() or [""]
    return first[0][:100]


def _addressee(snapshot: dict) -> dict:
    proposer = snapshot["proposer"]
    return {"name": proposer["name"], "representative": proposer.get("representative") or ""}


def _proposal(proposal: Proposal, snapshot: dict) -> dict:
    return {
        "receipt_number": proposal.receipt_number,
        "submitted_on": timezone.localtime(proposal.submitted_at).date(),
        "business_name": _business_name(snapshot),
        "file_names": [snapshot["entry"]["name"]],
    }


def _contact(policy: ScreeningPolicy) -> dict:
    return {
        "section": policy.contact_section,
        "person": policy.contact_person,
        "phone": policy.contact_phone,
        "email": policy.contact_email,
    }


def _dataset(snapshot: dict) -> dict:
    if snapshot.get("dataset"):
        dataset = snapshot["dataset"]
        return {
            "description": f"{snapshot['entry']['name']}から作成された行政機関等匿名加工情報"
            f"（{dataset['created_on']}作成）",
            "subject_count": dataset.get("subject_count"),
            "items": [{"name": item, "processing": "作成済み"} for item in dataset.get("items", [])],
        }
    return {
        "description": f"{snapshot['entry']['name']}を加工基準に従って加工したもの（対象レコード："
        f"{snapshot.get('records') or '－'}）",
        "subject_count": snapshot.get("subject_count"),
        "items": [{"name": name, "processing": detail} for name, detail in snapshot.get("processing", [])],
    }


def _period(snapshot: dict) -> dict:
    start, end = snapshot["use_period"]
    return {"start": datetime.date.fromisoformat(start), "end": datetime.date.fromisoformat(end)}


def notice_contexts(
    *,
    proposal: Proposal,
    version: ProposalVersion,
    decision: ScreeningDecision,
    document_number: str,
    document_date: datetime.date,
    records: dict,
    fee: FeeEstimate | None,
    policy: ScreeningPolicy,
) -> dict[NoticeDocumentKind, dict]:
    """The context of every PDF issued for this decision, by kind (the notice first).

    records: criterion → CriterionRecord, for the criteria applicable to the proposal.
    """
    snapshot = version.snapshot
    base = {
        "document_number": document_number,
        "document_date": document_date,
        "addressee": _addressee(snapshot),
        "agency_head_name": policy.agency_head_name,
        "proposal": _proposal(proposal, snapshot),
        "contact": _contact(policy),
    }
    if decision == ScreeningDecision.INADEQUATE:
        # 法114条3項: the reasons, criterion by criterion, in the order of the Act.
        criteria = [
            {"label": Criterion(c).label, "met": records[c].met, "reason": records[c].reason}
            for c in applicable_criteria(proposal)
        ]
        return {NoticeDocumentKind.NOTICE: {**base, "criteria": criteria}}
    deadline = document_date + datetime.timedelta(days=policy.submission_days)
    fee_context = {**fee.as_context(), "payment_method": policy.payment_method, "due_date": deadline}
    provision_method = snapshot.get("delivery_method") or ""
    proposer = snapshot["proposer"]
    period = _period(snapshot)
    dataset = _dataset(snapshot)
    notice = {
        **base,
        "fee": fee_context,
        "submission_deadline": deadline,
        "provision_method": provision_method,
    }
    application = {
        "applicant": {
            "address": proposer["address"],
            "name": proposer["name"],
            "representative": proposer.get("representative") or "",
            "phone": proposer.get("phone", ""),
            "email": proposer.get("email", ""),
        },
        "notice": {"document_number": document_number, "document_date": document_date},
        "proposal": base["proposal"],
        "dataset": dataset,
        "purpose": snapshot.get("purpose", ""),
        "usage_period": period,
        "provision_method": provision_method,
        "fee": {"amount": fee.amount},
    }
    contract = {
        "agency_address": policy.agency_address,
        "agency_head_name": policy.agency_head_name,
        "contractor": {key: application["applicant"][key] for key in ("address", "name", "representative")},
        "proposal": base["proposal"],
        "dataset": dataset,
        "purpose": snapshot.get("purpose", ""),
        "usage_method": snapshot.get("method", ""),
        "usage_place": "",
        "handlers": "",
        "security_measures": [line for line in (snapshot.get("security_measures") or "").splitlines() if line.strip()],
        "provision_method": provision_method,
        "fee": {"amount": fee.amount, "due_date": deadline},
        "usage_period": period,
    }
    return {
        NoticeDocumentKind.NOTICE: notice,
        NoticeDocumentKind.CONTRACT_APPLICATION: application,
        NoticeDocumentKind.USAGE_CONTRACT: contract,
    }


def render_notice_documents(*, decision: ScreeningDecision, contexts: dict) -> dict[NoticeDocumentKind, bytes]:
    """PDF bytes of every document, by kind (raises portal.pdf.PdfFontError as render_pdf does)."""
    return {kind: render_pdf(TEMPLATES[(kind, decision)], context) for kind, context in contexts.items()}


def file_name(kind: NoticeDocumentKind, document_number: str) -> str:
    return f"{FILE_NAMES[kind]}（{document_number}）.pdf"
