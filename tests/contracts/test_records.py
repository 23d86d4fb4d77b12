"""Contracts on the access records (seed 004 第12条): every write is recorded with who and from where,
opening a contract is recorded, staff act only within their organizations (第5条), and the contractor
sees the day's download volume and the warning before the links (第13条)."""

import datetime
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from anonymizer import services as anonymizer_services
from anonymizer.enums import DatasetFileKind, JobStatus
from contracts import services
from contracts.models import Contract
from portal.accounts.roles import StaffRole
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.models import AccessRecord
from tests.contracts.helpers import applied_contract, concluded_contract, fee_fixed_contract, notice_for, paid_contract
from tests.factories.accounts import UserFactory, staff_user
from tests.factories.anonymizer import dry_run_done, prepare_entry, request_for
from tests.factories.proposals import ProposerFactory, pdf_bytes

pytestmark = pytest.mark.django_db


def _last(**filters) -> AccessRecord:
    return AccessRecord.objects.filter(**filters).order_by("position").last()


def _pdf(name: str = "doc.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(name), content_type="application/pdf")


# --- every write is recorded ----------------------------------------------------------------------------


def test_an_application_with_its_document_is_recorded_as_created():
    notice = notice_for()
    user = notice.proposal.proposer.user

    contract = services.contract_apply(notice=notice, actor=user, upload=_pdf("申込書.pdf"))

    records = AccessRecord.objects.filter(actor=user, action=AccessAction.CREATE).order_by("position")
    assert [(r.object_type, r.object_id, r.detail["change"]) for r in records] == [
        ("contracts.contract", str(contract.pk), "applied"),
        ("contracts.contractdocument", str(contract.documents.get().pk), "document_stored"),
    ]


@pytest.mark.parametrize(
    ("step", "change", "status"),
    [
        ("hours", "hours_logged", None),
        ("fee", "fee_fixed", "payment_pending"),
        ("payment", "payment_recorded", "paid"),
        ("conclude", "concluded", "concluded"),
        ("cancel", "cancelled", "cancelled"),
    ],
)
def test_each_staff_write_on_a_contract_is_recorded_as_a_change(chief_manager, step, change, status):
    today = timezone.localdate()
    act = {
        "hours": lambda: services.hours_log(
            contract=applied_contract(), actor=chief_manager, work_date=today, hours=Decimal("1.5"), description="加工"
        ),
        "fee": lambda: _fee(chief_manager),
        "payment": lambda: _pay(fee_fixed_contract(chief_manager), chief_manager),
        "conclude": lambda: services.contract_conclude(contract=paid_contract(chief_manager), actor=chief_manager),
        "cancel": lambda: services.contract_cancel(
            contract=concluded_contract(chief_manager), actor=chief_manager, ground="breach", reason="違反"
        ),
    }[step]

    act()

    record = _last(actor=chief_manager, action=AccessAction.CHANGE)
    assert (record.object_type, record.result, record.detail["change"], record.detail.get("status")) == (
        "contracts.contract",
        AccessResult.SUCCESS,
        change,
        status,
    )


def _fee(staff):
    contract = applied_contract()
    services.hours_log(contract=contract, actor=staff, work_date=timezone.localdate(), hours=2, description="加工")
    return services.fee_finalize(contract=contract, actor=staff)


def _pay(contract, staff):
    return services.payment_record(
        contract=contract,
        actor=staff,
        paid_on=timezone.localdate(),
        method="payment_slip",
        reference="R-1",
        amount=contract.fee_amount,
    )


def test_a_report_with_an_attachment_is_recorded_as_created(chief_manager):
    contract = concluded_contract(chief_manager)
    user = contract.proposer.user

    report = services.report_submit(contract=contract, actor=user, kind="usage", body="利用の状況", upload=_pdf())

    records = AccessRecord.objects.filter(actor=user, action=AccessAction.CREATE).order_by("-position")[:2]
    assert [(r.object_type, r.detail) for r in reversed(records)] == [
        ("contracts.contractreport", {"change": "report_submitted", "kind": "usage"}),
        ("contracts.contractdocument", {"change": "document_stored"}),
    ]
    assert records[1].object_id == str(report.pk)


def test_expiry_is_recorded_without_an_actor(chief_manager):
    contract = concluded_contract(chief_manager)
    Contract.objects.filter(pk=contract.pk).update(period_end=timezone.localdate() - datetime.timedelta(days=1))

    services.contracts_expire()

    record = _last(object_type="contracts.contract", object_id=str(contract.pk))
    assert (record.actor, record.actor_username, record.detail) == (
        None,
        "system:contracts_expire",
        {"change": "expired"},
    )


def test_a_write_from_the_admin_names_the_address(client, chief_manager):
    contract = fee_fixed_contract(chief_manager)
    client.force_login(chief_manager)

    client.post(
        reverse("admin:contracts_payment_add"),
        {
            "contract": contract.pk,
            "paid_on": timezone.localdate().isoformat(),
            "method": "revenue_stamp",
            "reference": "印紙 1",
            "amount": contract.fee_amount,
            "correction_reason": "",
        },
        REMOTE_ADDR="192.0.2.31",
    )

    record = _last(actor=chief_manager, action=AccessAction.CHANGE)
    assert (record.detail["change"], record.ip_address, record.request_path) == (
        "payment_recorded",
        "192.0.2.31",
        "/admin/contracts/payment/add/",
    )


# --- staff act within their organizations (第5条) ----------------------------------------------------


@pytest.mark.parametrize("step", ["hours", "fee", "payment", "conclude"])
def test_a_manager_of_another_organization_is_refused_every_write(chief_manager, other_organization, step):
    elsewhere = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)
    contract = {
        "hours": applied_contract,
        "fee": lambda: _with_hours(applied_contract(), chief_manager),
        "payment": lambda: fee_fixed_contract(chief_manager),
        "conclude": lambda: paid_contract(chief_manager),
    }[step]()
    act = {
        "hours": lambda: services.hours_log(
            contract=contract, actor=elsewhere, work_date=timezone.localdate(), hours=1, description="x"
        ),
        "fee": lambda: services.fee_finalize(contract=contract, actor=elsewhere),
        "payment": lambda: _pay(contract, elsewhere),
        "conclude": lambda: services.contract_conclude(contract=contract, actor=elsewhere),
    }[step]
    status = Contract.objects.get(pk=contract.pk).status

    with pytest.raises(services.ContractError, match="この契約について操作する権限がありません"):
        act()

    assert Contract.objects.get(pk=contract.pk).status == status


