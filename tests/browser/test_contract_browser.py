"""From a submitted proposal to a concluded contract (issue 4), with the proposer in headless Chromium and axe
on every proposer page; the staff steps (screening, approval, fee, payment, conclusion) go through the services.
Also the published fee schedule (/fees/)."""

import re
from decimal import Decimal

import pytest
from django.utils import timezone

from anonymizer.enums import JobStatus
from anonymizer.services import dataset_job_execute
from contracts import services as contracts
from contracts.enums import ContractStatus, CreationStatus
from contracts.models import Contract, FeeSchedule
from portal.jdates import fiscal_year, fiscal_year_label
from proposals.enums import ProposalStatus
from proposals.models import ScreeningPolicy
from proposals.services import screening as screening_services
from tests.factories.anonymizer import dry_run_done, prepare_entry, request_for
from tests.factories.screening import (
    approver_user,
    assigned_screening,
    record_all,
    screener_user,
    submitted_proposal,
)
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple"  # UserFactory's


def _go(page, action):
    with page.expect_navigation():
        action()


def test_the_fee_schedule_page_is_accessible(page, axe_violations):
    year = fiscal_year(timezone.localdate())
    FeeSchedule.objects.create(fiscal_year=year)
    FeeSchedule.objects.create(fiscal_year=year + 1, base_amount=22_000)

    page.goto("/fees/")

    assert page.get_by_role("heading", level=1).inner_text() == "手数料の額"
    table = page.get_by_role("table", name="年度別の手数料の額")
    assert table.get_by_role("rowheader", name=fiscal_year_label(year + 1)).count() == 1
    assert "22,000円" in table.inner_text()
    assert axe_violations(page) == []


def test_a_submitted_proposal_becomes_a_concluded_contract(page, chief_manager, protection_manager, axe_violations):
    checked = []

    def check(name):
        checked.append(name)
        assert axe_violations(page) == [], name

    # Staff: screening (assignment, conflict declaration, the criteria), approval → the adequate notice.
    ScreeningPolicy.objects.update_or_create(
        pk=1,
        defaults={"document_symbol": "デ推個", "agency_head_name": "山本　恵子", "contact_section": "匿名加工情報係"},
    )
    proposal = submitted_proposal()
    screener, approver = screener_user(), approver_user()
    screening = assigned_screening(proposal, screener=screener, assigner=chief_manager)
    record_all(screening, screener=screener)
    screening_services.screening_submit_for_approval(screening=screening, actor=screener)
    notice = screening_services.screening_approve(
        screening=screening, actor=approver, estimated_hours=Decimal(2), contractor_amount=0
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADEQUATE

    # The proposer signs in and finds the notice.
    user = proposal.proposer.user
    page.goto("/accounts/login/")
    check("login")
    page.locator("input[name=username]").fill(user.username)
    page.locator("input[name=password]").fill(PASSWORD)
    _go(page, lambda: page.get_by_role("button", name="ログイン").click())
    page.goto("/mypage/")
    assert page.get_by_role("heading", level=1).inner_text() == "マイページ"
    check("mypage")
    _go(page, lambda: page.get_by_role("link", name=proposal.entry.name).first.click())
    assert notice.document_number in page.content()
    check("proposal with the notice")
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("審査結果通知書")).first.click()
    text = pdf_text(download.value.path().read_bytes())
    for words in (notice.document_number, "殿", "法第115条", "山本恵子", f"金{notice.fee_amount:,}円"):
        assert words in text, words

    # The application (法115), confirmed online.
    _go(page, lambda: page.get_by_role("link", name=re.compile("契約の締結を申し込む")).click())
    check("apply")
    page.get_by_label(re.compile("オンラインで契約の締結を申し込みます")).check()
    _go(page, lambda: page.get_by_role("button", name="契約の締結を申し込む").click())
    contract = Contract.objects.get(proposal=proposal)
    assert contract.status == ContractStatus.APPLIED
    assert "契約の締結の申込みを受け付けました" in page.content()
    check("contract applied")

    # Staff: hours, the final fee, the payment and the conclusion.
    contracts.hours_log(
        contract=contract, actor=chief_manager, work_date=timezone.localdate(), hours=Decimal(2), description="加工"
    )
    contract = contracts.fee_finalize(contract=contract, actor=chief_manager)
    contracts.payment_record(
        contract=contract,
        actor=chief_manager,
        paid_on=timezone.localdate(),
        method="payment_slip",
        reference="R-0001",
        amount=contract.fee_amount,
    )
    contract.refresh_from_db()
    contract = contracts.contract_conclude(contract=contract, actor=chief_manager)
    assert contract.status == ContractStatus.CONCLUDED
    assert contract.creation_status == CreationStatus.PENDING

    # The proposer sees the concluded contract.
    page.goto(f"/mypage/contracts/{contract.public_id}/")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == f"利用契約（{contract.get_status_display()}）"
    body = page.locator("main").inner_text() if page.locator("main").count() else page.content()
    assert contract.contract_number in body
    assert "第三者に提供しない" in body
    assert f"金{contract.fee_amount:,}円" in body
    check("contract concluded")
    page.goto("/mypage/contracts/")
    assert contract.contract_number in page.content() or proposal.receipt_number in page.content()
    check("contract list")

    # The dataset job runs (anonymizer); the proposer downloads the files from the contract page.
    prepare_entry(proposal.entry, protection_manager)
    proposal.processing_request = request_for(proposal.entry)
    proposal.save(update_fields=["processing_request"])
    dry_run_done(proposal)
    assert dataset_job_execute(contract_id=contract.pk).status == JobStatus.SUCCEEDED
    page.goto(f"/mypage/contracts/{contract.public_id}/")
    assert "行政機関等匿名加工情報の提供" in page.content()
    check("dataset delivery")
    with page.expect_download() as download:
        page.get_by_role("link", name="dataset.csv").click()
    assert download.value.suggested_filename.endswith("dataset.csv")
    with open(download.value.path(), "rb") as delivered:
        assert delivered.read(3) == b"\xef\xbb\xbf"
    assert len(checked) == 8
