"""Staff work in the admin: every write goes through a service, so the same refusals apply."""

import pytest
from django.urls import reverse
from django.utils import timezone

from contracts.models import Contract, Payment
from tests.contracts.helpers import applied_contract, fee_fixed_contract, paid_contract

pytestmark = pytest.mark.django_db


def _payment_form(contract, **extra):
    return {
        "contract": contract.pk,
        "paid_on": timezone.localdate().isoformat(),
        "method": "revenue_stamp",
        "reference": "印紙 1",
        "amount": contract.fee_amount,
        "correction_reason": "",
        **extra,
    }


def test_staff_record_a_payment_in_the_admin(client, chief_manager):
    contract = fee_fixed_contract(chief_manager)
    client.force_login(chief_manager)

    response = client.post(reverse("admin:contracts_payment_add"), _payment_form(contract))

    assert response.status_code == 302
    contract.refresh_from_db()
    assert (contract.status, Payment.objects.get().recorded_by_name) == ("paid", chief_manager.display_name)


def test_a_second_payment_in_the_admin_is_refused_with_a_message(client, chief_manager):
    contract = paid_contract(chief_manager)
    client.force_login(chief_manager)

    response = client.post(reverse("admin:contracts_payment_add"), _payment_form(contract), follow=True)

    assert "既に記録されています" in response.content.decode()
    assert Payment.objects.count() == 1


def test_the_conclude_action_refuses_an_unpaid_contract(client, chief_manager):
    contract = applied_contract()
    client.force_login(chief_manager)

    response = client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "action_conclude", "_selected_action": [contract.pk]},
        follow=True,
    )

    assert "法第119条" in response.content.decode()
    assert Contract.objects.get().status == "applied"


def test_the_conclude_action_concludes_a_paid_contract(client, chief_manager):
    contract = paid_contract(chief_manager)
    client.force_login(chief_manager)

    client.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "action_conclude", "_selected_action": [contract.pk]},
    )

    assert Contract.objects.get().status == "concluded"


def test_a_correction_with_a_reason_is_accepted_in_the_admin(client, chief_manager):
    contract = paid_contract(chief_manager)
    client.force_login(chief_manager)

    response = client.post(
        reverse("admin:contracts_payment_add"), _payment_form(contract, correction_reason="領収番号の誤記")
    )

    assert response.status_code == 302
    assert list(Payment.objects.values_list("is_correction", flat=True)) == [False, True]


def test_a_correction_without_a_payment_is_refused_in_the_admin(client, chief_manager):
    contract = fee_fixed_contract(chief_manager)
    client.force_login(chief_manager)

    response = client.post(
        reverse("admin:contracts_payment_add"), _payment_form(contract, correction_reason="誤記"), follow=True
    )

    assert "訂正する納付の記録がありません" in response.content.decode()
    assert Payment.objects.count() == 0


def test_the_chief_manager_cancels_in_the_admin(client, chief_manager):
    from proposals.models import DisqualificationRecord
    from tests.contracts.helpers import concluded_contract

    contract = concluded_contract(chief_manager)
    client.force_login(chief_manager)

    response = client.post(
        reverse("admin:contracts_cancellation_add"),
        {
            "contract": contract.pk,
            "ground": "breach",
            "reason": "識別行為を行った。",
            "cancelled_on": timezone.localdate().isoformat(),
        },
    )

    assert response.status_code == 302
    assert (Contract.objects.get().status, DisqualificationRecord.objects.count()) == ("cancelled", 1)


def _uploaded_application():
    from contracts import services
    from tests.contracts.helpers import notice_for
    from tests.factories.proposals import pdf_upload

    notice = notice_for()
    return services.contract_apply(notice=notice, actor=notice.proposal.proposer.user, upload=pdf_upload("申込書.pdf"))


def test_staff_download_a_contract_document_from_the_admin_and_it_is_recorded(client, chief_manager):
    from portal.audit.models import AccessRecord

    contract = _uploaded_application()
    document = contract.documents.get()
    client.force_login(chief_manager)

    page = client.get(reverse("admin:contracts_contract_change", args=[contract.pk])).content.decode()
    url = reverse("admin:contracts_contract_document", args=[contract.pk, document.public_id])
    response = client.get(url)

    assert url in page
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert "no-store" in response["Cache-Control"]
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AccessRecord.objects.filter(action="download", actor=chief_manager).count() == 1


def test_a_document_of_another_contract_is_404_in_the_admin(client, chief_manager):
    contract = _uploaded_application()
    other = applied_contract()
    client.force_login(chief_manager)

    response = client.get(
        reverse("admin:contracts_contract_document", args=[other.pk, contract.documents.get().public_id])
    )

    assert response.status_code == 404


def test_staff_without_the_view_permission_cannot_download_and_the_refusal_is_recorded(client):
    from portal.accounts.roles import StaffRole
    from portal.audit.models import AccessRecord
    from tests.factories.accounts import staff_user

    contract = _uploaded_application()
    screener = staff_user(StaffRole.SCREENER)
    client.force_login(screener)

    response = client.get(
        reverse("admin:contracts_contract_document", args=[contract.pk, contract.documents.get().public_id])
    )

    # "no access" answers as "does not exist" (seed 004 第5条2項), and the refusal is on the record
    assert response.status_code == 404
    refused = AccessRecord.objects.filter(actor=screener, result="refused").get()
    assert (refused.object_type, refused.detail) == (
        "contracts.contractdocument",
        {"out_of_scope": True, "status": 404},
    )
