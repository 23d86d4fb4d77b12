"""Demo data of the anonymizer: one register entry whose source file is a synthetic administrative file
(anonymizer.engine.bench: made-up people), with its processing standard, so the demo shows the dry run,
the dataset job and the delivery end to end."""

import copy
import io

import pyarrow.csv as pv
from django.core.files.base import ContentFile

from anonymizer.engine.bench import BENCH_PLAN, generate_admin_table
from anonymizer.models import ProcessingProfile
from files_registry.demo import _save
from files_registry.enums import FileType
from files_registry.models import RegisterEntry

DEMO_NUMBER = "DEMO-ANON"
DEMO_ROWS = 20_000


def _plan() -> dict:
    plan = copy.deepcopy(BENCH_PLAN)
    plan["name"] = "受給者台帳の加工基準（デモ）"
    plan["dataset"]["k_anonymity"]["quasi_identifiers"] = ["生年月日", "性別", "住所"]
    for column in plan["columns"]:
        if column["name"] in ("職業", "身長"):
            column["role"] = "attribute"
    return plan


def seed_anonymizer(*, manager, actor) -> RegisterEntry:
    """The demo entry open for proposals, its 加工基準 and (once) its encrypted source file."""
    from files_registry.sources import source_file_latest, source_file_store

    table = generate_admin_table(DEMO_ROWS, seed=2026)
    entry = _save(
        DEMO_NUMBER,
        manager.organization,
        list(table.column_names),
        True,
        actor,
        name="給付金受給者台帳（匿名加工の試行用）",
        purpose="給付金の支給事務のために利用する。",
        record_scope="給付金の受給者",
        collection_method="申請書により本人から収集した。",
        contains_sensitive_information=True,
        file_type=FileType.COMPUTER,
        cabinet_order_20_7=False,
        subject_count=DEMO_ROWS,
        remarks="デモ用の架空のデータです。",
    )
    ProcessingProfile.objects.update_or_create(entry=entry, defaults={"plan": _plan(), "updated_by_name": "デモデータ"})
    if source_file_latest(entry) is None:
        out = io.BytesIO()
        out.write(b"\xef\xbb\xbf")
        pv.write_csv(table, out)
        source_file_store(entry=entry, upload=ContentFile(out.getvalue(), name="受給者台帳.csv"), actor=manager)
    return entry
