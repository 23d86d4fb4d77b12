"""Proposals on a dataset already created (法118): only during the period in the register."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from proposals.enums import ProposalKind, ProposalStatus
from proposals.models import Proposal
from proposals.services.proposals import ProposalError, proposal_create, proposal_submit
from tests.factories.proposals import clean_declarations, pdf_upload
from tests.factories.registry import AnonymizedDatasetSummaryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset():
    today = timezone.localdate()
    summary = AnonymizedDatasetSummaryFactory(
        proposal_period_start=today - datetime.timedelta(days=10),
        proposal_period_end=today + datetime.timedelta(days=10),
    )
    summary.items.create(position=1, name="氏名", processing="削除")
    return summary


def _fill(proposal: Proposal) -> Proposal:
    from proposals.enums import AttachmentKind, DeliveryMethod
    from proposals.services.proposals import proposal_attach

    proposal.purpose, proposal.method, proposal.business_content = "目的", "方法", "事業"
    proposal.use_period_start, proposal.use_period_end = datetime.date(2027, 4, 1), datetime.date(2028, 3, 31)
    proposal.security_measures, proposal.delivery_method = "措置", DeliveryMethod.ONLINE
    proposal.declarations = clean_declarations(proposal.proposer)
    proposal.save()
    for kind in (AttachmentKind.DECLARATION, AttachmentKind.CONTRIBUTION, AttachmentKind.IDENTITY):
        proposal_attach(proposal=proposal, actor=proposal.proposer.user, kind=kind, upload=pdf_upload())
    return proposal


def test_a_proposal_on_a_created_dataset_skips_the_count_and_the_processing(proposer, dataset):
    proposal = _fill(
        proposal_create(proposer=proposer, actor=proposer.user, entry=dataset.entry, dataset_summary=dataset)
    )

    version = proposal_submit(proposal=proposal, actor=proposer.user)

    assert proposal.kind == ProposalKind.EXISTING_DATASET
    assert version.snapshot["dataset"]["items"] == ["氏名（削除）"]
    assert version.snapshot["subject_count"] is None and version.snapshot["processing"] == []


def test_outside_the_period_in_the_register_nothing_is_taken(proposer, dataset):
    dataset.proposal_period_end = timezone.localdate() - datetime.timedelta(days=1)
    dataset.save()

    with pytest.raises(ProposalError, match="現在、提案を受け付けていません"):
        proposal_create(proposer=proposer, actor=proposer.user, entry=dataset.entry, dataset_summary=dataset)


def test_the_period_closing_after_the_draft_stops_the_submission(proposer, dataset):
    proposal = _fill(
        proposal_create(proposer=proposer, actor=proposer.user, entry=dataset.entry, dataset_summary=dataset)
    )
    dataset.proposal_period_end = timezone.localdate() - datetime.timedelta(days=1)
    dataset.save()

    with pytest.raises(ProposalError, match="受付期間外"):
        proposal_submit(proposal=proposal, actor=proposer.user)

    assert Proposal.objects.get(pk=proposal.pk).status == ProposalStatus.DRAFT


def test_the_register_page_offers_the_proposal(client, proposer_client, dataset):
    page = proposer_client.get(reverse("registry:detail", args=[dataset.entry.public_id])).content.decode()

    assert f'name="dataset" value="{dataset.public_id}"' in page
