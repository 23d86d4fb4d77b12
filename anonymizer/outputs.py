"""The files delivered with a dataset (提供) and their encryption at rest.

A job's engine run leaves ``dataset.csv``, ``dataset.parquet`` and the engine's ``manifest.json`` in the
attempt's work folder. :func:`outputs_seal` adds what the recipient receives beside them — the recipient's
version of the report (after-state only, :func:`anonymizer.engine.report.recipient_report`), the label that
says what the data is and what the recipient must not do (seed 002 3-5 明示, 3-6 識別行為の禁止) and a
manifest listing the SHA-256 of every other delivered file — then encrypts each file under its own data
key (seed 004 第18条). The staff keep the full report on the job.
"""

import hashlib
import json
import uuid
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from anonymizer import engine
from anonymizer.describe import describe_column
from anonymizer.engine.report import ANONYMIZED_LABEL, recipient_report
from anonymizer.enums import DatasetFileKind
from anonymizer.models import DatasetFile, DatasetJob
from portal import crypto
from portal.uploads import protected_storage

DELIVERED = [
    (DatasetFileKind.CSV, "dataset.csv"),
    (DatasetFileKind.PARQUET, "dataset.parquet"),
    (DatasetFileKind.MANIFEST, "manifest.json"),
    (DatasetFileKind.REPORT, "report.json"),
    (DatasetFileKind.LABEL, "label.txt"),
]


class NotDeliverable(Exception):
    """The output is not 行政機関等匿名加工情報 and must not go to a third party; `message` is Japanese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def label_text(job: DatasetJob, report: dict) -> str:
    """The label (明示) for the recipient, from the recipient's report."""
    context = {
        "job": job,
        "contract": job.contract,
        "report": report,
        "items": list(report.get("columns", {})),
        "AGENCY_NAME": settings.AGENCY_NAME,
    }
    return render_to_string("anonymizer/label.txt", context)


def delivery_files_write(job: DatasetJob, out: Path, report: dict) -> dict:
    """Write ``report.json`` (the recipient's version), ``label.txt`` and ``manifest.json`` (replacing the
    engine's) into ``out``; returns the recipient's report. Raises NotDeliverable for anything but
    行政機関等匿名加工情報 (seed 003: 仮名加工情報 is never given to a third party)."""
    if report.get("label") != ANONYMIZED_LABEL:
        raise NotDeliverable(
            f"作成した情報は{report.get('label') or '行政機関等匿名加工情報以外の情報'}であり、第三者に提供できません。"
        )
    descriptions = {column["name"]: describe_column(column) for column in job.plan.get("columns", [])}
    delivered = recipient_report(report, descriptions=descriptions)
    engine_manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    (out / "report.json").write_text(json.dumps(delivered, ensure_ascii=False, indent=2), encoding="utf-8")
    (out / "label.txt").write_text(label_text(job, delivered), encoding="utf-8-sig")
    files = [entry for entry in engine_manifest["files"] if entry["file"] in ("dataset.csv", "dataset.parquet")]
    for name, fmt in (("report.json", "json"), ("label.txt", "text")):
        path = out / name
        files.append({"file": name, "format": fmt, "sha256": _sha256(path), "bytes": path.stat().st_size})
    engine.write_manifest(out / "manifest.json", files, report=delivered)
    return delivered


def outputs_seal(job: DatasetJob, out: Path, report: dict, dataset_id: uuid.UUID, written: list[Path]) -> list:
    """Write the delivery files, then encrypt every delivered file under its own data key (第18条) into
    protected storage, appending each target to ``written`` (so a failed attempt removes them); the plaintext
    goes as each file is sealed. Returns unsaved DatasetFile rows."""
    delivery_files_write(job, out, report)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    rows = {entry["file"]: entry.get("rows") for entry in manifest["files"]}
    files = []
    for kind, name in DELIVERED:
        source = out / name
        record = DatasetFile(kind=kind, name=name, rows=rows.get(name), size=source.stat().st_size)
        record.stored_name = f"anonymizer/datasets/{dataset_id.hex}/{record.public_id.hex}.enc"
        data_key = crypto.new_data_key()
        wrapped = crypto.wrap(data_key, context=record.key_context)
        target = Path(protected_storage.path(record.stored_name))
        written.append(target)
        record.sha256 = _encrypt_hashing(source, target, data_key)
        record.key_id, record.wrapped_key = wrapped.key_id, wrapped.blob
        files.append(record)
        source.unlink()
    return files


def manifest_summary(files: list, report: dict) -> dict:
    """What the dataset row keeps of its files: every delivered file's SHA-256 (the manifest's own too)."""
    return {
        "label": report.get("label"),
        "plan_digest": report["plan"]["digest"],
        "rows": report["rows"]["output"],
        "files": [{"name": f.name, "sha256": f.sha256, "bytes": f.size, "rows": f.rows} for f in files],
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for block in crypto.file_chunks(path):
        digest.update(block)
    return digest.hexdigest()


def _encrypt_hashing(source: Path, target: Path, data_key: bytes) -> str:
    """Encrypt ``source`` into ``target``; the SHA-256 of the plaintext, computed on the way."""
    digest = hashlib.sha256()

    def chunks():
        for block in crypto.file_chunks(source):
            digest.update(block)
            yield block

    crypto.encrypt_to_file(chunks(), target, data_key)
    return digest.hexdigest()
