"""access_records_last: a long transaction writes its access records at its end, so the chain lock (which every
sign-in and download waits for) is never held while disposal certificates render (seed 004 第10条・第12条)."""

import threading

import pytest
from django.core.files.base import ContentFile
from django.db import DatabaseError, connection, transaction

from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessChainHead, AccessRecord
from portal.audit.services import access_record, access_records_last
from tests.portal.audit.conftest import postgresql_only


@access_records_last
def _work(*, fail: bool = False) -> list:
    seen = []
    for label in ("first", "second"):
        returned = access_record(actor=None, action=AccessAction.VIEW, result=AccessResult.SUCCESS, detail={"n": label})
        seen.append((returned.position, AccessRecord.objects.count()))
    if fail:
        raise ValueError("refused")
    return seen


@pytest.mark.django_db
def test_the_records_are_written_in_order_when_the_function_returns():
    with transaction.atomic():
        seen = _work()

    assert seen == [(None, 0), (None, 0)]  # nothing written (and no lock taken) during the work
    assert list(AccessRecord.objects.order_by("position").values_list("position", "detail")) == [
        (1, {"n": "first"}),
        (2, {"n": "second"}),
    ]


@pytest.mark.django_db
def test_a_call_that_raises_writes_no_record():
    with pytest.raises(ValueError), transaction.atomic():
        _work(fail=True)

    assert not AccessRecord.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_it_refuses_to_run():
    with pytest.raises(RuntimeError, match=r"transaction\.atomic"):
        _work()

    assert not AccessRecord.objects.exists()


# --- disposal: the chain is free while each certificate renders (PostgreSQL, separate connections) --------


def _chain_lock_free() -> bool:
    """From another connection: can the chain head be locked right now? (NOWAIT: no waiting)."""
    answer = []

    def probe():
        try:
            with transaction.atomic():
                AccessChainHead.objects.select_for_update(nowait=True).get(pk=1)
            answer.append(True)
        except DatabaseError:
            answer.append(False)
        finally:
            connection.close()

    thread = threading.Thread(target=probe)
    thread.start()
    thread.join()
    return answer[0]


@pytest.fixture
def renders(monkeypatch):
    """Each certificate render notes whether the chain lock was free at that moment."""
    from portal.disposal import services as disposal_services

    seen = []
    real = disposal_services.render_pdf

    def render(template, context):
        seen.append(_chain_lock_free())
        return real(template, context)

    monkeypatch.setattr(disposal_services, "render_pdf", render)
    return seen


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_source_file_disposal_renders_its_certificate_with_the_chain_free(renders, organization, protection_manager):
    from files_registry.sources import source_file_store
    from portal.disposal.services import source_file_dispose
    from tests.factories.registry import RegisterEntryFactory

    entry = RegisterEntryFactory(organization=organization)
    source = source_file_store(entry=entry, upload=ContentFile(b"a,b\n1,2\n", name="src.csv"), actor=protection_manager)

    source_file_dispose(source=source, actor=protection_manager, reason="保有期間の満了")

    assert renders == [True]
    tail = AccessRecord.objects.order_by("-position")[:2]
    assert [(r.action, r.object_type) for r in reversed(tail)] == [
        (AccessAction.DELETE, "files_registry.sourcefile"),
        (AccessAction.CREATE, "disposal.disposalcertificate"),
    ]


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_dataset_disposal_renders_both_certificates_with_the_chain_free(renders, chief_manager, protection_manager):
    from anonymizer import services
    from anonymizer.enums import JobStatus
    from tests.contracts.helpers import concluded_contract
    from tests.factories.anonymizer import dry_run_done, prepare_entry, request_for

    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager)
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    assert services.dataset_job_execute(contract_id=contract.pk).status == JobStatus.SUCCEEDED

    certificates = services.dataset_dispose(dataset=contract.dataset, actor=protection_manager, reason="利用期間の満了")

    assert (len(certificates), renders) == (2, [True, True])
    tail = AccessRecord.objects.order_by("-position")[:4]
    assert [(r.action, r.object_type) for r in reversed(tail)] == [
        (AccessAction.DELETE, "anonymizer.anonymizeddataset"),
        (AccessAction.CREATE, "disposal.disposalcertificate"),
        (AccessAction.DELETE, "anonymizer.processingsecret"),
        (AccessAction.CREATE, "disposal.disposalcertificate"),
    ]
