"""/mypage/contracts/: the contractor's pages. Another user's ids answer 404, like ids that do not exist."""

import pytest
from django.urls import reverse

from contracts.models import Contract
from portal.audit.models import AccessRecord
from proposals.enums import ScreeningDecision
from tests.contracts.helpers import applied_contract, concluded_contract, fee_fixed_contract, notice_for
from tests.factories.proposals import ProposerFactory, pdf_upload
from tests.helpers import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.contracts.urls")]


def _login(client, contract_or_notice):
    proposer = contract_or_notice.proposal.proposer
    client.force_login(proposer.user)
    return client


def test_apply_page_creates_the_contract(client):
    notice = notice_for()
    _login(client, notice)

    response = client.post(
        reverse("contracts:apply", args=[notice.proposal.public_id]), {"document": pdf_upload("申込書.pdf")}
    )

    contract = Contract.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("contracts:detail", args=[contract.public_id])
    assert contract.application_method == "upload"


def test_apply_page_shows_the_refusal_for_an_inadequate_notice(client):
    notice = notice_for(decision=ScreeningDecision.INADEQUATE)
    _login(client, notice)

    response = client.post(reverse("contracts:apply", args=[notice.proposal.public_id]), {"confirm_online": "on"})

    assert response.status_code == 200
    assert "法第115条" in response.content.decode()
    assert Contract.objects.count() == 0


def test_the_proposal_page_links_to_the_application(client):
    notice = notice_for()
    _login(client, notice)

    response = client.get(reverse("mypage:proposal", args=[notice.proposal.public_id]))

    assert reverse("contracts:apply", args=[notice.proposal.public_id]) in response.content.decode()


@pytest.mark.parametrize("page", ["detail", "payment_slip", "report_new"])
def test_another_users_contract_is_404(client, chief_manager, page):
    contract = fee_fixed_contract(chief_manager)
    client.force_login(ProposerFactory().user)

    response = client.get(reverse(f"contracts:{page}", args=[contract.public_id]))

    assert response.status_code == 404


def test_another_users_proposal_cannot_be_applied_for(client):
    notice = notice_for()
    client.force_login(ProposerFactory().user)

    response = client.post(reverse("contracts:apply", args=[notice.proposal.public_id]), {"confirm_online": "on"})

    assert (response.status_code, Contract.objects.count()) == (404, 0)


def test_another_users_document_is_404(client):
    notice = notice_for()
    from contracts.services import contract_apply

    contract = contract_apply(notice=notice, actor=notice.proposal.proposer.user, upload=pdf_upload("a.pdf"))
    document = contract.documents.get()
    other = applied_contract()
    _login(client, other)

    own_url = reverse("contracts:document", args=[contract.public_id, document.public_id])
    mixed_url = reverse("contracts:document", args=[other.public_id, document.public_id])

    assert (client.get(own_url).status_code, client.get(mixed_url).status_code) == (404, 404)


def test_the_owner_downloads_their_document(client):
    notice = notice_for()
    from contracts.services import contract_apply

    contract = contract_apply(notice=notice, actor=notice.proposal.proposer.user, upload=pdf_upload("a.pdf"))
    _login(client, contract)

    response = client.get(reverse("contracts:document", args=[contract.public_id, contract.documents.get().public_id]))

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")


def test_the_payment_slip_is_a_recorded_download(client, chief_manager):
    contract = fee_fixed_contract(chief_manager)
    _login(client, contract)

    response = client.get(reverse("contracts:payment_slip", args=[contract.public_id]))

    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    text = pdf_text(response.content)
    assert "納付書" in text
    assert f"{contract.fee_amount:,}" in text
    assert AccessRecord.objects.filter(action="download", object_id=str(contract.pk)).count() == 1


def test_no_payment_slip_before_the_fee_is_fixed(client):
    contract = applied_contract()
    _login(client, contract)

    assert client.get(reverse("contracts:payment_slip", args=[contract.public_id])).status_code == 404


def test_an_incident_report_is_filed_from_the_page(client, chief_manager):
    contract = concluded_contract(chief_manager)
    _login(client, contract)

    response = client.post(
        reverse("contracts:report_new", args=[contract.public_id]), {"kind": "incident", "body": "紛失した。"}
    )

    assert response.status_code == 302
    assert contract.reports.get().kind == "incident"


def test_the_detail_page_shows_the_terms(client, chief_manager):
    contract = concluded_contract(chief_manager)
    _login(client, contract)

    body = client.get(reverse("contracts:detail", args=[contract.public_id])).content.decode()

    assert contract.contract_number in body
    assert "第三者に提供しない" in body


@pytest.mark.parametrize("count", [1, 3])
def test_the_contract_list_queries_do_not_grow(client, chief_manager, django_assert_num_queries, count):
    first = applied_contract()
    proposer = first.proposer
    for _ in range(count - 1):
        applied_contract(proposer=proposer)
    client.force_login(proposer.user)

    with django_assert_num_queries(4):
        response = client.get(reverse("contracts:list"))

    assert response.status_code == 200
    assert response.content.decode().count("contracts/") >= count
