"""The production job of a concluded contract (anonymizer.services): the dataset appears whole and once,
encrypted, with its secrets locked apart, published to the register; failures publish nothing."""

import datetime
import io
import json
from pathlib import Path

import pyarrow.csv as pv
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from anonymizer import services
from anonymizer.enums import DatasetFileKind, JobStatus
from anonymizer.models import AnonymizedDataset, DatasetJob, ProcessingSecret
from portal.audit.models import AccessRecord
from portal.models import Notification
from portal.uploads import protected_storage
from tests.contracts.helpers import concluded_contract
from tests.factories.anonymizer import prepare_entry, profile_plan, request_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def contract(chief_manager, protection_manager):
    contract = concluded_contract(chief_manager)
    entry = contract.proposal.entry
    prepare_entry(entry, protection_manager)
    proposal = contract.proposal
    proposal.processing_request = request_for(
        entry, 住所={"action": "generalize", "level": "prefecture"}, 点数={"action": "top_code", "threshold": 90}
    )
    proposal.save(update_fields=["processing_request"])
    return contract


def plaintext(file) -> bytes:
    return b"".join(services.dataset_file_read(file=file))


def stored_files(sub: str) -> list[Path]:
    base = Path(protected_storage.path(sub))
    return sorted(path for path in base.rglob("*") if path.is_file()) if base.is_dir() else []


def test_dataset_job_creates_one_encrypted_dataset_with_every_file(contract):
    job = services.dataset_job_execute(contract_id=contract.pk)

    dataset = AnonymizedDataset.objects.get(contract=contract)
    files = {file.kind: file for file in dataset.files.all()}
    csv_bytes = plaintext(files[DatasetFileKind.CSV])
    table = pv.read_csv(io.BytesIO(csv_bytes))
    manifest = json.loads(plaintext(files[DatasetFileKind.MANIFEST]))
    assert job.status == JobStatus.SUCCEEDED
    assert job.progress == 100
    assert sorted(files) == sorted(DatasetFileKind.values)
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    assert "氏名" not in table.column_names and "個人番号" not in table.column_names
    assert table.num_rows == dataset.rows == job.report["rows"]["output"]
    assert pq.read_table(io.BytesIO(plaintext(files[DatasetFileKind.PARQUET]))).num_rows == dataset.rows
    assert {entry["file"]: entry["sha256"] for entry in manifest["files"]}["dataset.csv"] == files["csv"].sha256
    assert "行政機関等匿名加工情報" in plaintext(files[DatasetFileKind.LABEL]).decode("utf-8-sig")
    for file in files.values():  # encrypted at rest: the stored bytes are not the plaintext
        assert Path(protected_storage.path(file.stored_name)).read_bytes()[:8] == b"PRTLENC1"


def test_dataset_job_publishes_the_summary_to_the_register(contract):
    services.dataset_job_execute(contract_id=contract.pk)

    dataset = AnonymizedDataset.objects.get(contract=contract)
    summary = dataset.summary
    items = {item.name: item.processing for item in summary.items.all()}
    assert summary.entry == contract.proposal.entry
    assert summary.subject_count == dataset.subject_count
    assert summary.accepts_proposals_on(timezone.localdate())
    assert items["住所"] == "都道府県単位に置換え"
    assert items["点数"].startswith("90以上をまとめる")
    assert "氏名" not in items


def test_dataset_job_run_twice_publishes_once(contract):
    first = services.dataset_job_execute(contract_id=contract.pk)
    files_before = stored_files("anonymizer")

    second = services.dataset_job_execute(contract_id=contract.pk)

    assert first.pk == second.pk
    assert AnonymizedDataset.objects.filter(contract=contract).count() == 1
    assert stored_files("anonymizer") == files_before
    assert DatasetJob.objects.get(pk=first.pk).attempts == 1


def test_dataset_job_leaves_no_plaintext_copy(contract):
    services.dataset_job_execute(contract_id=contract.pk)

    assert list(Path(settings.ANONYMIZER_WORK_DIR).iterdir()) == []


def test_secrets_are_in_the_vault_and_never_in_an_output(contract, protection_manager):
    services.dataset_job_execute(contract_id=contract.pk)
    secret = ProcessingSecret.objects.get(dataset__contract=contract)

    body = services.processing_secret_read(secret=secret, actor=protection_manager, reason="監査対応")

    key = body["secrets"]["keys"]["pseudonym"]
    assert len(key) >= 32
    for file in AnonymizedDataset.objects.get(contract=contract).files.all():
        assert key.encode() not in plaintext(file)
    assert Path(protected_storage.path(secret.stored_name)).parent.name == "vault"
    assert AccessRecord.objects.filter(object_type="anonymizer.processingsecret", result="success").count() == 1


def test_secrets_are_refused_to_a_manager_of_another_organization_and_the_refusal_recorded(
    contract, other_organization
):
    from portal.accounts.roles import StaffRole
    from tests.factories.accounts import staff_user

    services.dataset_job_execute(contract_id=contract.pk)
    secret = ProcessingSecret.objects.get(dataset__contract=contract)
    stranger = staff_user(StaffRole.PROTECTION_MANAGER, organization=other_organization)

    with pytest.raises(PermissionDenied):
        services.processing_secret_read(secret=secret, actor=stranger, reason="見たい")

    assert AccessRecord.objects.filter(object_type="anonymizer.processingsecret", result="refused").count() == 1


