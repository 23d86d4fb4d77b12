"""Contracts in each state, built through the services (the notice is created directly: rendering its PDFs
is the screening tests' business and would only slow these down)."""

import datetime
import itertools
from decimal import Decimal

from django.utils import timezone

from contracts import services
from portal.jdates import fiscal_year
from proposals.enums import ProposalStatus, ScreeningDecision
from proposals.models import Proposal, ResultNotice, Screening
from tests.factories.screening import submitted_proposal

_numbers = itertools.count(1)


def notice_for(proposal=None, *, decision=ScreeningDecision.ADEQUATE, **proposal_fields) -> ResultNotice:
    """A result notice issued today on a submitted proposal (adequate by default)."""
    proposal = proposal or submitted_proposal(**proposal_fields)
    adequate = decision == ScreeningDecision.ADEQUATE
    Proposal.objects.filter(pk=proposal.pk).update(
        status=ProposalStatus.ADEQUATE if adequate else ProposalStatus.INADEQUATE
    )
    screening = Screening.objects.create(proposal=proposal, decision=decision, decided_at=timezone.now())
    today = timezone.localdate()
    return ResultNotice.objects.create(
        screening=screening,
        proposal=proposal,
        fiscal_year=fiscal_year(today),
        document_number=f"匿加第{next(_numbers)}号",
        document_date=today,
        decision=decision,
        fee_amount=28_900 if adequate else None,
        estimated_hours=Decimal(2) if adequate else None,
        issued_by_name="決裁 花子",
    )


def applied_contract(**proposal_fields):
    notice = notice_for(**proposal_fields)
    return services.contract_apply(notice=notice, actor=notice.proposal.proposer.user, confirmed=True)


def fee_fixed_contract(staff, *, hours=2, **proposal_fields):
    contract = applied_contract(**proposal_fields)
    services.hours_log(
        contract=contract, actor=staff, work_date=timezone.localdate(), hours=Decimal(hours), description="加工"
    )
    return services.fee_finalize(contract=contract, actor=staff)


def paid_contract(staff, **proposal_fields):
    contract = fee_fixed_contract(staff, **proposal_fields)
    services.payment_record(
        contract=contract,
        actor=staff,
        paid_on=timezone.localdate(),
        method="payment_slip",
        reference="R-0001",
        amount=contract.fee_amount,
    )
    contract.refresh_from_db()
    return contract


def concluded_contract(staff, **proposal_fields):
    return services.contract_conclude(contract=paid_contract(staff, **proposal_fields), actor=staff)


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)
