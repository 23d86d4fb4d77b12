"""Every registered admin model, with an id that exists and one that does not (seed 004 第5条2項, STYLE):
the change, history and delete pages answer 404 alike for "no access" and "does not exist" to every staff
role, and an existing object refused so is recorded as 拒否 (portal/admin_objects.py).

The world holds one object of every model registered on the admin site; a model registered later without
an object here fails `test_the_world_has_an_object_of_every_registered_model`, so it gets covered.
"""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse

from anonymizer import services as anonymizer_services
from anonymizer.enums import JobStatus
from contracts import services as contract_services
from contracts.models import FeeSchedule
from portal.accounts.roles import StaffRole
from portal.audit.enums import AccessResult, AlertKind
from portal.audit.models import AccessArchive, AccessRecord
from portal.audit.services import JST, alert_raise
from proposals.models import ScreeningPolicy
from proposals.services.consultations import consultation_open
from tests.contracts.helpers import concluded_contract
from tests.factories import compliance
from tests.factories.accounts import UserFactory, staff_user
from tests.factories.anonymizer import dry_run_done, prepare_entry, request_for
from tests.factories.disposal import DisposalCertificateFactory
from tests.factories.proposals import pdf_bytes
from tests.factories.registry import AnonymizedDatasetSummaryFactory

pytestmark = pytest.mark.django_db

KINDS = ("change", "history", "delete")
# The matrix's staff (no organization) and a superuser without a role (第14条).
PERSONAS = [*(role.value for role in StaffRole), "superuser"]


@pytest.fixture
def world():
    chief = staff_user(StaffRole.CHIEF_MANAGER)
    contract = concluded_contract(chief)
    manager = staff_user(StaffRole.PROTECTION_MANAGER, organization=contract.proposal.entry.organization)
    prepare_entry(contract.proposal.entry, manager)
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    assert anonymizer_services.dataset_job_execute(contract_id=contract.pk).status == JobStatus.SUCCEEDED
    contract_services.report_submit(contract=contract, actor=contract.proposer.user, kind="usage", body="報告")
    contract_services.contract_cancel(
        contract=concluded_contract(chief), actor=chief, ground="breach", reason="違反"
    )  # a cancellation and disqualification records
    consultation_open(
        proposer=contract.proposer,
        actor=contract.proposer.user,
        subject="質問",
        body="本文",
        entry=contract.proposal.entry,
        files=[SimpleUploadedFile("memo.pdf", pdf_bytes("memo"), content_type="application/pdf")],
    )
    FeeSchedule.objects.create(fiscal_year=2099)
    ScreeningPolicy.current()
    AnonymizedDatasetSummaryFactory(entry=contract.proposal.entry)
    DisposalCertificateFactory()
    start = datetime.datetime(2026, 6, 10, tzinfo=JST)
    alert_raise(kind=AlertKind.OFF_HOURS, dedup_key="world", period_start=start, period_end=start)
    archive = AccessArchive(
        first_position=1,
        last_position=1,
        previous_hash="0" * 64,
        last_hash="0" * 64,
        record_count=1,
        oldest_at=start,
        newest_at=start,
        file_name="archive.jsonl.gz",
        file_sha256="0" * 64,
        created_at=start,
    )
    archive._chain_sealed = True
    archive.save()
    axes = {"user_agent": "ua", "ip_address": "192.0.2.1", "username": "x", "http_accept": "*/*", "path_info": "/"}
    AccessAttempt.objects.create(get_data="", post_data="", failures_since_start=1, **axes)
    AccessLog.objects.create(**axes)
    AccessFailureLog.objects.create(**axes)
    compliance.incident_reported(chief)
    outsourcing = compliance.outsourcing_active(chief)
    compliance.subcontracting_approved(outsourcing, chief)
    compliance.inspection_recorded(chief)
    compliance.correction_recorded(manager, dataset=contract.dataset)
    personas = {role.value: staff_user(role) for role in StaffRole}
    personas["superuser"] = UserFactory(is_staff=True, is_superuser=True)
    return personas


def _registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label_lower)


def _may_view(model_admin, user, obj) -> bool:
    request = RequestFactory().get("/")
    request.user = user
    in_scope = model_admin.get_queryset(request).filter(pk=obj.pk).exists()
    return in_scope and model_admin.has_view_or_change_permission(request, obj)


def test_the_world_has_an_object_of_every_registered_model(world):
    empty = [model._meta.label_lower for model, _ in _registered() if not model._default_manager.exists()]

    assert empty == []


def test_object_pages_answer_404_alike_for_no_access_and_does_not_exist(world):
    clients = {}
    for persona, user in world.items():
        clients[persona] = Client()
        clients[persona].force_login(user)
    problems = []
    for model, model_admin in _registered():
        obj = model._default_manager.order_by("pk").first()
        missing_pk = model._default_manager.order_by("-pk").values_list("pk", flat=True).first() + 1000
        label = model._meta.label_lower
        for kind in KINDS:
            name = f"admin:{model._meta.app_label}_{model._meta.model_name}_{kind}"
            for persona, user in world.items():
                existing = clients[persona].get(reverse(name, args=[obj.pk])).status_code
                missing = clients[persona].get(reverse(name, args=[missing_pk])).status_code
                visible = _may_view(model_admin, user, obj)
                if missing != 404:
                    problems.append((label, kind, persona, "missing id", missing))
                if visible and existing == 404:
                    problems.append((label, kind, persona, "visible object answered", existing))
                if not visible and existing != 404:
                    problems.append((label, kind, persona, "object out of reach answered", existing))

    assert problems == []


def test_each_object_out_of_reach_is_recorded_as_refused(world):
    client = Client()
    screener = world[StaffRole.SCREENER.value]
    client.force_login(screener)
    expected = []
    for model, model_admin in _registered():
        obj = model._default_manager.order_by("pk").first()
        if _may_view(model_admin, screener, obj):
            continue
        client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[obj.pk]))
        expected.append((model._meta.label_lower, str(obj.pk)))

    refused = AccessRecord.objects.filter(actor=screener, result=AccessResult.REFUSED).order_by("position")
    assert [(record.object_type, record.object_id) for record in refused] == expected
    assert len(expected) > 20  # a screener sees little of the admin
