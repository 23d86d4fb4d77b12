"""The plan that reaches a production job (issue 5, review G1, G2 and G9): 行政機関等匿名加工情報 only, never
finer than the 加工基準, the plan screening's dry run checked or one a protection manager confirmed (also when
screening made no dry run at all)."""

import io
import json

import pyarrow.csv as pv
import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from anonymizer import services
from anonymizer.engine.plan import plan_digest
from anonymizer.enums import DatasetFileKind, JobStatus
from anonymizer.models import AnonymizedDataset, DatasetJob, DryRun, ProcessingProfile
from files_registry.sources import source_file_latest
from tests.contracts.helpers import concluded_contract
from tests.factories.anonymizer import dry_run_done, prepare_entry, profile_plan, request_for

pytestmark = pytest.mark.django_db

# Heights of the synthetic file (mean 158 cm, sd 18, 80–205) coded at both ends so that no rare height is
# left at either end of 3,000 records; a child of 170 cm is 「150cm以上」 (seed 002 3-2-5 事例3).
HEIGHT_STANDARD = [
    {"op": "bottom_code", "threshold": 125, "unit": "cm"},
    {"op": "top_code", "threshold": 150, "unit": "cm"},
]


@pytest.fixture
def contract(chief_manager, protection_manager):
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager)
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    return contract


def change_standard(entry, **steps) -> None:
    profile = ProcessingProfile.objects.get(entry=entry)
    for column in profile.plan["columns"]:
        if column["name"] in steps:
            column["steps"] = steps[column["name"]]
    profile.save()


def csv_of(contract):
    dataset = AnonymizedDataset.objects.get(contract=contract)
    body = b"".join(services.dataset_file_read(file=dataset.files.get(kind=DatasetFileKind.CSV)))
    return pv.read_csv(io.BytesIO(body), convert_options=pv.ConvertOptions(strings_can_be_null=False))


# --- 行政機関等匿名加工情報 only (G1) -----------------------------------------------------------------------------


def test_a_job_whose_plan_is_pseudonymized_publishes_nothing(contract):
    job = services.job_for_contract(contract=contract)
    pseudonymized = {**job.plan, "mode": "pseudonymized"}
    # As if screening's dry run had checked it: the run-time refusal is the last line of defence.
    DatasetJob.objects.filter(pk=job.pk).update(plan=pseudonymized, screened_plan_digest=plan_digest(pseudonymized))

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.FAILED
    assert "仮名加工情報であり、第三者に提供できません" in job.failure
    assert not AnonymizedDataset.objects.filter(contract=contract).exists()


def test_a_job_cannot_be_restarted_with_a_pseudonymized_plan(contract, protection_manager):
    job = services.job_for_contract(contract=contract)
    services.dataset_job_cancel(job=job, actor=protection_manager)

    with pytest.raises(services.AnonymizerError) as exc:
        services.dataset_job_restart(
            job=job, actor=protection_manager, plan={**job.plan, "mode": "pseudonymized"}, reason="試し"
        )

    assert "行政機関等匿名加工情報だけです" in exc.value.messages[0]
    assert DatasetJob.objects.get(pk=job.pk).status == JobStatus.CANCELLED


def test_the_processing_standard_form_refuses_pseudonymized_mode_in_japanese(client, protection_manager, organization):
    from tests.factories.registry import RegisterEntryFactory

    entry = RegisterEntryFactory(organization=organization)
    client.force_login(protection_manager)
    plan = {**profile_plan(), "mode": "pseudonymized"}

    response = client.post(
        reverse("admin:anonymizer_processingprofile_add"), {"entry": entry.pk, "plan": json.dumps(plan)}
    )

    assert response.status_code == 200
    assert "このポータルで作成・提供できるのは行政機関等匿名加工情報だけです" in response.content.decode()
    assert not ProcessingProfile.objects.exists()


# --- the request never weakens the standard (G2) ----------------------------------------------------------


def test_a_request_raising_the_top_code_still_publishes_the_standards_coding(contract):
    """The review's case: a request of 250 cm would have published heights up to 205 cm."""
    change_standard(contract.proposal.entry, 身長=HEIGHT_STANDARD)
    contract.proposal.processing_request = request_for(
        contract.proposal.entry, 身長={"action": "top_code", "threshold": 250}
    )
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)

    job = services.dataset_job_execute(contract_id=contract.pk)

    heights = csv_of(contract).column("身長").to_pylist()
    numbers = [int(h) for h in heights if h.isdigit()]
    assert job.status == JobStatus.SUCCEEDED, job.failure
    assert "150cm以上" in heights
    assert max(numbers) < 150
    assert any("（250以上）は加工基準のしきい値より緩いため" in note for note in job.notes)


