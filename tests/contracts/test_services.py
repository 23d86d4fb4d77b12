"""Contracts end to end through the services: application (法115), fee and payment (法119), conclusion,
expiry, cancellation (法120) and the contractor's reports (seed 004 第25条), with the bad cases."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from contracts import services
from contracts.enums import CancellationGround, ContractStatus, CreationStatus, ReportKind
from contracts.models import Contract, ContractReport, Payment
from contracts.tasks import expire_contracts
from portal.accounts.roles import StaffRole
from portal.jdates import wareki
from portal.models import Notification, OutboxTask
from proposals.enums import DisqualificationGround, ScreeningDecision
from proposals.models import DisqualificationRecord
from proposals.services.proposals import ProposalError, proposal_submit
from tests.contracts.helpers import (
    applied_contract,
    concluded_contract,
    fee_fixed_contract,
    notice_for,
    paid_contract,
    yesterday,
)
from tests.factories.accounts import staff_user
from tests.factories.proposals import ProposalFactory, ProposerFactory, ProposerOfficerFactory, pdf_upload

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


# --- Application (法115) ---


def test_apply_online_creates_an_applied_contract():
    notice = notice_for()
    user = notice.proposal.proposer.user

    contract = services.contract_apply(notice=notice, actor=user, confirmed=True)

    assert (contract.status, contract.application_method, contract.estimated_fee) == ("applied", "online", 28_900)
    assert list(contract.transitions.values_list("from_status", "to_status")) == [("", "applied")]
    assert Notification.objects.filter(recipient=user, template="contract_applied").count() == 1


def test_apply_with_the_signed_application_stores_the_pdf():
    notice = notice_for()

    contract = services.contract_apply(
        notice=notice, actor=notice.proposal.proposer.user, upload=pdf_upload("申込書.pdf")
    )

    document = contract.documents.get()
    assert (contract.application_method, document.kind, document.original_name) == (
        "upload",
        "application",
        "申込書.pdf",
    )


def test_apply_refuses_a_file_that_is_not_really_a_pdf():
    notice = notice_for()
    fake = SimpleUploadedFile("申込書.pdf", b"\x89PNG\r\n\x1a\n" + b"0" * 100, content_type="application/pdf")

    with pytest.raises(services.ContractError):
        services.contract_apply(notice=notice, actor=notice.proposal.proposer.user, upload=fake)
    assert Contract.objects.count() == 0


def test_apply_for_an_inadequate_notice_is_refused():
    notice = notice_for(decision=ScreeningDecision.INADEQUATE)

    with pytest.raises(services.ContractError, match="法第115条"):
        services.contract_apply(notice=notice, actor=notice.proposal.proposer.user, confirmed=True)
    assert Contract.objects.count() == 0


def test_apply_twice_is_refused():
    notice = notice_for()
    services.contract_apply(notice=notice, actor=notice.proposal.proposer.user, confirmed=True)

    with pytest.raises(services.ContractError, match="既に"):
        services.contract_apply(notice=notice, actor=notice.proposal.proposer.user, confirmed=True)
    assert Contract.objects.count() == 1


def test_apply_needs_a_document_or_a_confirmation():
    notice = notice_for()

    with pytest.raises(services.ContractError):
        services.contract_apply(notice=notice, actor=notice.proposal.proposer.user)


def test_apply_on_another_users_notice_is_refused(outsider):
    with pytest.raises(services.ContractError):
        services.contract_apply(notice=notice_for(), actor=outsider, confirmed=True)


def test_apply_after_the_deadline_is_refused():
    notice = notice_for()

    with pytest.raises(services.ContractError, match="期限"):
        services.contract_apply(
            notice=notice,
            actor=notice.proposal.proposer.user,
            confirmed=True,
            today=notice.document_date + datetime.timedelta(days=31),
        )


# --- Fee (法119) ---


def test_the_final_fee_uses_the_logged_hours(chief_manager):
    contract = applied_contract()
    for hours in ("1.5", "1"):
        services.hours_log(
            contract=contract, actor=chief_manager, work_date=TODAY(), hours=Decimal(hours), description="加工"
        )

    contract = services.fee_finalize(contract=contract, actor=chief_manager, contractor_amount=10_000)

    # 2.5 hours → 3 charged hours: 21,000 + 3 × 3,950 + 10,000
    assert (contract.status, contract.fee_hours, contract.fee_amount) == ("payment_pending", 3, 42_850)
    assert contract.payment_due_date == TODAY() + datetime.timedelta(days=services.PAYMENT_DAYS)


def test_the_fee_of_a_new_dataset_needs_logged_hours(chief_manager):
    with pytest.raises(services.ContractError, match="作成に要した時間"):
        services.fee_finalize(contract=applied_contract(), actor=chief_manager)


def test_hours_cannot_be_logged_after_the_fee_is_fixed(chief_manager):
    contract = fee_fixed_contract(chief_manager)

    with pytest.raises(services.ContractError):
        services.hours_log(contract=contract, actor=chief_manager, work_date=TODAY(), hours=1, description="追加")


def test_staff_without_the_role_cannot_fix_the_fee(outsider, chief_manager):
    contract = applied_contract()
    services.hours_log(contract=contract, actor=chief_manager, work_date=TODAY(), hours=1, description="加工")

    with pytest.raises(services.ContractError, match="権限"):
        services.fee_finalize(contract=contract, actor=outsider)


# --- Payment (法119) ---


def _pay(contract, actor, amount, reason=""):
    return services.payment_record(
        contract=contract,
        actor=actor,
        paid_on=TODAY(),
        method="bank_transfer",
        reference="振込 0002",
        amount=amount,
        correction_reason=reason,
    )


def test_full_payment_marks_the_contract_paid(chief_manager):
    contract = fee_fixed_contract(chief_manager)

    _pay(contract, chief_manager, contract.fee_amount)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.PAID


def test_a_fee_recorded_twice_is_refused(chief_manager):
    contract = paid_contract(chief_manager)

    with pytest.raises(services.ContractError, match="既に記録"):
        _pay(contract, chief_manager, contract.fee_amount)
    assert Payment.objects.filter(contract=contract).count() == 1


def test_the_database_also_refuses_a_second_payment(chief_manager):
    from django.db import IntegrityError

    contract = paid_contract(chief_manager)
    with pytest.raises(IntegrityError):
        Payment.objects.create(
            contract=contract, paid_on=TODAY(), method="electronic", reference="x", amount=1, recorded_by_name="x"
        )


def test_a_correction_with_a_reason_supersedes_the_payment(chief_manager):
    contract = paid_contract(chief_manager)

    _pay(contract, chief_manager, contract.fee_amount - 1_000, reason="領収額の誤記")

    contract.refresh_from_db()
    assert (contract.status, services.paid_amount(contract)) == ("payment_pending", contract.fee_amount - 1_000)
    assert list(contract.payments.values_list("is_correction", flat=True)) == [False, True]


def test_a_short_payment_leaves_the_contract_pending(chief_manager):
    contract = fee_fixed_contract(chief_manager)

    _pay(contract, chief_manager, 100)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.PAYMENT_PENDING


def test_payment_before_the_fee_is_fixed_is_refused(chief_manager):
    with pytest.raises(services.ContractError):
        _pay(applied_contract(), chief_manager, 28_900)


# --- Conclusion ---


def test_a_contract_concluded_without_payment_is_refused(chief_manager):
    contract = fee_fixed_contract(chief_manager)

    with pytest.raises(services.ContractError, match="法第119条"):
        services.contract_conclude(contract=contract, actor=chief_manager)
    contract.refresh_from_db()
    assert (contract.status, contract.contract_number, OutboxTask.objects.count()) == ("payment_pending", None, 0)


def test_a_contract_without_a_fixed_fee_cannot_be_concluded(chief_manager):
    with pytest.raises(services.ContractError):
        services.contract_conclude(contract=applied_contract(), actor=chief_manager)


def test_concluding_fixes_the_terms_and_queues_the_dataset_job(chief_manager):
    contract = paid_contract(chief_manager)
    proposal = contract.proposal

    contract = services.contract_conclude(contract=contract, actor=chief_manager)

    assert contract.status == ContractStatus.CONCLUDED
    assert contract.contract_number.endswith("匿契第1号")
    assert (contract.period_start, contract.period_end) == (proposal.use_period_start, proposal.use_period_end)
    assert contract.security_measures == proposal.security_measures
    assert contract.contractor_party.startswith(proposal.proposer.name)
    assert len(contract.obligations) == len(services.OBLIGATIONS)
    task = OutboxTask.objects.get()
    assert (task.task_name, task.kwargs) == ("anonymizer.create_dataset", {"contract_id": contract.pk})
    assert (contract.creation_status, contract.creation_task_id) == (CreationStatus.PENDING, task.pk)


def test_only_staff_with_the_grant_conclude(outsider, chief_manager):
    contract = paid_contract(chief_manager)

    with pytest.raises(services.ContractError, match="権限"):
        services.contract_conclude(contract=contract, actor=outsider)


# --- Expiry ---


def test_expiry_ends_contracts_past_their_period_once(chief_manager):
    ending = concluded_contract(chief_manager)
    running = concluded_contract(chief_manager)
    Contract.objects.filter(pk=ending.pk).update(period_end=yesterday() - datetime.timedelta(days=1))
    Contract.objects.filter(pk=running.pk).update(period_end=TODAY())

    assert expire_contracts() == 1
    assert expire_contracts() == 0
    ending.refresh_from_db()
    running.refresh_from_db()
    assert (ending.status, running.status) == ("expired", "concluded")
    assert ending.transitions.filter(to_status="expired").count() == 1


# --- Cancellation (法120) ---


def test_cancellation_needs_a_reason(chief_manager):
    contract = concluded_contract(chief_manager)

    with pytest.raises(services.ContractError):
        services.contract_cancel(contract=contract, actor=chief_manager, ground="breach", reason=" ")


def test_cancellation_is_for_the_chief_manager(chief_manager, organization):
    contract = concluded_contract(chief_manager)
    manager = staff_user(StaffRole.PROTECTION_MANAGER, organization=organization)

    with pytest.raises(services.ContractError, match="権限"):
        services.contract_cancel(contract=contract, actor=manager, ground="breach", reason="違反")


def test_a_cancelled_corporation_and_its_officers_cannot_propose_again(chief_manager):
    proposer = ProposerFactory(corporation=True)
    officer = ProposerOfficerFactory(proposer=proposer)
    contract = concluded_contract(chief_manager, proposer=proposer)

    services.contract_cancel(
        contract=contract, actor=chief_manager, ground=CancellationGround.BREACH, reason="第三者に提供した。"
    )

    records = DisqualificationRecord.objects.order_by("id")
    assert [(r.ground, r.name, r.corporate_number, r.date_of_birth) for r in records] == [
        (DisqualificationGround.CANCELLATION, proposer.name, proposer.corporate_number, None),
        (DisqualificationGround.CANCELLATION, officer.name, "", officer.date_of_birth),
    ]
    contract.refresh_from_db()
    assert (contract.status, contract.cancellation.ground) == ("cancelled", "breach")
    with pytest.raises(ProposalError) as refused:
        proposal_submit(proposal=ProposalFactory(proposer=proposer), actor=proposer.user)
    last_day = records[0].ends_on - datetime.timedelta(days=1)
    assert "契約を解除" in str(refused.value)
    assert wareki(last_day) in str(refused.value)


def test_a_cancelled_individual_cannot_propose_again(chief_manager):
    contract = concluded_contract(chief_manager)
    proposer = contract.proposer

    services.contract_cancel(contract=contract, actor=chief_manager, ground="fraud", reason="虚偽の申告")

    record = DisqualificationRecord.objects.get()
    assert (record.name, record.date_of_birth, record.source) == (
        proposer.name,
        proposer.date_of_birth,
        f"契約番号 {contract.contract_number}",
    )
    with pytest.raises(ProposalError, match="契約を解除") as refused:
        proposal_submit(proposal=ProposalFactory(proposer=proposer), actor=proposer.user)
    assert wareki(record.ends_on - datetime.timedelta(days=1)) in str(refused.value)


def test_only_a_concluded_contract_can_be_cancelled(chief_manager):
    with pytest.raises(services.ContractError):
        services.contract_cancel(contract=paid_contract(chief_manager), actor=chief_manager, ground="fraud", reason="x")
    assert DisqualificationRecord.objects.count() == 0


# --- Reports (seed 004 第25条) ---


def test_an_incident_alerts_the_managers_at_once(chief_manager, other_organization):
    contract = concluded_contract(chief_manager)
    manager = staff_user(StaffRole.PROTECTION_MANAGER, organization=contract.proposal.entry.organization)
    elsewhere = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)

    services.report_submit(
        contract=contract,
        actor=contract.proposer.user,
        kind=ReportKind.INCIDENT,
        body="端末を紛失した。",
        occurred_on=TODAY(),
    )

    alerted = set(Notification.objects.filter(template="contract_incident").values_list("recipient", flat=True))
    assert alerted == {chief_manager.pk, manager.pk}
    assert elsewhere.pk not in alerted


def test_a_usage_report_alerts_nobody(chief_manager):
    contract = concluded_contract(chief_manager)

    services.report_submit(contract=contract, actor=contract.proposer.user, kind="usage", body="集計に利用した。")

    assert Notification.objects.filter(template="contract_incident").count() == 0


def test_the_deletion_report_comes_at_the_end_with_an_attachment(chief_manager):
    contract = concluded_contract(chief_manager)
    with pytest.raises(services.ContractError):
        services.report_submit(contract=contract, actor=contract.proposer.user, kind="deletion", body="削除した。")
    Contract.objects.filter(pk=contract.pk).update(period_end=yesterday() - datetime.timedelta(days=1))
    services.contracts_expire()

    report = services.report_submit(
        contract=contract,
        actor=contract.proposer.user,
        kind="deletion",
        body="削除した。",
        upload=pdf_upload("消去証明書.pdf"),
    )

    assert (report.kind, report.attachment.original_name) == ("deletion", "消去証明書.pdf")


def test_a_report_attachment_is_checked_by_content(chief_manager):
    contract = concluded_contract(chief_manager)
    fake = SimpleUploadedFile("report.pdf", b"not a pdf at all", content_type="application/pdf")

    with pytest.raises(services.ContractError):
        services.report_submit(contract=contract, actor=contract.proposer.user, kind="usage", body="x", upload=fake)
    assert ContractReport.objects.count() == 0


def test_another_user_cannot_report_on_a_contract(chief_manager, outsider):
    with pytest.raises(services.ContractError):
        services.report_submit(contract=concluded_contract(chief_manager), actor=outsider, kind="usage", body="x")
