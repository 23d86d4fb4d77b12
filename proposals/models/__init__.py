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

__all__ = [
    "CallPhase",
    "Consultation",
    "ConsultationAttachment",
    "ConsultationMessage",
    "ConsultationStatus",
    "CorrectionRequest",
    "DisqualificationRecord",
    "Proposal",
    "ProposalAttachment",
    "ProposalCall",
    "ProposalTransition",
    "ProposalVersion",
    "Proposer",
    "ProposerOfficer",
    "VersionKind",
]