# --- the plan screening checked (G9) ----------------------------------------------------------------------


def test_the_job_runs_the_plan_the_dry_run_checked_and_records_it(contract):
    dry_run = dry_run_done(contract.proposal)

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.SUCCEEDED, job.failure
    assert job.screened_plan_digest == dry_run.plan_digest == job.plan_digest
    assert AnonymizedDataset.objects.get(contract=contract).plan_digest == dry_run.plan_digest


def test_a_standard_changed_after_screening_waits_for_a_protection_manager(client, contract, protection_manager):
    dry_run_done(contract.proposal)
    change_standard(contract.proposal.entry, 住所=[{"op": "generalize", "method": "address", "level": "municipality"}])

    job = services.dataset_job_execute(contract_id=contract.pk)
    client.force_login(protection_manager)
    page = client.get(reverse("admin:anonymizer_datasetjob_change", args=[job.pk])).content.decode()

    assert job.status == JobStatus.NEEDS_PLAN
    assert job.attempts == 0
    assert not AnonymizedDataset.objects.filter(contract=contract).exists()
    assert job.transitions.last().reason == services.PLAN_DIFFERS_FROM_SCREENING
    assert "審査の試行（ドライラン）で確認した処理計画と異なります" in page
    assert "保護管理者が理由を付けて確認するまで作成しません" in page


def test_only_a_protection_manager_with_a_reason_confirms_a_plan_screening_did_not_check(
    contract, chief_manager, protection_manager
):
    dry_run_done(contract.proposal)
    change_standard(contract.proposal.entry, 住所=[{"op": "generalize", "method": "address", "level": "municipality"}])
    job = services.dataset_job_execute(contract_id=contract.pk)

    with pytest.raises(PermissionDenied):
        services.dataset_job_restart(job=job, actor=chief_manager, reason="確認した")
    with pytest.raises(services.AnonymizerError) as no_reason:
        services.dataset_job_restart(job=job, actor=protection_manager, reason="  ")
    services.dataset_job_restart(job=job, actor=protection_manager, reason="加工基準の改定を確認した")
    job = services.dataset_job_execute(contract_id=contract.pk)

    confirmation = job.transitions.get(to_status=JobStatus.QUEUED)
    assert no_reason.value.messages == ["処理計画を変更・確認する理由を入力してください。"]
    assert confirmation.reason == "審査の試行と異なる処理計画の確認: 加工基準の改定を確認した"
    assert confirmation.plan_digest_before == confirmation.plan_digest_after == job.plan_digest
    assert confirmation.actor == protection_manager
    assert job.status == JobStatus.SUCCEEDED, job.failure


def queued_dry_run(proposal) -> None:
    """A dry run asked for but not run (its worker never took it): no completed dry run."""
    DryRun.objects.create(
        proposal=proposal,
        version_number=1,
        source_file=source_file_latest(proposal.entry),
        plan=services.proposal_plan(proposal).plan,
        requested_by_name="審査 一郎",
    )


@pytest.mark.parametrize("arrange", [lambda proposal: None, queued_dry_run], ids=["no dry run", "queued dry run"])
def test_a_job_without_a_completed_dry_run_waits_for_a_protection_manager(
    arrange, client, contract, protection_manager
):
    arrange(contract.proposal)

    job = services.dataset_job_execute(contract_id=contract.pk)
    client.force_login(protection_manager)
    page = client.get(reverse("admin:anonymizer_datasetjob_change", args=[job.pk])).content.decode()

    assert job.status == JobStatus.NEEDS_PLAN
    assert (job.attempts, job.screened_plan_digest) == (0, "")
    assert not AnonymizedDataset.objects.filter(contract=contract).exists()
    assert job.transitions.last().reason == services.NO_SCREENING_DRY_RUN
    assert "審査の試行（ドライラン）で原データに適用されていません" in page
    assert "保護管理者が理由を付けて確認するまで作成しません" in page


