import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from files_registry.columns import HEADERS, IMPORT_COLUMNS
from files_registry.importing import register_import
from files_registry.models import RegisterEntry
from tests.factories.registry import RegisterEntryFactory

pytestmark = pytest.mark.django_db


def _row(**overrides) -> dict[str, str]:
    row = {
        "整理番号": "IMP-001",
        "個人情報ファイルの名称": "保育士登録者ファイル",
        "行政機関の名称": "デジタル行政推進省",
        "事務をつかさどる組織の名称": "健康局健康課",
        "利用目的": "保育士の登録に利用する。",
        "記録項目": "登録番号、氏名、生年月日",
        "記録範囲": "保育士として登録を受けた者",
        "記録情報の収集方法": "申請書により本人から収集した。",
        "要配慮個人情報": "無",
        "記録情報の経常的提供先": "",
        "開示請求等を受理する組織の名称及び所在地": "（名称）大臣官房総務課",
        "訂正及び利用停止に関する特別の手続等": "",
        "ファイルの種別": "電算処理ファイル",
        "令第20条第7項該当": "無",
        "提案をする個人情報ファイルである旨": "非該当",
        "提案を受ける組織の名称及び所在地": "",
        "作成された行政機関等匿名加工情報に関する提案を受ける組織の名称及び所在地": "",
        "備考": "",
    }
    row.update(overrides)
    return row


def _csv(rows: list[dict], *, headers: list[str] | None = None, encoding: str = "utf-8") -> bytes:
    headers = headers or [column.header for column in IMPORT_COLUMNS]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=headers, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def _messages(report) -> list[str]:
    return [str(problem) for problem in report.problems]


def test_import_creates_entries_with_their_items(organization, chief_manager):
    report = register_import(
        data=_csv([_row(), _row(整理番号="IMP-002", 個人情報ファイルの名称="里親登録者ファイル")]), actor=chief_manager
    )

    assert report.ok, _messages(report)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    entry = RegisterEntry.objects.get(register_number="IMP-001")
    assert list(entry.recorded_items.values_list("name", flat=True)) == ["登録番号", "氏名", "生年月日"]
    assert entry.history.first().history_user == chief_manager
    assert "保育士登録者ファイル".casefold() in entry.search_text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932", "shift_jis"])
def test_import_reads_the_encodings_japanese_offices_produce(organization, encoding):
    report = register_import(data=_csv([_row()], encoding=encoding))

    assert report.ok, _messages(report)
    assert RegisterEntry.objects.get().name == "保育士登録者ファイル"


def test_import_reads_excel(organization):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    headers = [column.header for column in IMPORT_COLUMNS]
    sheet.append(headers)
    sheet.append([_row()[header] for header in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = register_import(data=buffer.getvalue())

    assert report.ok, _messages(report)
    assert RegisterEntry.objects.get().recorded_items.count() == 3


def test_import_updates_by_register_number_instead_of_duplicating(organization):
    register_import(data=_csv([_row()]))

    report = register_import(data=_csv([_row(利用目的="保育士の登録及び研修に利用する。", 記録項目="登録番号、氏名")]))

    assert (report.created, report.updated) == (0, 1)
    entry = RegisterEntry.objects.get()
    assert entry.purpose == "保育士の登録及び研修に利用する。"
    assert list(entry.recorded_items.values_list("name", flat=True)) == ["登録番号", "氏名"]


@pytest.mark.parametrize("fmt", ["export_csv", "export_json"])
def test_an_export_imports_back_unchanged(client, organization, fmt):
    RegisterEntryFactory(register_number="R-1", organization=organization, remarks="-", items=["氏名", "住所"])
    RegisterEntryFactory(
        register_number="R-2",
        organization=organization,
        remarks="=1+1",
        eligible=True,
        open_for_proposals=True,
        proposal_office="（名称）健康局健康課\n（所在地）東京都",
    )
    before = {entry.register_number: (entry.updated_at, entry.history.count()) for entry in RegisterEntry.objects.all()}
    exported = b"".join(client.get(reverse(f"registry:{fmt}")).streaming_content)

    report = register_import(data=exported)

    assert report.ok, _messages(report)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    after = {entry.register_number: (entry.updated_at, entry.history.count()) for entry in RegisterEntry.objects.all()}
    assert after == before
    assert RegisterEntry.objects.get(register_number="R-2").remarks == "=1+1"


def test_one_bad_row_means_nothing_is_imported(organization):
    RegisterEntryFactory(register_number="IMP-001", organization=organization, name="元の名称")
    rows = [
        _row(個人情報ファイルの名称="新しい名称"),
        _row(整理番号="IMP-002"),
        _row(整理番号="IMP-003", 要配慮個人情報="たぶん"),
    ]

    report = register_import(data=_csv(rows))

    assert not report.ok
    assert _messages(report) == ["4行目「要配慮個人情報」: 「有」、「無」のいずれかを入力してください。"]
    assert RegisterEntry.objects.get().name == "元の名称"
    assert RegisterEntry.objects.count() == 1


def test_every_bad_row_is_reported_with_row_column_and_reason(organization):
    rows = [
        _row(),
        _row(個人情報ファイルの名称=""),
        _row(整理番号="IMP-002", 備考='=HYPERLINK("http://evil.example")'),
        _row(整理番号="IMP-003", 事務をつかさどる組織の名称="架空局"),
        _row(整理番号="IMP-004", 記録項目=""),
        _row(整理番号="IMP-005", ファイルの種別="フロッピー"),
        _row(
            整理番号="IMP-006",
            提案をする個人情報ファイルである旨="該当",
            提案を受ける組織の名称及び所在地="（名称）健康局",
        ),
        _row(整理番号="IMP-007", 記録項目="氏名、氏名"),
    ]

    report = register_import(data=_csv(rows))

    assert _messages(report) == [
        "3行目「整理番号」: 整理番号が2行目と重複しています。",
        "4行目「備考」: 数式とみなされる値（先頭が = + - @）は取り込めません。",
        "6行目「記録項目」: 記録項目を1つ以上入力してください。",
        "7行目「ファイルの種別」: "
        "「電算処理ファイル」、「電算処理」、「マニュアル処理ファイル」、「マニュアル処理」のいずれかを入力してください。",
        "9行目「記録項目」: 同じ記録項目が重複しています。",
        "5行目「事務をつかさどる組織の名称」: 登録されていない組織です。先に組織を登録してください。",
        "8行目: 提案募集の3要件（①②③）がすべて確認されていないため、提案をする個人情報ファイルとすることはできません。",
    ]
    assert RegisterEntry.objects.count() == 0


def test_a_required_text_left_empty_is_reported(organization):
    report = register_import(data=_csv([_row(個人情報ファイルの名称="")]))

    assert _messages(report) == ["2行目「個人情報ファイルの名称」: このフィールドは空ではいけません。"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "ファイルが空です。"),
        (b"\n\n", "ファイルが空です。"),
        ("整理番号,名前\n".encode(), "1行目: 不明な列です: 名前"),
        (
            b"\xff\xfe\x00\x00garbage\x81",
            "文字コードを判別できません。UTF-8 または Shift_JIS で保存したCSVを指定してください。",
        ),
        (
            b"\xd0\xcf\x11\xe0" + b"\x00" * 100,
            "旧形式の Excel ファイル（.xls）には対応していません。.xlsx 形式か CSV で保存してください。",
        ),
        (b"PK\x03\x04broken", "Excel ファイルを読み込めません。ファイルが壊れていないか確認してください。"),
        (b'[{"a": ', "JSONの形式が正しくありません。"),
    ],
)
def test_unreadable_files_get_a_clear_message(data, message):
    report = register_import(data=data)

    assert _messages(report)[0] == message
    assert RegisterEntry.objects.count() == 0


