"""The register's public columns, shared by the export and the import so that one reads the other.

A column has the Japanese header of the published form, a way to turn an entry into cell text and
(for importable columns) the way back. Staff-only fields (本人の数, the eligibility conditions) are
never exported and never imported.
"""

from collections.abc import Callable
from dataclasses import dataclass

from files_registry.enums import FileType
from files_registry.models import RegisterEntry

ITEM_SEPARATOR = "、"
NONE_MARK = "－"  # what the form prints where there is no created dataset (seed 000)

YES_NO = {"有": True, "無": False}
APPLIES = {"該当": True, "非該当": False}
FILE_TYPES = {
    "電算処理ファイル": FileType.COMPUTER,
    "電算処理": FileType.COMPUTER,
    "マニュアル処理ファイル": FileType.MANUAL,
    "マニュアル処理": FileType.MANUAL,
}


def _label(mapping: dict, value) -> str:
    return next(key for key, mapped in mapping.items() if mapped == value)


def items_text(entry: RegisterEntry) -> str:
    return ITEM_SEPARATOR.join(item.name for item in entry.recorded_items.all())


def dataset_summary_text(entry: RegisterEntry) -> str:
    """本人の数：…人、情報の項目：氏名（削除）住所（都道府県単位に置換え） — one line per dataset."""
    lines = []
    for summary in entry.dataset_summaries.all():
        if not summary.published:
            continue
        items = "".join(str(item) for item in summary.items.all())
        lines.append(f"本人の数：{summary.subject_count:,}人、情報の項目：{items}")
    return "\n".join(lines) or NONE_MARK


def dataset_period_text(entry: RegisterEntry) -> str:
    from portal.jdates import wareki

    lines = [
        f"{wareki(summary.proposal_period_start)}～{wareki(summary.proposal_period_end)}"
        for summary in entry.dataset_summaries.all()
        if summary.published and summary.proposal_period_start and summary.proposal_period_end
    ]
    return "\n".join(lines) or NONE_MARK


@dataclass(frozen=True)
class Column:
    header: str
    export: Callable[[RegisterEntry], str]
    field: str | None = None  # the model field an import sets; None for export-only columns
    choices: dict | None = None  # cell text -> value, for coded columns


def _text(field: str) -> Callable[[RegisterEntry], str]:
    return lambda entry: getattr(entry, field) or ""


COLUMNS: list[Column] = [
    Column("整理番号", _text("register_number"), "register_number"),
    Column("個人情報ファイルの名称", _text("name"), "name"),
    Column("行政機関の名称", _text("agency_name"), "agency_name"),
    Column("事務をつかさどる組織の名称", lambda entry: entry.organization.name, "organization"),
    Column("利用目的", _text("purpose"), "purpose"),
    Column("記録項目", items_text, "recorded_items"),
    Column("記録範囲", _text("record_scope"), "record_scope"),
    Column("記録情報の収集方法", _text("collection_method"), "collection_method"),
    Column(
        "要配慮個人情報",
        lambda entry: _label(YES_NO, entry.contains_sensitive_information),
        "contains_sensitive_information",
        YES_NO,
    ),
    Column("記録情報の経常的提供先", _text("regular_recipients"), "regular_recipients"),
    Column("開示請求等を受理する組織の名称及び所在地", _text("disclosure_office"), "disclosure_office"),
    Column("訂正及び利用停止に関する特別の手続等", _text("special_procedures"), "special_procedures"),
    Column("ファイルの種別", lambda entry: _label(FILE_TYPES, entry.file_type), "file_type", FILE_TYPES),
    Column("令第20条第7項該当", lambda entry: _label(YES_NO, entry.cabinet_order_20_7), "cabinet_order_20_7", YES_NO),
    Column(
        "提案をする個人情報ファイルである旨",
        lambda entry: _label(APPLIES, entry.open_for_proposals),
        "open_for_proposals",
        APPLIES,
    ),
    Column("提案を受ける組織の名称及び所在地", _text("proposal_office"), "proposal_office"),
    Column("行政機関等匿名加工情報の概要", dataset_summary_text),
    Column(
        "作成された行政機関等匿名加工情報に関する提案を受ける組織の名称及び所在地",
        _text("existing_dataset_proposal_office"),
        "existing_dataset_proposal_office",
    ),
    Column("作成された行政機関等匿名加工情報に関する提案をすることができる期間", dataset_period_text),
    Column("備考", _text("remarks"), "remarks"),
]
HEADERS = [column.header for column in COLUMNS]
IMPORT_COLUMNS = [column for column in COLUMNS if column.field]
