"""Reads for the contractor's pages; each takes the user, and what they may not see does not exist (404)."""

from django.db.models import QuerySet
from django.utils import timezone

from contracts.models import Contract, ContractDocument, FeeSchedule
from proposals.enums import ScreeningDecision
from proposals.models import ResultNotice


def contracts_for_user(user) -> QuerySet[Contract]:
    """The user's own contracts, newest application first (one query for a list page)."""
    return (
        Contract.objects.filter(proposer__user=user)
        .select_related("proposal", "proposal__entry")
        .order_by("-applied_at")
    )


def contract_for_user(user, public_id) -> Contract:
    """The user's own contract; Contract.DoesNotExist for anyone else's (the view answers 404)."""
    return (
        contracts_for_user(user)
        .select_related("proposer", "notice", "proposal__dataset_summary")
        .prefetch_related("payments", "reports", "documents")
        .get(public_id=public_id)
    )


def contract_document_for_user(user, contract: Contract, document_id) -> ContractDocument:
    return ContractDocument.objects.get(contract=contract, contract__proposer__user=user, public_id=document_id)


def notice_for_application(user, proposal_public_id) -> ResultNotice:
    """The result notice of the user's own proposal (any decision: the service refuses all but adequate);
    ResultNotice.DoesNotExist for anyone else's proposal or a proposal without a notice."""
    return ResultNotice.objects.select_related("proposal", "proposal__entry").get(
        proposal__public_id=proposal_public_id, proposal__proposer__user=user
    )


def notices_awaiting_application(user) -> QuerySet[ResultNotice]:
    """Adequate notices of the user's proposals with no application yet (for the dashboard)."""
    return ResultNotice.objects.filter(
        proposal__proposer__user=user, decision=ScreeningDecision.ADEQUATE, contract__isnull=True
    ).select_related("proposal", "proposal__entry")


def fee_schedules_public(today=None) -> list[FeeSchedule]:
    """The fee schedules for the public page (/fees/), newest fiscal year first, in one query. The current
    fiscal year is always listed: when staff have not configured it, with the statutory default (unsaved)."""
    from portal.jdates import fiscal_year

    schedules = list(FeeSchedule.objects.order_by("-fiscal_year"))
    current = fiscal_year(today or timezone.localdate())
    if not any(schedule.fiscal_year == current for schedule in schedules):
        schedules.append(FeeSchedule(fiscal_year=current))
        schedules.sort(key=lambda schedule: schedule.fiscal_year, reverse=True)
    return schedules
