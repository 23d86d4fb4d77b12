"""第5条2項 on /mypage/contracts/: another proposer's contract, its documents, payment slip, reports and
delivered files do not exist for this proposer (404) — the same answer as an id that exists nowhere."""

import uuid

import pytest
from django.urls import get_resolver

from anonymizer.services import dataset_job_execute
from tests.contracts.helpers import concluded_contract
from tests.factories.anonymizer import dry_run_done, prepare_entry, request_for
from tests.factories.proposals import ProposerFactory
from tests.security.test_authorization_matrix import walk

pytestmark = pytest.mark.django_db


def test_another_proposers_contract_urls_answer_404(client, chief_manager, protection_manager):
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager)
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    dataset_job_execute(contract_id=contract.pk)
    values = {
        "public_id": contract.public_id,
        "proposal_id": contract.proposal.public_id,
        "document_id": uuid.uuid4(),
        "file_id": contract.dataset.files.first().public_id,
    }
    routes = [
        route for route, name in walk(get_resolver().url_patterns) if name.startswith("contracts:") and "<" in route
    ]
    client.force_login(ProposerFactory().user)

    answers = {}
    for route in routes:
        path = "/" + route
        for key, value in values.items():
            for converter in ("uuid", "str"):
                path = path.replace(f"<{converter}:{key}>", str(value))
        answers[route] = client.get(path).status_code

    assert len(routes) == 6
    assert answers == {route: 404 for route in routes}
