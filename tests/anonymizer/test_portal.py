"""The anonymizer in the portal: screening's dry run (審査基準③), delivery on /mypage/, the staff pages."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from anonymizer import services
from anonymizer.enums import DryRunStatus, JobStatus
from anonymizer.models import DatasetJob, DryRun, ProcessingProfile, ProcessingSecret
from contracts import services as contract_services
from portal.accounts.roles import StaffRole, organization_grant_manager
from portal.audit.models import AccessRecord
from tests.contracts.helpers import concluded_contract
from tests.factories.accounts import staff_user
from tests.factories.anonymizer import dry_run_done, prepare_entry, profile_plan, request_for
from tests.factories.proposals import ProposerFactory
from tests.factories.screening import assigned_screening, screener_user, submitted_proposal

pytestmark = pytest.mark.django_db


# --- the dry run -----------------------------------------------------------------------------------------


@pytest.fixture
def screening(chief_manager, protection_manager):
    proposal = submitted_proposal()
    prepare_entry(proposal.entry, protection_manager)
    proposal.processing_request = request_for(proposal.entry, 住所={"action": "generalize", "level": "prefecture"})
    proposal.save(update_fields=["processing_request"])
    screener = screener_user()
    return assigned_screening(proposal, screener=screener, assigner=chief_manager), screener


def screen_url(screening):
    return reverse("admin:proposals_screening_screen", args=[screening.pk])


def test_a_screener_runs_the_dry_run_and_sees_the_report(client, screening):
    screening, screener = screening
    client.force_login(screener)

    response = client.post(screen_url(screening), {"action": "dry_run"})
    dry_run = DryRun.objects.get(proposal=screening.proposal)
    services.dry_run_execute(dry_run_id=dry_run.pk)
    page = client.get(screen_url(screening)).content.decode()

    assert response.status_code == 302
    dry_run.refresh_from_db()
    assert dry_run.status == DryRunStatus.DONE
    assert dry_run.compliant is True
    assert "加工の基準に適合" in page
    assert "原データによる試行加工の結果、加工の基準に適合した" in page  # criterion ③'s suggestion
    assert "k = " in page
    assert "特定の個人を識別することができる記述等" in " ".join(dry_run.notes) or dry_run.notes == []


def test_the_dry_run_keeps_no_processed_row(screening, tmp_path):
    import io
    import json
    from pathlib import Path

    import pandas as pd
    from django.conf import settings

    from anonymizer.models import AnonymizedDataset
    from tests.factories.anonymizer import source_csv

    screening, screener = screening
    source = pd.read_csv(io.BytesIO(source_csv()), dtype=str, encoding="utf-8-sig")  # the file prepare_entry stored
    columns = ("氏名", "個人番号", "電話番号", "受給者番号", "住所")
    identifying = {value for column in columns for value in source[column]}
    dry_run = services.dry_run_request(screening=screening, actor=screener)

    services.dry_run_execute(dry_run_id=dry_run.pk)

    dry_run.refresh_from_db()
    text = json.dumps(dry_run.report, ensure_ascii=False)
    assert set(dry_run.report) >= {"rows", "privacy", "compliance"}
    assert len(identifying) > 3000
    assert [value for value in identifying if value in text] == []  # no name, number, ID or full address
    assert not DatasetJob.objects.exists() and not AnonymizedDataset.objects.exists()
    assert list(Path(settings.ANONYMIZER_WORK_DIR).iterdir()) == []  # the plaintext copy is gone


def test_a_dry_run_that_keeps_a_quasi_identifier_too_fine_is_shown_as_failing(screening, protection_manager):
    screening, screener = screening
    plan = profile_plan()
    plan["dataset"]["k_anonymity"].update({"k": 400, "method": "check"})
    ProcessingProfile.objects.filter(entry=screening.proposal.entry).update(plan=plan)

    dry_run = services.dry_run_request(screening=screening, actor=screener)
    dry_run = services.dry_run_execute(dry_run_id=dry_run.pk)

    assert dry_run.compliant is False
    assert any("k-匿名性" in reason for reason in dry_run.report["compliance"]["reasons"])


def test_a_dry_run_without_a_source_file_is_refused_in_japanese(client, chief_manager, protection_manager):
    proposal = submitted_proposal()
    prepare_entry(proposal.entry, protection_manager, upload=False)
    screener = screener_user()
    screening = assigned_screening(proposal, screener=screener, assigner=chief_manager)
    client.force_login(screener)

    response = client.post(screen_url(screening), {"action": "dry_run"}, follow=True)

    assert "原データが登録されていないため、試行できません" in response.content.decode()
    assert not DryRun.objects.exists()


def test_a_screener_not_assigned_cannot_ask_for_a_dry_run(client, screening):
    screening, _ = screening
    client.force_login(screener_user())

    response = client.post(screen_url(screening), {"action": "dry_run"})

    assert response.status_code == 404
    assert not DryRun.objects.exists()


# --- delivery --------------------------------------------------------------------------------------------


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


def detail_links(client, contract) -> list[str]:
    import re

    page = client.get(reverse("contracts:detail", args=[contract.public_id])).content.decode()
    return re.findall(r'href="(/mypage/contracts/[^"]+/dataset/[0-9a-f-]+/)"', page)


def test_the_contractor_downloads_each_file_through_a_recorded_link(client, delivered):
    client.force_login(delivered.proposer.user)
    links = detail_links(client, delivered)

    response = client.get(links[0])
    body = b"".join(response.streaming_content)

    assert len(links) == 5
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert "attachment" in response["Content-Disposition"]
    assert body.startswith(b"\xef\xbb\xbf")
    assert AccessRecord.objects.filter(action="download", object_type="anonymizer.datasetfile").count() == 1


def test_another_proposer_gets_404_for_the_contract_and_its_links(client, delivered):
    client.force_login(delivered.proposer.user)
    link = detail_links(client, delivered)[0]
    client.force_login(ProposerFactory().user)

    assert client.get(link).status_code == 404
    assert client.get(reverse("contracts:detail", args=[delivered.public_id])).status_code == 404


def test_an_expired_link_is_refused_in_japanese(client, delivered):
    client.force_login(delivered.proposer.user)
    link = detail_links(client, delivered)[0]
    session = client.session
    grants = session["anonymizer.deliveries"]
    grants[delivered.public_id.hex] -= 3600
    session["anonymizer.deliveries"] = grants
    session.save()

    response = client.get(link, follow=True)

    assert "有効期限が切れました" in response.content.decode()
    assert not AccessRecord.objects.filter(action="download").exists()


def test_a_link_opened_in_another_session_is_refused(client, delivered):
    client.force_login(delivered.proposer.user)
    link = detail_links(client, delivered)[0]
    other = Client()
    other.force_login(delivered.proposer.user)

    response = other.get(link, follow=True)

    assert "有効期限が切れました" in response.content.decode()


def test_a_file_of_another_dataset_is_refused(client, delivered):
    client.force_login(delivered.proposer.user)
    link = detail_links(client, delivered)[0]

    response = client.get(link.rsplit("/", 2)[0] + f"/{uuid.uuid4()}/", follow=True)

    assert "このリンクからはダウンロードできません" in response.content.decode()


def test_a_missing_stored_file_gives_a_japanese_page_before_any_download_starts(client, delivered):
    from pathlib import Path

    from anonymizer.models import DatasetFile
    from portal.uploads import protected_storage

    client.force_login(delivered.proposer.user)
    link = detail_links(client, delivered)[0]
    file = DatasetFile.objects.get(public_id=link.rstrip("/").rsplit("/", 1)[1])
    Path(protected_storage.path(file.stored_name)).unlink()

    response = client.get(link)

    page = response.content.decode()
    assert response.status_code == 503
    assert not response.streaming
    assert f"「{file.name}」をダウンロードできません" in page and "お問い合わせください" in page
    records = AccessRecord.objects.filter(action="download", object_type="anonymizer.datasetfile")
    assert list(records.values_list("result", flat=True)) == ["failed"]


def test_nothing_is_delivered_after_the_contract_ends(client, delivered):
    contract_services.contracts_expire(today=delivered.period_end + __import__("datetime").timedelta(days=1))
    client.force_login(delivered.proposer.user)

    assert detail_links(client, delivered) == []


# --- staff pages ------------------------------------------------------------------------------------------


def test_the_job_page_shows_progress_and_the_report(client, delivered, protection_manager):
    job = DatasetJob.objects.get(contract=delivered)
    client.force_login(protection_manager)

    page = client.get(reverse("admin:anonymizer_datasetjob_change", args=[job.pk])).content.decode()

    assert '<progress max="100" value="100"' in page
    assert "リスク・有用性の報告" in page


def test_a_protection_manager_of_another_organization_sees_no_job(client, delivered, other_organization):
    job = DatasetJob.objects.get(contract=delivered)
    client.force_login(staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization))

    assert client.get(reverse("admin:anonymizer_datasetjob_change", args=[job.pk])).status_code == 404
    assert client.post(reverse("admin:anonymizer_datasetjob_cancel", args=[job.pk])).status_code == 404


def test_staff_cancel_a_waiting_job(client, chief_manager, protection_manager):
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager)
    job = services.job_for_contract(contract=contract)
    client.force_login(protection_manager)

    client.post(reverse("admin:anonymizer_datasetjob_cancel", args=[job.pk]))

    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert job.cancel_requested_by_name == protection_manager.display_name


def test_restart_with_an_invalid_plan_shows_japanese_errors_and_changes_nothing(
    client, chief_manager, protection_manager
):
    contract = concluded_contract(chief_manager)
    job = services.dataset_job_execute(contract_id=contract.pk)  # no processing standard: failed
    organization_grant_manager(user=protection_manager, organization=contract.proposal.entry.organization)
    client.force_login(protection_manager)

    response = client.post(reverse("admin:anonymizer_datasetjob_restart", args=[job.pk]), {"plan": "{not json"})

    assert response.status_code == 200
    assert "JSON として読めません" in response.content.decode()
    assert DatasetJob.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_the_secret_read_page_shows_the_contents_to_the_files_manager_with_a_reason(
    client, delivered, protection_manager
):
    secret = ProcessingSecret.objects.get(dataset__contract=delivered)
    client.force_login(protection_manager)
    url = reverse("admin:anonymizer_processingsecret_read", args=[secret.pk])

    without = client.post(url, {"reason": ""})
    with_reason = client.post(url, {"reason": "開示請求への対応"})

    assert "このフィールドは必須です" in without.content.decode() or "必須" in without.content.decode()
    assert "&quot;pseudonym&quot;" in with_reason.content.decode()


def test_the_audit_officer_sees_the_secret_exists_but_not_its_contents(client, delivered, audit_officer):
    secret = ProcessingSecret.objects.get(dataset__contract=delivered)
    client.force_login(audit_officer)

    listing = client.get(reverse("admin:anonymizer_processingsecret_changelist"))
    response = client.post(reverse("admin:anonymizer_processingsecret_read", args=[secret.pk]), {"reason": "監査"})

    assert listing.status_code == 200
    assert response.status_code == 403
    assert AccessRecord.objects.filter(object_type="anonymizer.processingsecret", result="refused").exists()


def test_the_processing_standard_form_refuses_an_invalid_plan_in_japanese(client, protection_manager, organization):
    from tests.factories.registry import RegisterEntryFactory

    entry = RegisterEntryFactory(organization=organization)
    client.force_login(protection_manager)

    response = client.post(
        reverse("admin:anonymizer_processingprofile_add"),
        {"entry": entry.pk, "plan": '{"plan_version": 1, "columns": [{"name": "氏名", "role": "人"}]}'},
    )

    assert response.status_code == 200
    assert not ProcessingProfile.objects.exists()
    assert "errornote" in response.content.decode()


# --- disposal ---------------------------------------------------------------------------------------------


def test_a_manager_disposes_of_a_dataset_with_certificates(
    client, delivered, protection_manager, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from portal.crypto import DecryptionError
    from portal.disposal.models import DisposalCertificate
    from portal.uploads import protected_storage

    dataset = delivered.dataset
    stored = [Path(protected_storage.path(file.stored_name)) for file in dataset.files.all()]
    client.force_login(protection_manager)
    url = reverse("admin:anonymizer_anonymizeddataset_dispose", args=[dataset.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "利用期間の終了", "confirm": "on"})

    dataset.refresh_from_db()
    assert response.status_code == 302
    assert dataset.destroyed_at is not None
    assert not any(path.exists() for path in stored)
    assert DisposalCertificate.objects.filter(contract=delivered).count() == 2
    assert ProcessingSecret.objects.get(dataset=dataset).destroyed_at is not None
    with pytest.raises(DecryptionError):
        services.dataset_file_read(file=dataset.files.first())
    client.force_login(delivered.proposer.user)
    assert detail_links(client, delivered) == []


def test_disposal_without_a_reason_changes_nothing(client, delivered, protection_manager):
    client.force_login(protection_manager)

    response = client.post(
        reverse("admin:anonymizer_anonymizeddataset_dispose", args=[delivered.dataset.pk]), {"confirm": "on"}
    )

    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    delivered.dataset.refresh_from_db()
    assert delivered.dataset.destroyed_at is None


def test_disposal_is_not_offered_to_a_manager_of_another_organization(client, delivered, other_organization):
    client.force_login(staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization))

    response = client.post(
        reverse("admin:anonymizer_anonymizeddataset_dispose", args=[delivered.dataset.pk]),
        {"reason": "x", "confirm": "on"},
    )

    assert response.status_code == 404


# --- hierarchy tables in portal plans -----------------------------------------------------------------------


def _plan_with_table() -> dict:
    plan = profile_plan()
    for column in plan["columns"]:
        if column["name"] == "職業":
            column["steps"] = [{"op": "generalize", "method": "hierarchy", "table": "h_job.csv", "level": 1}]
    return plan


@pytest.fixture
def table_in_working_folder(tmp_path, monkeypatch):
    """h_job.csv in the process's working folder: the engine alone would find it there."""
    jobs = ["会社員", "公務員", "自営業", "学生", "無職", "農業", "医療", "教育", "建設", "その他"]
    (tmp_path / "h_job.csv").write_text("".join(f"{job};*\n" for job in jobs), encoding="utf-8")
    monkeypatch.chdir(tmp_path)


