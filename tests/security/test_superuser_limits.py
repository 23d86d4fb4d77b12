"""Superuser accounts are for set-up only (seed 004 第14条): they manage no organization's files, so they read
no source file or processing secret, dispose of nothing and see no dataset, contract or certificate through
the flag alone. Each refusal answers 404 (as for an object that does not exist) and is on the record."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from anonymizer import services
from anonymizer.enums import JobStatus
from anonymizer.models import AnonymizedDataset, ProcessingSecret
from files_registry.models import SourceFile
from files_registry.sources import source_file_read
from portal.accounts.roles import organization_grant_manager, organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessRecord
from portal.disposal.selectors import certificates_for_user
from tests.contracts.helpers import concluded_contract
from tests.factories.accounts import UserFactory
from tests.factories.anonymizer import dry_run_done, prepare_entry, request_for
from tests.factories.disposal import DisposalCertificateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def delivered(chief_manager, protection_manager):
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager)
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    job = services.dataset_job_execute(contract_id=contract.pk)
    assert job.status == JobStatus.SUCCEEDED, job.failure
    return contract


def _refusals(user):
    return AccessRecord.objects.filter(actor=user, result=AccessResult.REFUSED).order_by("position")


def test_a_superuser_manages_no_organization_even_when_granted_one(superuser, organization):
    organization_grant_manager(user=superuser, organization=organization)

    assert list(organizations_managed_by(superuser)) == []


def test_a_superuser_cannot_read_a_processing_secret_and_the_refusal_is_recorded(superuser, delivered):
    secret = ProcessingSecret.objects.get(dataset__contract=delivered)

    with pytest.raises(PermissionDenied):
        services.processing_secret_read(secret=secret, actor=superuser, reason="設定の確認")

    refused = _refusals(superuser).get()
    assert (refused.action, refused.object_type, refused.object_id) == (
        AccessAction.VIEW,
        "anonymizer.processingsecret",
        str(secret.pk),
    )


@pytest.mark.parametrize(
    ("url_name", "model"),
    [
        ("admin:anonymizer_processingsecret_read", ProcessingSecret),
        ("admin:anonymizer_processingsecret_change", ProcessingSecret),
        ("admin:anonymizer_anonymizeddataset_dispose", AnonymizedDataset),
        ("admin:anonymizer_anonymizeddataset_change", AnonymizedDataset),
        ("admin:files_registry_sourcefile_change", SourceFile),
        ("admin:files_registry_sourcefile_destroy", SourceFile),
    ],
)
def test_a_superuser_gets_404_on_secrets_datasets_and_source_files_and_it_is_recorded(
    client, superuser, delivered, url_name, model
):
    obj = model.objects.get()
    client.force_login(superuser)

    existing = client.get(reverse(url_name, args=[obj.pk]))
    missing = client.get(reverse(url_name, args=[obj.pk + 1000]))

    assert (existing.status_code, missing.status_code) == (404, 404)
    refused = _refusals(superuser).filter(detail__out_of_scope=True).get()
    assert (refused.object_type, refused.object_id) == (model._meta.label_lower, str(obj.pk))


def test_a_superuser_cannot_dispose_of_a_dataset(superuser, delivered):
    dataset = AnonymizedDataset.objects.get()

    with pytest.raises(PermissionDenied):
        services.dataset_dispose(dataset=dataset, actor=superuser, reason="設定の確認")

    dataset.refresh_from_db()
    assert dataset.destroyed_at is None


def test_a_superuser_cannot_read_a_source_file(superuser, delivered):
    source = SourceFile.objects.get()

    with pytest.raises(PermissionDenied):
        b"".join(source_file_read(source=source, actor=superuser))


def test_a_superuser_sees_no_disposal_certificate_through_the_flag(superuser, audit_officer):
    DisposalCertificateFactory()

    assert (certificates_for_user(superuser).count(), certificates_for_user(audit_officer).count()) == (0, 1)