def test_a_manager_of_the_contracts_organization_may_fix_the_fee(chief_manager):
    contract = _with_hours(applied_contract(), chief_manager)
    manager = staff_user(StaffRole.PROTECTION_MANAGER, organization=contract.proposal.entry.organization)

    fixed = services.fee_finalize(contract=contract, actor=manager)

    assert fixed.status == "payment_pending"


def test_a_superuser_without_a_role_cannot_act_on_a_contract(chief_manager):
    contract = paid_contract(chief_manager)
    superuser = UserFactory(is_staff=True, is_superuser=True)

    with pytest.raises(services.ContractError):
        services.contract_conclude(contract=contract, actor=superuser)


def _with_hours(contract, staff):
    services.hours_log(contract=contract, actor=staff, work_date=timezone.localdate(), hours=2, description="加工")
    return contract


# --- opening a contract is recorded ------------------------------------------------------------------


def test_the_contractor_opening_the_contract_is_recorded(client, chief_manager):
    contract = concluded_contract(chief_manager)
    client.force_login(contract.proposer.user)

    response = client.get(reverse("contracts:detail", args=[contract.public_id]), REMOTE_ADDR="198.51.100.4")

    assert response.status_code == 200
    record = _last(action=AccessAction.VIEW)
    assert (record.actor, record.object_type, record.object_id, record.ip_address) == (
        contract.proposer.user,
        "contracts.contract",
        str(contract.pk),
        "198.51.100.4",
    )


def test_staff_opening_a_contract_in_the_admin_is_recorded(client, chief_manager):
    contract = concluded_contract(chief_manager)
    client.force_login(chief_manager)

    response = client.get(reverse("admin:contracts_contract_change", args=[contract.pk]))

    assert response.status_code == 200
    record = _last(action=AccessAction.VIEW)
    assert (record.actor, record.object_type, record.object_id, record.result) == (
        chief_manager,
        "contracts.contract",
        str(contract.pk),
        AccessResult.SUCCESS,
    )


def test_another_proposers_contract_is_404_and_the_probe_is_recorded(client, chief_manager):
    contract = concluded_contract(chief_manager)
    prober = ProposerFactory().user
    client.force_login(prober)

    probed = client.get(reverse("contracts:detail", args=[contract.public_id]))
    missing = client.get(reverse("contracts:detail", args=["00000000-0000-0000-0000-000000000001"]))

    assert (probed.status_code, missing.status_code) == (404, 404)
    refused = AccessRecord.objects.filter(actor=prober, result=AccessResult.REFUSED).get()
    assert (refused.object_type, refused.object_id, refused.request_path) == (
        "contracts.contract",
        str(contract.pk),
        f"/mypage/contracts/{contract.public_id}/",
    )


# --- the day's download volume before the links (第13条) -----------------------------------------------


@pytest.fixture
def delivered(chief_manager, protection_manager):
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager)
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    job = anonymizer_services.dataset_job_execute(contract_id=contract.pk)
    assert job.status == JobStatus.SUCCEEDED, job.failure
    return contract


def _page(client, contract) -> str:
    return client.get(reverse("contracts:detail", args=[contract.public_id])).content.decode()


def _volume(page: str) -> str:
    return re.search(r'<p id="download-volume">(.*?)</p>', page).group(1)


@pytest.mark.parametrize(("threshold_delta", "warned"), [(0, False), (-1, True)], ids=["at", "above"])
def test_the_contract_page_shows_the_days_volume_and_the_warning_once_above(
    client, delivered, settings, threshold_delta, warned
):
    csv = delivered.dataset.files.get(kind=DatasetFileKind.CSV)
    settings.AUDIT_DOWNLOAD_ALERT_ROWS = csv.rows + threshold_delta
    settings.AUDIT_DOWNLOAD_ALERT_BYTES = 0
    client.force_login(delivered.proposer.user)
    before = _page(client, delivered)

    download = client.get(reverse("contracts:dataset_download", args=[delivered.public_id, csv.public_id]))
    b"".join(download.streaming_content)
    after = _page(client, delivered)

    limit = f"{csv.rows + threshold_delta:,}行"
    assert _volume(before) == f"本日のダウンロード量：0行・0バイト（警告の基準：1日に{limit}を超えるダウンロード）"
    assert _volume(after).startswith(f"本日のダウンロード量：{csv.rows:,}行・{csv.size:,}バイト")
    assert "警告の基準（" not in before
    assert (f"本日のダウンロード量が警告の基準（{limit}）を超えています" in after) is warned
    assert after.index('id="download-volume"') < after.index("/dataset/")  # before the links