def test_the_processing_standard_form_refuses_a_hierarchy_table_file(
    client, protection_manager, organization, table_in_working_folder
):
    import json

    from tests.factories.registry import RegisterEntryFactory

    entry = RegisterEntryFactory(organization=organization)
    client.force_login(protection_manager)

    response = client.post(
        reverse("admin:anonymizer_processingprofile_add"),
        {"entry": entry.pk, "plan": json.dumps(_plan_with_table(), ensure_ascii=False)},
    )

    assert response.status_code == 200
    assert "階層表ファイル（table）はポータルの処理計画では使えません" in response.content.decode()
    assert not ProcessingProfile.objects.exists()


def test_a_job_whose_plan_names_a_hierarchy_table_file_fails_in_japanese(
    chief_manager, protection_manager, table_in_working_folder
):
    from anonymizer.models import AnonymizedDataset

    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager, plan=_plan_with_table())
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    # No dry run could run this plan either: the job waits until a protection manager confirms it.
    held = services.dataset_job_execute(contract_id=contract.pk)
    services.dataset_job_restart(job=held, actor=protection_manager, reason="試行できない処理計画を確認")

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.FAILED
    assert '列 "職業" の階層表ファイル（table）はポータルの処理計画では使えません' in job.failure
    assert not AnonymizedDataset.objects.filter(contract=contract).exists()