def test_header_only_file_is_reported():
    report = register_import(data=_csv([]))

    assert _messages(report) == ["取り込む行がありません（見出し行のみです）。"]


def test_missing_and_extra_columns_are_reported(organization):
    headers = [column.header for column in IMPORT_COLUMNS if column.header != "記録範囲"] + ["担当者メモ"]

    report = register_import(data=_csv([_row()], headers=headers))

    assert _messages(report) == ["1行目: 不明な列です: 担当者メモ", "1行目: 必要な列がありません: 記録範囲"]


def test_a_row_longer_than_the_header_is_reported(organization):
    data = _csv([_row()]).decode().rstrip("\r\n") + ",余分な値\r\n"

    report = register_import(data=data.encode())

    assert _messages(report) == ["2行目: 見出しより多くの値があります。"]


def test_a_fifty_megabyte_file_is_refused_without_reading_it(settings):
    report = register_import(data=b"a" * (50 * 1024 * 1024))

    assert _messages(report) == ["ファイルが大きすぎます（上限 10 MB）。分割して取り込んでください。"]


def test_export_only_columns_are_accepted_and_ignored(organization):
    report = register_import(data=_csv([_row(行政機関等匿名加工情報の概要="本人の数：1人")], headers=HEADERS))

    assert report.ok, _messages(report)


def test_a_protection_manager_imports_only_for_their_organization(organization, other_organization, protection_manager):
    report = register_import(
        data=_csv([_row(), _row(整理番号="IMP-002", 事務をつかさどる組織の名称=other_organization.name)]),
        actor=protection_manager,
    )

    assert _messages(report) == [
        "3行目「事務をつかさどる組織の名称」: この組織の個人情報ファイルを変更する権限がありません。"
    ]
    assert RegisterEntry.objects.count() == 0


def test_import_command_applies_a_file(tmp_path, organization, capsys):
    path = tmp_path / "register.csv"
    path.write_bytes(_csv([_row()], encoding="cp932"))

    call_command("import_register", str(path))

    assert "新規 1件" in capsys.readouterr().out
    assert RegisterEntry.objects.count() == 1


def test_import_command_fails_listing_every_problem(tmp_path, organization):
    path = tmp_path / "register.csv"
    path.write_bytes(_csv([_row(要配慮個人情報="?"), _row(整理番号="IMP-002", ファイルの種別="?")]))

    with pytest.raises(CommandError) as error:
        call_command("import_register", str(path))

    assert "2行目「要配慮個人情報」" in str(error.value) and "3行目「ファイルの種別」" in str(error.value)
    assert RegisterEntry.objects.count() == 0


def test_import_command_reports_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="ファイルを開けません"):
        call_command("import_register", str(tmp_path / "nothing.csv"))


def test_an_applied_import_is_recorded(organization, chief_manager):
    from portal.audit.enums import AccessAction
    from portal.audit.models import AccessRecord

    register_import(data=_csv([_row()]), actor=chief_manager)
    register_import(data=_csv([_row(要配慮個人情報="?")]), actor=chief_manager)

    assert list(AccessRecord.objects.filter(action=AccessAction.IMPORT).values_list("actor_id", flat=True)) == [
        chief_manager.pk
    ]
