"""Reads for proposers' pages; each takes the user, and what they may not see does not exist (404)."""

from django.db.models import Prefetch, QuerySet

from files_registry.models import AnonymizedDatasetSummary
from portal.audit.refusals import object_in_scope
from portal.models import Notification
from proposals.models import Consultation, ConsultationMessage, Proposal, ProposalCall, Proposer


def proposer_for_user(user) -> Proposer | None:
    if not user.is_authenticated:
        return None
    return Proposer.objects.filter(user=user).first()


def proposals_for_user(user) -> QuerySet[Proposal]:
    return Proposal.objects.filter(proposer__user=user).select_related("entry", "call").order_by("-created_at")


def proposal_for_user(user, public_id) -> Proposal:
    """The user's own proposal; Proposal.DoesNotExist for anyone else's (the view answers 404), recorded
    as a refusal (seed 004 第5条2項, portal.audit.refusals)."""
    own = (
        Proposal.objects.select_related("proposer", "entry", "call", "dataset_summary", "proposer__user")
        .prefetch_related("entry__recorded_items", "proposer__officers")
        .filter(proposer__user=user)
    )
    return object_in_scope(own, actor=user, public_id=public_id)


def consultations_for_user(user) -> QuerySet[Consultation]:
    return Consultation.objects.filter(proposer__user=user).select_related("call", "entry")


def consultation_for_user(user, public_id) -> Consultation:
    """The user's own consultation; Consultation.DoesNotExist otherwise (anyone else's recorded as refused)."""
    own = consultations_for_user(user).prefetch_related(
        Prefetch("messages", queryset=ConsultationMessage.objects.prefetch_related("attachments"))
    )
    return object_in_scope(own, actor=user, public_id=public_id)


def notifications_for_user(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, listed=True).order_by("-created_at", "-id")


def call_public(public_id) -> ProposalCall:
    return ProposalCall.objects.published().prefetch_related("entries__organization").get(public_id=public_id)


def dataset_summary_public(public_id) -> AnonymizedDatasetSummary:
    return AnonymizedDatasetSummary.objects.select_related("entry").get(
        public_id=public_id, published=True, entry__published=True
    )
