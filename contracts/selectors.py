"""Reads of contracts; each takes the user, and what they may not see does not exist (404). Looking up
one object that exists outside the user's reach is recorded as a refusal (portal.audit.refusals)."""

from django.db.models import QuerySet
from django.utils import timezone

from contracts.models import Contract, ContractDocument, FeeSchedule
from portal.accounts.roles import scoped_to_managed
from portal.audit.refusals import object_in_scope
from proposals.enums import ScreeningDecision
from proposals.models import ResultNotice

# How a contract reaches the organization whose file it uses (seed 004 第5条: staff scope).
CONTRACT_ORGANIZATION = "proposal__entry__organization"


def contracts_for_staff(user) -> QuerySet[Contract]:
    """The contracts `user` may see on the staff side (seed 004 第5条): every one for the chief manager and
    the audit officer, those on files of the organizations they manage for anyone else, none for a
    superuser without a role (第14条). Model permissions are the admin's and the services' business."""
    return scoped_to_managed(Contract.objects.all(), user, CONTRACT_ORGANIZATION)


def contracts_for_user(user) -> QuerySet[Contract]:
    """The user's own contracts, newest application first (one query for a list page)."""
    return (
        Contract.objects.filter(proposer__user=user)
        .select_related("proposal", "proposal__entry")
        .order_by("-applied_at")
    )


def contract_for_user(user, public_id) -> Contract:
    """The user's own contract; Contract.DoesNotExist for anyone else's (the view answers 404), recorded
    as a refusal."""
    own = (
        contracts_for_user(user)
        .select_related("proposer", "notice", "proposal__dataset_summary")
        .prefetch_related("payments", "reports", "documents")
    )
    return object_in_scope(own, actor=user, public_id=public_id)


def contract_document_for_user(user, contract: Contract, document_id) -> ContractDocument:
    """A document of the user's own contract; ContractDocument.DoesNotExist otherwise (a refusal recorded
    when it exists)."""
    own = ContractDocument.objects.filter(contract=contract, contract__proposer__user=user)
    return object_in_scope(own, actor=user, public_id=document_id)


def notice_for_application(user, proposal_public_id) -> ResultNotice:
    """The result notice of the user's own proposal (any decision: the service refuses all but adequate);
    ResultNotice.DoesNotExist for anyone else's proposal (recorded as a refusal) or one without a notice."""
    own = ResultNotice.objects.select_related("proposal", "proposal__entry").filter(proposal__proposer__user=user)
    return object_in_scope(own, actor=user, proposal__public_id=proposal_public_id)


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
