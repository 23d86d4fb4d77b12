"""The production job of a concluded contract (anonymizer.services): the dataset appears whole and once,
encrypted, with its secrets locked apart, published to the register; failures publish nothing."""

import datetime
import io
import json
import os
import uuid
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
from anonymizer.services import attempts, jobs
from portal.audit.models import AccessRecord
from portal.models import Notification
from portal.uploads import protected_storage
from tests.contracts.helpers import concluded_contract
from tests.factories.anonymizer import dry_run_done, prepare_entry, profile_plan, request_for

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
    dry_run_done(proposal)
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
    assert items["点数"] == "ノイズの付加、90以上をまとめる（トップコーディング）"  # coded after the noise
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
    dry_run_done(contract.proposal)

    before = stored_files("anonymizer")

    job = services.dataset_job_execute(contract_id=contract.pk)

    assert job.status == JobStatus.FAILED
    assert "k-匿名性を満たしていません" in job.failure
    assert not AnonymizedDataset.objects.filter(contract=contract).exists()
    assert stored_files("anonymizer") == before
    assert Notification.objects.filter(subject__contains="作成できませんでした").exists()
    assert job.report["privacy"]["k"] < 400


def test_a_job_without_a_source_file_fails_in_japanese(chief_manager, protection_manager):
    from files_registry.sources import source_file_destroy, source_file_latest

    contract = concluded_contract(chief_manager)
    prepare_entry(contract.proposal.entry, protection_manager)
    dry_run_done(contract.proposal)
    source_file_destroy(source=source_file_latest(contract.proposal.entry), actor=protection_manager)

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


def dead_process_owner() -> str:
    """An .owner record of a process of this host that has ended."""
    import socket
    import subprocess

    ended = subprocess.Popen(["true"])  # noqa: S607
    ended.wait()
    return json.dumps({"host": socket.gethostname(), "pid": ended.pid, "started": "1"})


def test_a_job_whose_worker_died_is_taken_over_and_publishes_once(contract):
    """A killed attempt leaves RUNNING, an expired lease, a plaintext copy and half its encrypted files."""
    job = services.job_for_contract(contract=contract)
    claim = jobs._claim(contract.pk)
    DatasetJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    leftover = Path(settings.ANONYMIZER_WORK_DIR) / f"job-{job.public_id.hex}-a1-deadbeef"
    leftover.mkdir(parents=True)
    (leftover / "source.csv").write_text("氏名\n山田太郎\n")
    (leftover / ".owner").write_text(dead_process_owner())
    orphan = Path(protected_storage.path("anonymizer/datasets/dead/orphan.enc"))
    orphan.parent.mkdir(parents=True)
    orphan.write_bytes(b"PRTLENC1 half")
    old = (timezone.now() - datetime.timedelta(hours=1)).timestamp()
    os.utime(orphan, (old, old))

    swept = services.work_sweep()
    job = services.dataset_job_execute(contract_id=contract.pk)

    assert claim.attempt == 1
    assert swept == {"work_folders": 1, "unreferenced_files": 1}
    assert job.status == JobStatus.SUCCEEDED
    assert job.attempts == 2
    assert AnonymizedDataset.objects.filter(contract=contract).count() == 1
    assert not leftover.exists() and not orphan.exists()


class WorkerDied(BaseException):
    """Stands in for SIGKILL between sealing and publishing (tests/anonymizer/test_worker_kill.py kills a real
    worker during the engine phase)."""


def test_an_attempt_dead_after_sealing_leaves_orphans_that_are_swept_and_the_next_publishes_once(contract, monkeypatch):
    sealed = []

    def die_before_publishing(claim, dataset_id, report, files, secret):
        sealed.extend(
            Path(protected_storage.path(name)) for name in [f.stored_name for f in files] + [secret.stored_name]
        )
        raise WorkerDied

    with monkeypatch.context() as patch:
        patch.setattr(jobs, "_publish", die_before_publishing)
        patch.setattr(jobs, "_remove", lambda paths: None)  # a killed process cleans nothing up
        with pytest.raises(WorkerDied):
            services.dataset_job_execute(contract_id=contract.pk)
    job = DatasetJob.objects.get(contract=contract)
    assert job.status == JobStatus.RUNNING and not AnonymizedDataset.objects.filter(contract=contract).exists()
    assert len(sealed) == len(DatasetFileKind.values) + 1 and all(path.exists() for path in sealed)
    DatasetJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    old = (timezone.now() - datetime.timedelta(hours=1)).timestamp()
    for path in sealed:
        os.utime(path, (old, old))

    swept = services.work_sweep()
    job = services.dataset_job_execute(contract_id=contract.pk)

    assert swept["unreferenced_files"] == len(sealed)
    assert not any(path.exists() for path in sealed)
    assert (job.status, job.attempts) == (JobStatus.SUCCEEDED, 2)
    dataset = AnonymizedDataset.objects.get(contract=contract)
    assert dataset.files.count() == len(DatasetFileKind.values)
    assert all(Path(protected_storage.path(file.stored_name)).exists() for file in dataset.files.all())


