"""Agency staff in the admin console (/admin/), in headless Chromium with axe (WCAG 2.1 AA) on every page.

Each staff member signs in through the real admin sign-in page with the password and the code of their
authenticator (seed 004 第11条), then uses the pages of their role: a screener's screening page with the
dry run report (審査基準③), a protection manager's dataset job (progress, cancel, report) and source file
record, the audit officer's access records and period report (規程第29条), and the incident report any
staff member files (第27条第1項).
"""

import datetime
import re

import pytest
from django.db import transaction
from django.utils import timezone
from playwright.sync_api import expect

from anonymizer import services as anonymizer
from anonymizer.enums import DryRunStatus, JobStatus
from anonymizer.models import DatasetJob, DryRun
from anonymizer.workflow import transition
from files_registry.models import SourceFile
from portal.audit.enums import AccessAction
from portal.audit.models import AccessRecord
from portal.compliance.models import Incident
from portal.jdates import fiscal_year, fiscal_year_label
from portal.security.totp import totp_current_code
from proposals.criteria import applicable_criteria
from tests.contracts.helpers import concluded_contract
from tests.factories.anonymizer import prepare_entry, request_for
from tests.factories.registry import RegisterEntryFactory
from tests.factories.screening import assigned_screening, screener_user, submitted_proposal
from tests.security.helpers import TEST_TOTP_KEY, staff_device

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery-staple"  # UserFactory's


def _go(page, action):
    with page.expect_navigation():
        action()


def _fill_credentials(page, user, code=""):
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_label("確認コード（認証アプリの6桁）").fill(code)
    _go(page, lambda: page.get_by_role("button", name="ログイン").click())


def sign_in(page, user):
    """Sign `user` in on the admin sign-in page with the password and the current code of their device."""
    staff_device(user)
    page.goto("/admin/login/?next=/admin/")
    _fill_credentials(page, user, totp_current_code(TEST_TOTP_KEY))
    assert page.get_by_role("heading", level=1).inner_text() == "業務メニュー"


def _h1(page) -> str:
    return page.get_by_role("heading", level=1).inner_text()


def test_staff_sign_in_asks_for_the_code_and_the_dashboard_warns_of_missing_calls(
    page, protection_manager, axe_violations
):
    entry = RegisterEntryFactory(name="国民健康保険被保険者ファイル", eligible=True, open_for_proposals=True)
    staff_device(protection_manager)
    page.goto("/admin/login/?next=/admin/")
    assert axe_violations(page) == [], "sign-in"

    _fill_credentials(page, protection_manager)  # the password alone
    assert page.get_by_role("alert").inner_text() == "認証アプリに表示される6桁の確認コードを入力してください。"
    assert page.url.endswith("/admin/login/?next=/admin/")
    assert axe_violations(page) == [], "sign-in refused"
    _fill_credentials(page, protection_manager, totp_current_code(TEST_TOTP_KEY))

    assert _h1(page) == "業務メニュー"
    year_label = fiscal_year_label(fiscal_year(timezone.localdate()))
    warnings = page.get_by_role("region", name=f"注意: {year_label}の提案の募集が未設定のファイル（1件）")
    assert "個人情報保護法第111条" in warnings.inner_text()
    assert warnings.get_by_role("listitem").inner_text() == (
        f"{entry.register_number} {entry.name}（{entry.organization.name}）"
    )
    assert axe_violations(page) == [], "dashboard"
    assert AccessRecord.objects.filter(actor=protection_manager, action=AccessAction.SIGN_IN).count() == 1


