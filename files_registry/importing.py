"""Import of the register from CSV or Excel: all rows or none, every bad row reported in Japanese.

The columns are those of the public export (files_registry.columns), so an export imports back
unchanged. Rows are matched to existing entries by 整理番号 and update them in place.
"""

import csv
import io
import json
import zipfile
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from files_registry.columns import COLUMNS, IMPORT_COLUMNS, ITEM_SEPARATOR, Column
from files_registry.models import RecordedItem, RegisterEntry
from files_registry.services import entry_refresh_search_text, entry_set_recorded_items
from portal.accounts.models import Organization
from portal.accounts.roles import organizations_managed_by
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.services import access_record
from portal.spreadsheet import looks_like_formula, restore_neutralized

_XLSX_MAGIC = b"PK\x03\x04"
_XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_ITEM_MAX_LENGTH = RecordedItem._meta.get_field("name").max_length


@dataclass(frozen=True)
class ImportProblem:
    message: str
    row: int | None = None  # the spreadsheet row number (the header is row 1)
    column: str | None = None

    def __str__(self) -> str:
        where = "".join([f"{self.row}行目" if self.row else "", f"「{self.column}」" if self.column else ""])
        return f"{where}: {self.message}" if where else self.message


@dataclass
class ImportReport:
    problems: list[ImportProblem] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return f"取込みを中止しました。{len(self.problems)}件の問題があり、1件も登録していません。"
        return f"取込みが完了しました（新規 {self.created}件、更新 {self.updated}件、変更なし {self.unchanged}件）。"


class _TableError(Exception):
    pass


@dataclass
class _Table:
    rows: list[list[str]]
    # Spreadsheet sources (CSV, Excel) carry the formula-injection rule; JSON is for programs.
    spreadsheet: bool = True


def read_table(data: bytes) -> _Table:
    """Cell text from CSV (UTF-8 with or without BOM, or Shift_JIS), Excel (.xlsx) or JSON."""
    limit = settings.REGISTER_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise _TableError(f"ファイルが大きすぎます（上限 {limit // (1024 * 1024)} MB）。分割して取り込んでください。")
    if not data.strip():
        raise _TableError("ファイルが空です。")
    if data.startswith(_XLS_MAGIC):
        raise _TableError("旧形式の Excel ファイル（.xls）には対応していません。.xlsx 形式か CSV で保存してください。")
    if data.startswith(_XLSX_MAGIC):
        return _Table(_read_xlsx(data))
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"["):
        return _Table(_read_json(data), spreadsheet=False)
    return _Table(_read_csv(data))


def _read_json(data: bytes) -> list[list[str]]:
    """The public JSON export: an array of objects keyed by the column headers."""
    try:
        records = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise _TableError("JSONの形式が正しくありません。") from None
    if not isinstance(records, list) or not all(isinstance(record, dict) for record in records):
        raise _TableError("JSONは、列名をキーとするオブジェクトの配列にしてください。")
    headers = list(dict.fromkeys(key for record in records for key in record))
    rows = [
        [str(record.get(header) if record.get(header) is not None else "") for header in headers] for record in records
    ]
    return [headers, *rows] if records else []