def test_an_attempt_that_lost_its_lease_does_not_publish(contract):
    services.job_for_contract(contract=contract)
    first = jobs._claim(contract.pk)
    DatasetJob.objects.filter(pk=first.job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    second = jobs._claim(contract.pk)

    with pytest.raises(services.Superseded):
        attempts._Heartbeat(first).beat(50)

    assert second.attempt == 2


def test_a_live_attempt_is_never_doubled(contract):
    services.job_for_contract(contract=contract)
    first = jobs._claim(contract.pk)

    assert first is not None
    assert jobs._claim(contract.pk) is None


def test_resume_requeues_only_a_job_whose_lease_ran_out(contract):
    from portal.models import OutboxTask

    services.job_for_contract(contract=contract)
    claim = jobs._claim(contract.pk)
    queued = OutboxTask.objects.filter(task_name=services.CREATE_DATASET_TASK).count()

    live = services.dataset_jobs_resume()
    DatasetJob.objects.filter(pk=claim.job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    stale = services.dataset_jobs_resume()

    assert (live, stale) == (0, 1)
    assert OutboxTask.objects.filter(task_name=services.CREATE_DATASET_TASK).count() == queued + 1
    assert OutboxTask.objects.latest("pk").kwargs == {"contract_id": contract.pk}


def test_an_attempt_that_lost_its_lease_cannot_fail_the_job_of_the_next(contract):
    services.job_for_contract(contract=contract)
    first = jobs._claim(contract.pk)
    DatasetJob.objects.filter(pk=first.job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    jobs._claim(contract.pk)

    ended = attempts._end_attempt(first, JobStatus.FAILED, "古い実行の失敗")

    job = DatasetJob.objects.get(pk=first.job.pk)
    assert ended is None
    assert (job.status, job.attempts, job.failure) == (JobStatus.RUNNING, 2, "")


# --- the sweep of work folders (seed 004 第17条) ---------------------------------------------------------------


def test_the_sweep_keeps_the_folder_of_an_attempt_that_lost_its_lease_but_still_owns_the_job(contract):
    from anonymizer.workspace import job_label, workspace

    job = services.job_for_contract(contract=contract)
    claim = jobs._claim(contract.pk)
    DatasetJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))

    with workspace(job_label(job.public_id, claim.attempt)) as folder:  # this process: alive
        (folder / "source.csv").write_text("氏名\n山田太郎\n")
        swept = services.work_sweep()
        kept = (folder / "source.csv").exists()

    assert swept["work_folders"] == 0
    assert kept


def test_the_sweep_removes_the_folder_of_an_attempt_whose_process_ended_even_with_a_live_lease(contract):
    job = services.job_for_contract(contract=contract)
    jobs._claim(contract.pk)
    folder = Path(settings.ANONYMIZER_WORK_DIR) / f"job-{job.public_id.hex}-a1-cafe"
    folder.mkdir(parents=True)
    (folder / ".owner").write_text(dead_process_owner())

    swept = services.work_sweep()

    assert swept["work_folders"] == 1
    assert not folder.exists()


def test_the_sweep_removes_the_folders_of_superseded_attempts_and_ended_jobs(contract):
    from anonymizer.workspace import job_label, workspace

    job = services.job_for_contract(contract=contract)
    jobs._claim(contract.pk)
    DatasetJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))
    jobs._claim(contract.pk)  # attempt 2 takes over

    with workspace(job_label(job.public_id, 1)) as superseded, workspace(job_label(job.public_id, 2)) as current:
        swept = services.work_sweep()
        state = (superseded.exists(), current.exists())
    with workspace(f"job-{uuid.uuid4().hex}-a1") as unknown:
        swept_unknown = services.work_sweep()
        unknown_left = unknown.exists()

    assert (swept["work_folders"], state) == (1, (False, True))
    assert (swept_unknown["work_folders"], unknown_left) == (1, False)