def test_a_screener_runs_the_dry_run_and_reads_its_report_on_the_screening_page(
    page, chief_manager, protection_manager, axe_violations
):
    proposal = submitted_proposal()
    prepare_entry(proposal.entry, protection_manager)
    proposal.processing_request = request_for(proposal.entry, 住所={"action": "generalize", "level": "prefecture"})
    proposal.save(update_fields=["processing_request"])
    screener = screener_user()
    assigned_screening(proposal, screener=screener, assigner=chief_manager)

    sign_in(page, screener)
    assert page.get_by_role("region", name=re.compile("提案の募集が未設定")).count() == 0  # not the screener's duty
    assert axe_violations(page) == [], "screener's dashboard"
    page.goto("/admin/proposals/screening/")
    assert axe_violations(page) == [], "screening list"
    _go(page, lambda: page.get_by_role("link", name=proposal.receipt_number).click())
    assert _h1(page) == f"審査: {proposal}"
    assert page.get_by_text("試行はまだありません。").count() == 1
    # The criteria's forms are there for axe to check.
    assert page.get_by_role("button", name="記録する").count() == len(applicable_criteria(proposal))
    assert axe_violations(page) == [], "screening page"

    _go(page, lambda: page.get_by_role("button", name="原データで試行する").click())
    assert "原データによる試行を登録しました。" in page.locator(".messagelist").inner_text()
    dry_run = DryRun.objects.get(proposal=proposal)
    assert dry_run.requested_by == screener
    assert anonymizer.dry_run_execute(dry_run_id=dry_run.pk).status == DryRunStatus.DONE
    page.reload()

    assert page.get_by_role("heading", level=3, name=re.compile(r"（第1版・.+）：完了$")).count() == 1
    verdict = page.get_by_role("table", name="判定：加工の基準に適合")
    rows = verdict.get_by_role("row", name=re.compile("^レコード数"))
    assert rows.inner_text().startswith("レコード数\t原データ 3,000")
    assert re.search(r"k = \d+（目標 5", verdict.inner_text())
    assert page.get_by_role("table", name="項目ごとの加工").get_by_role("row", name=re.compile("^住所")).count() == 1
    assert axe_violations(page) == [], "screening page with the dry run report"


@pytest.fixture
def running_job(chief_manager, protection_manager):
    """A concluded contract's dataset job, its plan checked by screening's dry run, taken by a worker and
    40 % done (as the engine's heartbeat leaves it)."""
    contract = concluded_contract(chief_manager)
    proposal = contract.proposal
    prepare_entry(proposal.entry, protection_manager)
    proposal.processing_request = request_for(proposal.entry)
    proposal.save(update_fields=["processing_request"])
    dry_run = anonymizer.dry_run_request(screening=proposal.screening, actor=chief_manager)
    assert anonymizer.dry_run_execute(dry_run_id=dry_run.pk).compliant is True
    job = anonymizer.job_for_contract(contract=contract)
    assert not job.awaits_plan_confirmation
    with transaction.atomic():
        job = transition(job, JobStatus.RUNNING, reason="作成の開始")
    DatasetJob.objects.filter(pk=job.pk).update(progress=40, attempts=1, started_at=timezone.now())
    return job


def test_a_protection_manager_follows_a_dataset_job_to_its_report_and_opens_the_source_file(
    page, running_job, protection_manager, axe_violations
):
    job = running_job
    sign_in(page, protection_manager)
    page.goto(f"/admin/anonymizer/datasetjob/{job.pk}/change/")

    progress = page.get_by_role("progressbar", name="作成の進捗")
    assert progress.get_attribute("value") == "40"
    assert page.locator(".field-status .readonly").inner_text() == "作成中"
    assert page.get_by_role("status").inner_text() == "進捗を5秒ごとに自動で更新しています。"
    assert axe_violations(page) == [], "running job"

    # The worker goes on; the page shows it without a reload, until the person stops the updates.
    DatasetJob.objects.filter(pk=job.pk).update(progress=70)
    expect(page.get_by_role("progressbar", name="作成の進捗")).to_have_attribute("value", "70", timeout=15_000)
    page.get_by_role("button", name="自動更新を止める").click()
    assert page.get_by_role("status").inner_text() == "自動更新を止めています。"
    DatasetJob.objects.filter(pk=job.pk).update(progress=90)
    page.wait_for_timeout(6_000)
    assert page.get_by_role("progressbar", name="作成の進捗").get_attribute("value") == "70"
    assert axe_violations(page) == [], "running job, updates stopped"

    # The attempt's worker died; the next one takes the job over and completes it.
    DatasetJob.objects.filter(pk=job.pk).update(lease_until=None)
    assert anonymizer.dataset_job_execute(contract_id=job.contract_id).status == JobStatus.SUCCEEDED
    _go(page, lambda: page.get_by_role("link", name="最新の状況を表示する").click())

    assert page.get_by_role("progressbar", name="作成の進捗").get_attribute("value") == "100"
    assert page.locator(".field-status .readonly").inner_text() == "作成済み"
    assert page.get_by_role("button", name="作成を中止する").count() == 0
    assert page.get_by_role("heading", level=2, name="リスク・有用性の報告").count() == 1
    assert page.get_by_role("table", name="判定：加工の基準に適合").count() == 1
    assert axe_violations(page) == [], "job done with its report"

    source = SourceFile.objects.get(entry=job.contract.proposal.entry)
    page.goto(f"/admin/files_registry/sourcefile/{source.pk}/change/")
    assert _h1(page) == "個人情報ファイルの原データを表示"
    assert page.locator(".field-original_name .readonly").inner_text() == "source.csv"
    assert page.locator(".field-sha256 .readonly").inner_text() == source.sha256
    assert page.locator(".field-size_display .readonly").inner_text() == f"{source.size:,} バイト"
    assert page.get_by_role("link", name="消去する（消去証明を発行）").count() == 1
    assert axe_violations(page) == [], "source file"