def test_a_reason_is_required_to_read_secrets(contract, protection_manager):
    services.dataset_job_execute(contract_id=contract.pk)
    secret = ProcessingSecret.objects.get(dataset__contract=contract)

    with pytest.raises(PermissionDenied):
        services.processing_secret_read(secret=secret, actor=protection_manager, reason="  ")


def test_an_output_failing_k_is_never_published(chief_manager, protection_manager):
    plan = profile_plan()
    plan["dataset"]["k_anonymity"].update({"k": 400, "method": "check"})
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager, plan=plan)

    before = stored_files("anonymizer")

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.FAILED
    assert "k-匿名性を満たしていません" in job.failure
    assert not AnonymizedDataset.objects.filter(contract=contract).exists()
    assert stored_files("anonymizer") == before
    assert Notification.objects.filter(subject__contains="作成できませんでした").exists()
    assert job.report["privacy"]["k"] < 400


def test_a_job_without_a_source_file_fails_in_japanese(chief_manager, protection_manager):
    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager, upload=False)

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.FAILED
    assert "原データが登録されていません" in job.failure


def test_a_job_without_a_processing_standard_fails_in_japanese(chief_manager):
    contract = concluded_contract(chief_manager)

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.FAILED
    assert "加工基準が登録されていません" in job.failure


def test_a_subset_request_waits_for_staff_to_complete_the_plan(contract):
    proposal = contract.proposal
    proposal.processing_request = {
        **proposal.processing_request,
        "records": {"selection": "subset", "condition": "東京都"},
    }
    proposal.save(update_fields=["processing_request"])

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.NEEDS_PLAN
    assert not AnonymizedDataset.objects.exists()


def test_a_cancelled_job_stops_and_publishes_nothing(contract, chief_manager):
    job = services.job_for_contract(contract=contract)
    DatasetJob.objects.filter(pk=job.pk).update(cancel_requested_at=timezone.now())
    before = stored_files("anonymizer")

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.CANCELLED
    assert not AnonymizedDataset.objects.exists()
    assert stored_files("anonymizer") == before


def test_cancel_of_a_waiting_job_is_immediate(contract, chief_manager):
    job = services.job_for_contract(contract=contract)

    job = services.dataset_job_cancel(job=job, actor=chief_manager)

    assert job.status == JobStatus.CANCELLED


def test_a_job_whose_worker_died_is_taken_over_and_publishes_once(contract):
    """A killed attempt leaves RUNNING, an expired lease, a plaintext copy and half its encrypted files."""
    job = services.job_for_contract(contract=contract)
    claim = services._claim(contract.pk)
    DatasetJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    leftover = Path(settings.ANONYMIZER_WORK_DIR) / f"job-{job.public_id.hex}-deadbeef"
    leftover.mkdir(parents=True)
    (leftover / "source.csv").write_text("氏名\n山田太郎\n")
    orphan = Path(protected_storage.path("anonymizer/datasets/dead/orphan.enc"))
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"PRTLENC1 half")
    old = (timezone.now() - datetime.timedelta(hours=1)).timestamp()
    import os

    os.utime(orphan, (old, old))

    swept = services.work_sweep()
    job = services.dataset_job_execute(contract_id=contract.pk)

    assert claim.attempt == 1
    assert swept == {"work_folders": 1, "unreferenced_files": 1}
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2
    assert AnonymizedDataset.objects.filter(contract=contract).count() == 1
    assert not leftover.exists() and not orphan.exists()


def test_an_attempt_that_lost_its_lease_does_not_publish(contract):
    services.job_for_contract(contract=contract)
    first = services._claim(contract.pk)
    DatasetJob.objects.filter(pk=first.job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    second = services._claim(contract.pk)

    with pytest.raises(services.Superseded):
        services._Heartbeat(first).beat(50)

    assert second.attempt == 2


def test_a_live_attempt_is_never_doubled(contract):
    services.job_for_contract(contract=contract)
    first = services._claim(contract.pk)

    assert first is not None
    assert services._claim(contract.pk) is None


def test_resume_requeues_only_a_job_whose_lease_ran_out(contract):
    from portal.models import OutboxTask

    services.job_for_contract(contract=contract)
    claim = services._claim(contract.pk)
    queued = OutboxTask.objects.filter(task_name=services.CREATE_DATASET_TASK).count()

    live = services.dataset_jobs_resume()
    DatasetJob.objects.filter(pk=claim.job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    stale = services.dataset_jobs_resume()

    assert (live, stale) == (0, 1)
    assert OutboxTask.objects.filter(task_name=services.CREATE_DATASET_TASK).count() == queued + 1
    assert OutboxTask.objects.latest("pk").kwargs == {"contract_id": contract.pk}


def test_an_attempt_that_lost_its_lease_cannot_fail_the_job_of_the_next(contract):
    services.job_for_contract(contract=contract)
    first = services._claim(contract.pk)
    DatasetJob.objects.filter(pk=first.job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    services._claim(contract.pk)

    ended = services._end_attempt(first, JobStatus.FAILED, "古い実行の失敗")

    job = DatasetJob.objects.get(pk=first.job.pk)
    assert ended is None
    assert (job.status, job.attempts, job.failure) == (JobStatus.RUNNING, 2, "")