def test_a_protection_manager_confirms_a_plan_no_dry_run_checked(contract, chief_manager, protection_manager):
    job = services.dataset_job_execute(contract_id=contract.pk)

    with pytest.raises(PermissionDenied):
        services.dataset_job_restart(job=job, actor=chief_manager, reason="確認した")
    services.dataset_job_restart(job=job, actor=protection_manager, reason="試行の記録がない契約の処理計画を確認した")
    job = services.dataset_job_execute(contract_id=contract.pk)

    confirmation = job.transitions.get(to_status=JobStatus.QUEUED)
    assert confirmation.reason == "審査の試行のない処理計画の確認: 試行の記録がない契約の処理計画を確認した"
    assert job.confirmed_plan_digest == job.plan_digest
    assert job.status == JobStatus.SUCCEEDED, job.failure


@pytest.fixture
def failed_job(chief_manager, protection_manager):
    plan = profile_plan()
    plan["dataset"]["k_anonymity"].update({"k": 400, "method": "check"})
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager, plan=plan)
    dry_run_done(contract.proposal)  # it fails k as well: a completed dry run, whatever its verdict
    job = services.dataset_job_execute(contract_id=contract.pk)
    assert job.status == JobStatus.FAILED
    return job


def corrected(job) -> dict:
    plan = {**job.plan, "dataset": {**job.plan["dataset"]}}
    plan["dataset"]["k_anonymity"] = {**plan["dataset"]["k_anonymity"], "k": 5, "method": "record"}
    return plan


def test_a_plan_change_on_restart_is_refused_to_anyone_but_the_files_protection_manager(failed_job, chief_manager):
    before = failed_job.plan

    with pytest.raises(PermissionDenied):
        services.dataset_job_restart(job=failed_job, actor=chief_manager, plan=corrected(failed_job), reason="直す")

    failed_job.refresh_from_db()
    assert failed_job.plan == before
    assert failed_job.status == JobStatus.FAILED


def test_a_plan_change_on_restart_needs_a_reason(failed_job, protection_manager):
    with pytest.raises(services.AnonymizerError):
        services.dataset_job_restart(job=failed_job, actor=protection_manager, plan=corrected(failed_job))

    assert DatasetJob.objects.get(pk=failed_job.pk).status == JobStatus.FAILED


def test_a_plan_change_on_restart_is_kept_and_recorded_with_both_digests(failed_job, protection_manager):
    old, new = failed_job.plan_digest, plan_digest(corrected(failed_job))

    services.dataset_job_restart(
        job=failed_job, actor=protection_manager, plan=corrected(failed_job), reason="k を加工基準の値に戻す"
    )
    job = services.dataset_job_execute(contract_id=failed_job.contract_id)

    change = job.transitions.get(to_status=JobStatus.QUEUED)
    assert (change.plan_digest_before, change.plan_digest_after) == (old, new)
    assert change.reason == "処理計画の変更: k を加工基準の値に戻す"
    assert job.plan_digest == new
    assert job.status == JobStatus.SUCCEEDED, job.failure
    assert AnonymizedDataset.objects.get(job=job).plan_digest == new


def test_a_restart_without_a_plan_change_stays_open_to_the_chief_manager(failed_job, chief_manager):
    job = services.dataset_job_restart(job=failed_job, actor=chief_manager)

    assert job.status == JobStatus.QUEUED
    assert job.transitions.get(to_status=JobStatus.QUEUED).plan_digest_after == ""


def test_the_restart_page_records_a_managers_plan_change(client, failed_job, protection_manager):
    client.force_login(protection_manager)
    url = reverse("admin:anonymizer_datasetjob_restart", args=[failed_job.pk])

    response = client.post(url, {"plan": json.dumps(corrected(failed_job)), "reason": "k の誤りを直す"})

    failed_job.refresh_from_db()
    assert response.status_code == 302
    assert failed_job.status == JobStatus.QUEUED
    assert failed_job.plan_digest == plan_digest(corrected(failed_job))


def test_the_restart_page_refuses_a_plan_change_by_the_chief_manager_in_japanese(client, failed_job, chief_manager):
    client.force_login(chief_manager)
    url = reverse("admin:anonymizer_datasetjob_restart", args=[failed_job.pk])

    response = client.post(url, {"plan": json.dumps(corrected(failed_job)), "reason": "直す"})

    assert response.status_code == 200
    assert "処理計画を変更・確認できるのは、個人情報ファイルの保護管理者だけです。" in response.content.decode()
    assert DatasetJob.objects.get(pk=failed_job.pk).status == JobStatus.FAILED