def test_a_protection_manager_cancels_a_running_job_from_its_page(page, running_job, protection_manager):
    sign_in(page, protection_manager)
    page.goto(f"/admin/anonymizer/datasetjob/{running_job.pk}/change/")

    _go(page, lambda: page.get_by_role("button", name="作成を中止する").click())

    assert "中止を指示しました。処理は次の区切りで止まります。" in page.locator(".messagelist").inner_text()
    running_job.refresh_from_db()
    assert running_job.cancel_requested_by_name == protection_manager.display_name


def test_the_audit_officer_reads_the_access_records_and_a_period_report(page, audit_officer, axe_violations):
    today = timezone.localdate()
    sign_in(page, audit_officer)

    page.goto("/admin/audit/accessrecord/")
    sign_in_row = page.get_by_role("row").filter(has_text="サインイン").filter(has_text=audit_officer.username)
    assert sign_in_row.count() == 1
    assert axe_violations(page) == [], "access records"

    page.goto("/admin/audit/")
    _go(page, lambda: page.get_by_role("link", name=re.compile("^監査報告を作成する")).click())
    assert _h1(page) == "監査報告（アクセス記録等）"
    assert axe_violations(page) == [], "audit report form"
    page.get_by_label("期間の開始日").fill(today.isoformat())
    page.get_by_label("期間の終了日").fill((today - datetime.timedelta(days=1)).isoformat())
    _go(page, lambda: page.get_by_role("button", name="画面に表示").click())
    assert "期間の開始日は、終了日と同じ日かそれより前の日にしてください。" in page.locator(".errornote").inner_text()
    assert axe_violations(page) == [], "audit report form with an error"

    page.get_by_label("期間の開始日").fill((today - datetime.timedelta(days=7)).isoformat())
    page.get_by_label("期間の終了日").fill(today.isoformat())
    _go(page, lambda: page.get_by_role("button", name="画面に表示").click())

    assert page.get_by_role("heading", level=2, name=re.compile("^報告の期間：")).count() == 1
    summary = page.locator("#section-access_summary")
    assert summary.get_by_role("heading", level=2).inner_text().startswith("1　アクセス記録の件数（操作・結果別）")
    assert summary.get_by_role("cell", name="サインイン", exact=True).count() == 1  # the officer's own
    assert audit_officer.display_name in page.locator("#section-access_by_user").inner_text()
    assert axe_violations(page) == [], "audit report"


def test_an_incident_dated_in_the_future_is_refused_in_japanese_then_reported(page, organization, axe_violations):
    reporter = screener_user()  # any staff member reports (第27条第1項)
    today = timezone.localdate()
    sign_in(page, reporter)
    page.goto("/admin/compliance/incident/add/")
    assert _h1(page) == "事案 を追加"  # Django's own Japanese
    assert axe_violations(page) == [], "incident form"

    page.get_by_label("件名").fill("提供先からの持出しのおそれ")
    page.get_by_label("事案の概要").fill("契約相手方の端末から行政機関等匿名加工情報が持ち出されたおそれがある。")
    page.get_by_label("発生日").fill((today + datetime.timedelta(days=2)).isoformat())
    page.get_by_role("group", name="事案の発生等を把握した日時").get_by_label("日付").fill(today.isoformat())
    page.get_by_role("group", name="事案の発生等を把握した日時").get_by_label("時刻").fill("00:00:00")
    page.get_by_label("当該行政機関等匿名加工情報を管理する組織").select_option(label=organization.name)
    _go(page, lambda: page.get_by_role("button", name="保存", exact=True).click())

    assert page.locator(".field-occurred_on .errorlist").inner_text() == "未来の日付は指定できません。"
    assert page.get_by_label("件名").input_value() == "提供先からの持出しのおそれ"  # nothing typed is lost
    assert Incident.objects.count() == 0
    assert axe_violations(page) == [], "incident form with an error"

    page.get_by_label("発生日").fill(today.isoformat())
    _go(page, lambda: page.get_by_role("button", name="保存", exact=True).click())

    incident = Incident.objects.get()
    assert (incident.title, incident.occurred_on, incident.organization) == (
        "提供先からの持出しのおそれ",
        today,
        organization,
    )
    assert incident.reported_by == reporter
    assert incident.number in page.locator(".messagelist").inner_text()
    assert axe_violations(page) == [], "incidents after the report"
