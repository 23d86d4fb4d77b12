"""PDFs of the proposal procedure: the blank forms of a call and the receipt of a submission."""

import datetime

from django.utils import timezone

from portal.pdf import render_pdf
from proposals.disqualification import CORPORATION_GROUNDS, INDIVIDUAL_GROUNDS
from proposals.enums import AttachmentKind, DisqualificationGround
from proposals.models import ProposalCall, ProposalVersion

# form slug in the URL -> (template, Japanese title)
CALL_FORMS = {
    "proposal": ("pdf/form_proposal.html", "提案書（様式）"),
    "declaration": ("pdf/form_declaration.html", "誓約書（様式）"),
    "power-of-attorney": ("pdf/form_power_of_attorney.html", "委任状（様式）"),
}


def call_form_pdf(call: ProposalCall, form: str) -> tuple[bytes, str]:
    """(PDF, file title) of one of the call's blank forms; KeyError for an unknown form."""
    template, title = CALL_FORMS[form]
    context = {
        "call": call,
        "title": title,
        "document_date": timezone.localtime(call.guidelines_published_at).date(),
        "grounds": list(DisqualificationGround),
        "attachment_kinds": list(AttachmentKind),
    }
    return render_pdf(template, context), title


def receipt_pdf(version: ProposalVersion) -> bytes:
    """The receipt (受付の控え): exactly what the version froze at submission."""
    snapshot = version.snapshot
    grounds = dict(DisqualificationGround.choices)
    declarations = snapshot.get("declarations") or {}
    own = CORPORATION_GROUNDS if snapshot["proposer"]["kind"] != "個人" else INDIVIDUAL_GROUNDS
    declared = [(grounds[ground], declarations.get("proposer", {}).get(ground)) for ground in own]
    return render_pdf(
        "pdf/proposal_receipt.html",
        {
            "version": version,
            "s": snapshot,
            "declared": declared,
            "officer_count": len(declarations.get("officers", {})),
            "submitted_at": datetime.datetime.fromisoformat(snapshot["submitted_at"]),
            "document_date": timezone.localtime(version.submitted_at).date(),
        },
    )