def test_a_takeover_removes_the_folder_of_the_attempt_it_replaces(contract):
    from anonymizer.workspace import job_label, workspace

    job = services.job_for_contract(contract=contract)
    jobs._claim(contract.pk)
    DatasetJob.objects.filter(pk=job.pk).update(lease_until=timezone.now() - datetime.timedelta(seconds=1))

    with workspace(job_label(job.public_id, 1)) as first:  # the first attempt still runs, its lease lost
        taken_over = services.dataset_job_execute(contract_id=contract.pk)
        left = first.exists()

    assert taken_over.status == JobStatus.SUCCEEDED and taken_over.attempts == 2
    assert not left
    assert list(Path(settings.ANONYMIZER_WORK_DIR).iterdir()) == []


# --- the seed's examples in the delivered dataset (seed 002 3-2-1 … 3-2-4) ------------------------------------


def seed_source_csv() -> bytes:
    """The factory's synthetic file with an age column and the seed's examples in one class of 12 records
    that k-anonymity keeps whole: row 0 is 116 years old (事例2), row 1 a child of 170 cm (事例3), rows 2–3
    have a very rare disease (事例1 of 3-2-4), and every 備考 of kind 1 holds a My Number."""
    import numpy as np

    from anonymizer.engine.bench import generate_admin_table

    frame = generate_admin_table(3000, seed=1).to_pandas()
    frame["年齢"] = np.random.default_rng(5).integers(20, 80, len(frame)).astype(str)
    frame.loc[:11, ["生年月日", "性別", "住所"]] = ["1985-06-15", "男", "東京都千代田区霞が関1-1-1"]
    frame.loc[0, "年齢"] = "116"
    frame.loc[1, ["年齢", "身長"]] = ["9", "170"]
    frame.loc[2:3, "疾病"] = "ファブリー病"
    frame.loc[4, "備考"] = f"個人番号{frame.loc[4, '個人番号']}を確認"
    return b"\xef\xbb\xbf" + frame.to_csv(index=False).encode("utf-8")


def seed_plan() -> dict:
    plan = profile_plan()
    for column in plan["columns"]:
        if column["name"] == "身長":
            column["steps"] = [
                {"op": "top_code", "threshold": 150, "unit": "cm"},
                {"op": "bottom_code", "threshold": 125, "unit": "cm"},
            ]
    plan["columns"].append(
        {
            "name": "年齢",
            "role": "attribute",
            "type": "integer",
            "steps": [{"op": "top_code", "threshold": 90}, {"op": "bottom_code", "threshold": 20}],
        }
    )
    return plan


def seed_contract_on(entry, chief_manager, **proposal_fields):
    contract = concluded_contract(chief_manager, **proposal_fields)
    contract.proposal.processing_request = request_for(contract.proposal.entry)
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    return contract


@pytest.fixture
def seed_contract(chief_manager, protection_manager):
    from django.core.files.base import ContentFile

    from files_registry.services import entry_set_recorded_items
    from files_registry.sources import source_file_store
    from tests.factories.anonymizer import COLUMNS

    contract = concluded_contract(chief_manager)
    entry = contract.proposal.entry
    prepare_entry(entry, protection_manager, plan=seed_plan(), upload=False)
    entry_set_recorded_items(entry=entry, names=[*COLUMNS, "年齢"])
    source_file_store(entry=entry, upload=ContentFile(seed_source_csv(), name="source.csv"), actor=protection_manager)
    contract.proposal.processing_request = request_for(entry)
    contract.proposal.save(update_fields=["processing_request"])
    dry_run_done(contract.proposal)
    return contract