def _read_csv(data: bytes) -> list[list[str]]:
    text = None
    for encoding in ("utf-8-sig", "cp932"):  # cp932: Shift_JIS as Windows writes it
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise _TableError("文字コードを判別できません。UTF-8 または Shift_JIS で保存したCSVを指定してください。")
    if "\x00" in text:
        raise _TableError("ファイルに不正な文字（NUL）が含まれています。CSV または .xlsx 形式で保存してください。")
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), strict=True)]
    except csv.Error as exc:
        raise _TableError(f"CSVの形式が正しくありません（{exc}）。") from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _TableError("Excel ファイルを読み込めません。ファイルが壊れていないか確認してください。") from None
    sheet = workbook.worksheets[0]
    rows = [[_cell_text(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _check_headers(header: list[str], report: ImportReport) -> dict[str, int]:
    known = {column.header for column in COLUMNS}
    positions: dict[str, int] = {}
    for index, name in enumerate(cell.strip() for cell in header):
        if not name:
            continue
        if name not in known:
            report.problems.append(ImportProblem(f"不明な列です: {name}", row=1))
        elif name in positions:
            report.problems.append(ImportProblem(f"列が重複しています: {name}", row=1))
        else:
            positions[name] = index
    for column in IMPORT_COLUMNS:
        if column.header not in positions:
            report.problems.append(ImportProblem(f"必要な列がありません: {column.header}", row=1))
    return positions


@dataclass
class _Row:
    number: int
    values: dict  # model field -> value
    items: list[str]


def _parse_row(number: int, cells: list[str], positions: dict[str, int], spreadsheet: bool, report) -> _Row | None:
    width = max(positions.values()) + 1
    if any(cell.strip() for cell in cells[width:]):
        report.problems.append(ImportProblem("見出しより多くの値があります。", row=number))
        return None
    values: dict = {}
    items: list[str] = []
    problems_before = len(report.problems)
    for column in IMPORT_COLUMNS:
        index = positions[column.header]
        raw = cells[index].strip() if index < len(cells) else ""
        if spreadsheet and looks_like_formula(raw):
            report.problems.append(
                ImportProblem("数式とみなされる値（先頭が = + - @）は取り込めません。", number, column.header)
            )
            continue
        text = restore_neutralized(raw) if spreadsheet else raw
        if column.field == "recorded_items":
            items = _parse_items(text, number, column, report)
        elif column.choices is not None:
            if text not in column.choices:
                allowed = "、".join(f"「{choice}」" for choice in column.choices)
                report.problems.append(ImportProblem(f"{allowed}のいずれかを入力してください。", number, column.header))
            else:
                values[column.field] = column.choices[text]
        else:
            values[column.field] = text
    if len(report.problems) > problems_before:
        return None
    return _Row(number, values, items)


def _parse_items(text: str, number: int, column: Column, report: ImportReport) -> list[str]:
    names = [name.strip() for name in text.replace("\n", ITEM_SEPARATOR).split(ITEM_SEPARATOR) if name.strip()]
    if not names:
        report.problems.append(ImportProblem("記録項目を1つ以上入力してください。", number, column.header))
    elif len(set(names)) != len(names):
        report.problems.append(ImportProblem("同じ記録項目が重複しています。", number, column.header))
    elif any(len(name) > _ITEM_MAX_LENGTH for name in names):
        report.problems.append(
            ImportProblem(f"記録項目は1項目{_ITEM_MAX_LENGTH}文字以内にしてください。", number, column.header)
        )
    return names


_HEADER_OF_FIELD = {column.field: column.header for column in IMPORT_COLUMNS}
_HEADER_OF_FIELD["__all__"] = None


_ORGANIZATION = "事務をつかさどる組織の名称"


def _validated_entry(row: _Row, existing: RegisterEntry | None, organizations: dict, allowed, report):
    """The entry the row describes (unsaved), or None with the row's problems reported.

    `allowed` is the set of organization ids the actor may change entries of (None: any).
    """
    values = dict(row.values)
    organization = organizations.get(values.pop("organization"))
    if organization is None:
        report.problems.append(
            ImportProblem("登録されていない組織です。先に組織を登録してください。", row.number, _ORGANIZATION)
        )
        return None
    if allowed is not None and (
        organization.pk not in allowed or (existing is not None and existing.organization_id not in allowed)
    ):
        report.problems.append(
            ImportProblem("この組織の個人情報ファイルを変更する権限がありません。", row.number, _ORGANIZATION)
        )
        return None
    entry = existing or RegisterEntry()
    changed = existing is None or existing.organization_id != organization.pk
    for name, value in values.items():
        changed = changed or getattr(entry, name) != value
        setattr(entry, name, value)
    entry.organization = organization
    try:
        entry.full_clean(exclude=["search_text"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                report.problems.append(ImportProblem(message, row.number, _HEADER_OF_FIELD.get(name)))
        return None
    entry._import_changed = changed
    return entry


def register_import(*, data: bytes, actor=None, source_name: str = "") -> ImportReport:
    """Validate every row, then apply all of them in one transaction, or none.

    `actor` is the staff member importing (None: the command line, run by the system's
    administrators); a staff member without the global change permission may only touch entries
    of the organizations whose files they manage.
    Side effects: creates and updates RegisterEntry and RecordedItem rows, with a history record
    naming `actor`. Nothing is written when any problem is found.
    """
    report = ImportReport()
    try:
        source = read_table(data)
    except _TableError as exc:
        report.problems.append(ImportProblem(str(exc)))
        return report
    table = [row for row in source.rows if any(cell.strip() for cell in row)]
    if not table:
        report.problems.append(ImportProblem("ファイルが空です。"))
        return report
    header = [cell.lstrip("\ufeff") for cell in table[0]]
    positions = _check_headers(header, report)
    if not report.ok:
        return report
    if len(table) == 1:
        report.problems.append(ImportProblem("取り込む行がありません（見出し行のみです）。"))
        return report

    rows: list[_Row] = []
    first_row_of: dict[str, int] = {}
    for number, cells in enumerate(table[1:], start=2):
        row = _parse_row(number, cells, positions, source.spreadsheet, report)
        if row is None:
            continue
        key = row.values["register_number"]
        if key in first_row_of:
            report.problems.append(
                ImportProblem(f"整理番号が{first_row_of[key]}行目と重複しています。", number, "整理番号")
            )
            continue
        first_row_of[key] = number
        rows.append(row)

    with transaction.atomic():
        existing = {
            entry.register_number: entry
            for entry in RegisterEntry.objects.select_for_update()
            .filter(register_number__in=list(first_row_of))
            .prefetch_related("recorded_items")
        }
        organizations = {
            organization.name: organization
            for organization in Organization.objects.filter(name__in={row.values["organization"] for row in rows})
        }
        allowed = None
        if actor is not None and not actor.has_perm("files_registry.change_registerentry"):
            allowed = set(organizations_managed_by(actor).values_list("pk", flat=True))
        entries = [
            (row, _validated_entry(row, existing.get(row.values["register_number"]), organizations, allowed, report))
            for row in rows
        ]
        if not report.ok:
            return report
        for row, entry in entries:
            _apply(row, entry, actor, source_name, report)
        access_record(
            actor=actor,
            action=AccessAction.IMPORT,
            result=AccessResult.SUCCESS,
            obj=RegisterEntry,
            detail={"rows": len(entries), "created": report.created, "updated": report.updated},
        )
    return report


def _apply(row: _Row, entry: RegisterEntry, actor, source_name: str, report: ImportReport) -> None:
    created = entry.pk is None
    if entry._import_changed:
        entry._history_user = actor
        entry._change_reason = f"取込み {source_name}".strip()
        entry.save()
    items_changed = entry_set_recorded_items(entry=entry, names=row.items)  # refreshes search text if so
    if entry._import_changed and not items_changed:
        entry_refresh_search_text(entry=entry, item_names=row.items)
    if created:
        report.created += 1
    elif entry._import_changed or items_changed:
        report.updated += 1
    else:
        report.unchanged += 1
