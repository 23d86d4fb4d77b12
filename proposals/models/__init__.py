from proposals.models.calls import CallPhase, ProposalCall
from proposals.models.consultations import (
    Consultation,
    ConsultationAttachment,
    ConsultationMessage,
    ConsultationStatus,
)
from proposals.models.proposals import (
    CorrectionRequest,
    Proposal,
    ProposalAttachment,
    ProposalTransition,
    ProposalVersion,
    VersionKind,
)
from proposals.models.proposers import DisqualificationRecord, Proposer, ProposerOfficer
from proposals.models.screening import (
    CriterionRecord,
    ResultNotice,
    ResultNoticeDocument,
    Screening,
    ScreeningAssignment,
    ScreeningPolicy,
)

__all__ = [
    "CallPhase",
    "Consultation",
    "ConsultationAttachment",
    "ConsultationMessage",
    "ConsultationStatus",
    "CorrectionRequest",
    "CriterionRecord",
    "DisqualificationRecord",
    "Proposal",
    "ProposalAttachment",
    "ProposalCall",
    "ProposalTransition",
    "ProposalVersion",
    "Proposer",
    "ProposerOfficer",
    "ResultNotice",
    "ResultNoticeDocument",
    "Screening",
    "ScreeningAssignment",
    "ScreeningPolicy",
    "VersionKind",
]