def delivered_frame(contract):
    import pandas as pd

    csv_file = AnonymizedDataset.objects.get(contract=contract).files.get(kind=DatasetFileKind.CSV)
    return pd.read_csv(io.BytesIO(plaintext(csv_file)), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def vault_key(contract, actor) -> bytes:
    secret = ProcessingSecret.objects.get(dataset__contract=contract)
    body = services.processing_secret_read(secret=secret, actor=actor, reason="試験")
    return bytes.fromhex(body["secrets"]["keys"]["pseudonym"])


def linking_id(key: bytes, original: str) -> str:
    import hashlib
    import hmac

    return hmac.new(key, original.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


def source_frame():
    import pandas as pd

    return pd.read_csv(io.BytesIO(seed_source_csv()), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_the_delivered_dataset_shows_the_seed_examples_processed(seed_contract, protection_manager):
    job = services.dataset_job_execute(contract_id=seed_contract.pk)
    assert job.status == JobStatus.SUCCEEDED, job.failure
    out = delivered_frame(seed_contract)
    source = source_frame()
    key = vault_key(seed_contract, protection_manager)
    row_of = {linking_id(key, original): i for i, original in enumerate(source["受給者番号"])}
    by_source_row = {row_of[pid]: record for pid, record in zip(out["受給者番号"], out.to_dict("records"), strict=True)}

    assert by_source_row[0]["年齢"] == "90以上"  # 事例2: 116歳 → 90以上
    assert by_source_row[1]["身長"] == "150cm以上"  # 事例3: a child of 170 cm
    assert "116" not in set(out["年齢"])
    assert not {"ファブリー病", "ポンペ病", "ゴーシェ病"} & set(out["疾病"])  # 3-2-4 事例1
    text = plaintext(AnonymizedDataset.objects.get(contract=seed_contract).files.get(kind=DatasetFileKind.CSV))
    assert source.loc[4, "個人番号"] in source.loc[4, "備考"]
    assert not [number for number in source["個人番号"] if number.encode() in text]  # 3-2-2, also inside 備考
    assert "個人番号" not in out.columns and "氏名" not in out.columns


def test_linking_ids_are_the_vault_keys_hmac_and_differ_between_two_contracts_on_one_file(
    seed_contract, chief_manager, protection_manager
):
    second = seed_contract_on(seed_contract.proposal.entry, chief_manager, call=seed_contract.proposal.call)
    assert second.proposal.entry == seed_contract.proposal.entry

    services.dataset_job_execute(contract_id=seed_contract.pk)
    services.dataset_job_execute(contract_id=second.pk)

    source = source_frame()
    first_ids, second_ids = delivered_frame(seed_contract)["受給者番号"], delivered_frame(second)["受給者番号"]
    first_key, second_key = vault_key(seed_contract, protection_manager), vault_key(second, protection_manager)
    assert first_key != second_key
    assert set(first_ids) <= {linking_id(first_key, original) for original in source["受給者番号"]}
    assert set(second_ids) <= {linking_id(second_key, original) for original in source["受給者番号"]}
    assert len(set(first_ids)) == len(first_ids) > 2800
    assert set(first_ids).isdisjoint(second_ids)  # the two recipients cannot join their datasets (3-2-3)


def test_the_key_and_seed_are_in_no_delivered_file_log_report_or_task_result(seed_contract, protection_manager, caplog):
    import base64
    import logging

    from anonymizer.tasks import create_dataset

    caplog.set_level(logging.DEBUG)
    outcome = create_dataset.apply(kwargs={"contract_id": seed_contract.pk})
    secret = ProcessingSecret.objects.get(dataset__contract=seed_contract)
    body = services.processing_secret_read(secret=secret, actor=protection_manager, reason="試験")
    hex_key, seed = body["secrets"]["keys"]["pseudonym"], body["secrets"]["seed"]
    text_key = bytes.fromhex(hex_key)  # the key as the engine uses it: base64url text
    random_bytes = base64.urlsafe_b64decode(text_key + b"=" * (-len(text_key) % 4))
    forms = {
        "hex": hex_key.encode(),
        "HEX": hex_key.upper().encode(),
        "text": text_key,
        "bytes": random_bytes,
        "bytes hex": random_bytes.hex().encode(),
        "base64": base64.b64encode(text_key),
        "base64url": base64.urlsafe_b64encode(text_key).rstrip(b"="),
        "bytes base64": base64.b64encode(random_bytes).rstrip(b"="),
        "seed": str(seed).encode(),
        "seed hex": format(seed, "x").encode(),
    }
    files = {file.name: plaintext(file) for file in AnonymizedDataset.objects.get(contract=seed_contract).files.all()}
    places = {
        **files,
        "log": caplog.text.encode(),
        "task result": repr(outcome.result).encode(),
        "task traceback": repr(outcome.traceback).encode(),
        "staff report": json.dumps(DatasetJob.objects.get(contract=seed_contract).report).encode(),
    }

    assert outcome.result == JobStatus.SUCCEEDED
    assert sorted(files) == ["dataset.csv", "dataset.parquet", "label.txt", "manifest.json", "report.json"]
    assert len(text_key) == 43 and len(random_bytes) == 32
    assert [(form, place) for form, value in forms.items() for place, data in places.items() if value in data] == []


# --- what the recipient receives (seed 002 3-3, 3-5) ----------------------------------------------------------


def _keys(value) -> set:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_the_delivered_report_holds_the_after_state_only(contract):
    services.dataset_job_execute(contract_id=contract.pk)
    dataset = AnonymizedDataset.objects.get(contract=contract)
    files = {file.kind: file for file in dataset.files.all()}
    delivered = json.loads(plaintext(files[DatasetFileKind.REPORT]))
    staff = DatasetJob.objects.get(contract=contract).report

    assert {"before", "timings", "identifiers", "cells_suppressed"} <= _keys(staff)
    assert not {"before", "timings", "identifiers", "cells_suppressed", "source", "suppressed"} & _keys(delivered)
    assert delivered["rows"] == {"output": staff["rows"]["output"]}
    assert set(delivered["columns"]) == set(staff["items"]["output"])  # no dropped item
    assert delivered["columns"]["住所"] == {
        "role_label": staff["columns"]["住所"]["role_label"],
        "processing": "都道府県単位に置換え",
    }
    assert delivered["privacy"]["k"] == staff["privacy"]["k"]
    assert delivered["distributions"]["住所"] == {"after": staff["distributions"]["住所"]["after"]}
    assert delivered["compliance"]["compliant"] is True
    for file in files.values():  # no internal path in anything delivered
        assert str(settings.DATA_DIR).encode() not in plaintext(file)


def test_the_delivered_manifest_lists_the_sha256_of_every_other_file(contract):
    import hashlib

    services.dataset_job_execute(contract_id=contract.pk)
    files = {file.name: file for file in AnonymizedDataset.objects.get(contract=contract).files.all()}
    manifest = json.loads(plaintext(files["manifest.json"]))

    listed = {entry["file"]: entry["sha256"] for entry in manifest["files"]}
    assert listed == {
        name: hashlib.sha256(plaintext(files[name])).hexdigest()
        for name in ("dataset.csv", "dataset.parquet", "report.json", "label.txt")
    }
    assert {name: files[name].sha256 for name in listed} == listed
    assert manifest["label"] == "行政機関等匿名加工情報"
    assert set(manifest["items"]) == set(json.loads(plaintext(files["report.json"]))["columns"])


def test_the_label_states_what_the_data_is_and_what_the_recipient_must_not_do(contract):
    from portal.jdates import wareki

    services.dataset_job_execute(contract_id=contract.pk)
    contract.refresh_from_db()
    dataset = AnonymizedDataset.objects.get(contract=contract)
    label = plaintext(dataset.files.get(kind=DatasetFileKind.LABEL))
    report = json.loads(plaintext(dataset.files.get(kind=DatasetFileKind.REPORT)))

    assert label.startswith(b"\xef\xbb\xbf")
    assert label.decode("utf-8-sig") == (
        "行政機関等匿名加工情報である旨の明示\n"
        "\n"
        "このファイルとともに提供する情報（dataset.csv 及び dataset.parquet）は、個人情報の保護に関する法律"
        "第60条第3項に規定する行政機関等匿名加工情報です。特定の個人を識別することができず、作成に用いた"
        "個人情報を復元することができないように加工した情報です。\n"
        "\n"
        f"提供する者: {settings.AGENCY_NAME}\n"
        f"提供先（契約の相手方）: {contract.contractor_party}\n"
        f"契約番号: {contract.contract_number}\n"
        f"利用期間: {wareki(contract.period_start)}から{wareki(contract.period_end)}まで\n"
        f"項目: {'、'.join(report['columns'])}\n"
        f"レコード数: {dataset.rows}\n"
        f"本人の数: {dataset.subject_count}\n"
        f"処理計画のダイジェスト（SHA-256）: {dataset.plan_digest}\n"
        "\n"
        "この情報を取り扱う者は、次のことをしてはなりません（個人情報の保護に関する法律第45条、利用契約）。\n"
        "- 作成に用いられた個人情報に係る本人を識別するために、この情報を他の情報と照合すること。\n"
        "- 作成に用いられた個人情報に係る本人を識別するために、その個人情報から削除された記述等若しくは"
        "個人識別符号又は加工の方法に関する情報（加工方法等情報）を取得すること。\n"
        "- 契約に定めのない第三者にこの情報を提供すること、又は契約に定める利用の目的・方法・期間を超えて"
        "利用すること。\n"
        "\n"
        "漏えい等の事案が生じたときは、直ちにポータルの「報告」から報告してください。利用期間の終了後は"
        "遅滞なく削除し、その旨を報告してください。\n"
        "各ファイルの SHA-256 は manifest.json に記載しています。\n"
    )
    assert "氏名" not in report["columns"] and contract.contractor_party
