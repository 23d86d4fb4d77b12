"""Matrix rows with real contracts (seed 004 第5条 least privilege, 第14条): staff see the contracts on files
of the organizations they manage, the chief manager and the audit officer all; everyone else gets 404, as
for an id that does not exist, and the refusal is on the record (第5条2項・第12条).

Letters as in test_authorization_matrix.py (O 200 · F 403 · N 404), one per persona, in the order of PERSONAS.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Contract
from files_registry.models import RegisterEntry
from portal.accounts.roles import StaffRole
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessRecord
from tests.contracts.helpers import concluded_contract
from tests.factories.accounts import OrganizationFactory, UserFactory, staff_user
from tests.factories.proposals import pdf_bytes
from tests.security.test_authorization_matrix import outcome

pytestmark = pytest.mark.django_db

PERSONAS = [
    "chief_manager",
    "audit_officer",
    "manager_here",  # protection manager of the contract's organization
    "manager_elsewhere",  # protection manager of another organization
    "protection_officer",
    "screener",
    "approver",
    "superuser",  # set-up only (第14条): no role, no organization
]

# (url name, object key, extra args): (GET, POST)
ROWS = {
    ("admin:contracts_contract_change", "contract"): ("OOONNNNN", "FFFNNNNN"),
    ("admin:contracts_contract_history", "contract"): ("OOONNNNN", "OOONNNNN"),
    ("admin:contracts_contract_delete", "contract"): ("FFFNNNNN", "FFFNNNNN"),
    ("admin:contracts_contract_document", "document"): ("OOONNNNN", "OOONNNNN"),
    ("admin:contracts_creationhourslog_change", "hours"): ("OOONNNNN", "FFFNNNNN"),
    ("admin:contracts_creationhourslog_history", "hours"): ("OOONNNNN", "OOONNNNN"),
    ("admin:contracts_payment_change", "payment"): ("OOONNNNN", "FFFNNNNN"),
    ("admin:contracts_payment_history", "payment"): ("OOONNNNN", "OOONNNNN"),
    ("admin:contracts_contractreport_change", "report"): ("OOONNNNN", "FFFNNNNN"),
    ("admin:contracts_contractreport_history", "report"): ("OOONNNNN", "OOONNNNN"),
    ("admin:contracts_cancellation_change", "cancellation"): ("OOONNNNN", "FFFNNNNN"),
    ("admin:contracts_cancellation_history", "cancellation"): ("OOONNNNN", "OOONNNNN"),
}


@pytest.fixture
def contracts_world():
    here, elsewhere = OrganizationFactory(name="健康局健康課"), OrganizationFactory(name="年金局事業管理課")
    chief = staff_user(StaffRole.CHIEF_MANAGER)
    contract = _in(here, concluded_contract(chief))
    report = services.report_submit(
        contract=contract,
        actor=contract.proposer.user,
        kind="usage",
        body="利用の状況の報告",
        upload=SimpleUploadedFile("report.pdf", pdf_bytes("report"), content_type="application/pdf"),
    )
    cancelled = _in(here, concluded_contract(chief))
    cancellation = services.contract_cancel(contract=cancelled, actor=chief, ground="breach", reason="契約違反")
    users = {
        "chief_manager": chief,
        "audit_officer": staff_user(StaffRole.AUDIT_OFFICER),
        "manager_here": staff_user(StaffRole.PROTECTION_MANAGER, organization=here),
        "manager_elsewhere": staff_user(StaffRole.PROTECTION_MANAGER, organization=elsewhere),
        "protection_officer": staff_user(StaffRole.PROTECTION_OFFICER),
        "screener": staff_user(StaffRole.SCREENER),
        "approver": staff_user(StaffRole.APPROVER),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }
    objects = {
        "contract": contract,
        "document": report.attachment,
        "hours": contract.hours_logs.get(),
        "payment": contract.payments.get(),
        "report": report,
        "cancellation": cancellation,
    }
    return {"users": users, "objects": objects}


def _in(organization, contract: Contract) -> Contract:
    RegisterEntry.objects.filter(pk=contract.proposal.entry_id).update(organization=organization)
    return Contract.objects.get(pk=contract.pk)


def _url(name: str, key: str, objects) -> str:
    obj = objects[key]
    if key == "document":
        return reverse(name, args=[obj.contract_id, obj.public_id])
    return reverse(name, args=[obj.pk])


def _clients(users) -> dict:
    clients = {}
    for persona, user in users.items():
        clients[persona] = Client()
        clients[persona].force_login(user)
    return clients


def test_real_contract_objects_answer_each_persona_as_decided(contracts_world):
    clients = _clients(contracts_world["users"])

    got = {}
    for name, key in ROWS:
        url = _url(name, key, contracts_world["objects"])
        got[name, key] = tuple(
            "".join(outcome(getattr(clients[persona], method)(url)) for persona in PERSONAS)
            for method in ("get", "post")
        )

    assert got == ROWS


def test_every_404_on_an_existing_contract_object_is_recorded_as_refused(contracts_world):
    clients = _clients(contracts_world["users"])
    elsewhere = contracts_world["users"]["manager_elsewhere"]
    before = AccessRecord.objects.filter(actor=elsewhere, result=AccessResult.REFUSED).count()

    for name, key in ROWS:
        clients["manager_elsewhere"].get(_url(name, key, contracts_world["objects"]))

    refused = AccessRecord.objects.filter(actor=elsewhere, result=AccessResult.REFUSED).order_by("position")
    assert refused.count() - before == len(ROWS)
    assert {record.object_type for record in refused} == {
        "contracts.contract",
        "contracts.contractdocument",
        "contracts.creationhourslog",
        "contracts.payment",
        "contracts.contractreport",
        "contracts.cancellation",
    }
    assert all(record.detail == {"out_of_scope": True, "status": 404} for record in refused)
    assert all(record.action == AccessAction.VIEW for record in refused)


def test_the_contract_lists_hold_only_what_the_persona_may_see(contracts_world):
    clients = _clients(contracts_world["users"])

    counts = {}
    for persona in PERSONAS:
        response = clients[persona].get(reverse("admin:contracts_contract_changelist"))
        counts[persona] = response.context["cl"].result_count if response.status_code == 200 else response.status_code

    assert counts == {
        "chief_manager": 2,
        "audit_officer": 2,
        "manager_here": 2,
        "manager_elsewhere": 0,
        "protection_officer": 403,
        "screener": 403,
        "approver": 403,
        "superuser": 0,
    }


def test_a_manager_of_another_organization_cannot_pick_the_contract_in_an_add_form(client, contracts_world):
    contract = contracts_world["objects"]["contract"]
    Contract.objects.filter(pk=contract.pk).update(status="payment_pending")
    client.force_login(contracts_world["users"]["manager_elsewhere"])

    response = client.post(
        reverse("admin:contracts_payment_add"),
        {
            "contract": contract.pk,
            "paid_on": timezone.localdate().isoformat(),
            "method": "revenue_stamp",
            "reference": "印紙 1",
            "amount": 1,
            "correction_reason": "訂正",
        },
    )

    assert response.status_code == 200
    assert "contract" in response.context["adminform"].form.errors
    assert contract.payments.count() == 1
