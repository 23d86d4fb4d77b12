"""The audit officer's period report (seed 004 第29条–第31条): content, period, sections, outputs, access."""

import csv
import datetime
import io
import zipfile

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.audit.access_sections import AUDIT_SECTIONS
from portal.audit.enums import AccessAction, AccessResult, AlertKind
from portal.audit.forms import ReportPeriodForm
from portal.audit.models import AccessAlert, AccessRecord
from portal.audit.report_sections import ReportSection, register_section, report_sections, unregister_section
from portal.audit.reports import ReportPeriod, default_period, report_build, report_csv_zip
from portal.audit.services import JST, access_record, alert_raise, alert_review
from portal.sweeps import sweep_record
from tests.factories.accounts import UserFactory
from tests.helpers import pdf_text

pytestmark = pytest.mark.django_db

REPORT_URL = "/admin/audit/report/"
JUNE = ReportPeriod(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
JUNE_QUERY = {"start": "2026-06-01", "end": "2026-06-30"}


def built(period=JUNE, limit=1000) -> dict:
    return {section.key: section for section in report_build(period=period, row_limit=limit)}


@pytest.fixture
def fake_section():
    """A section another app would register (e.g. incidents), removed after the test."""
    calls = []

    def rows(start, end):
        calls.append((start, end))
        yield ("事案-001", "令和8年6月3日", "誤送信（外部への漏えいなし）")

    register_section(
        ReportSection(key="test_incidents", title="事案（試験）", columns=("番号", "日", "概要"), rows=rows, order=40)
    )
    yield calls
    unregister_section("test_incidents")


@pytest.fixture
def june_records(clock):
    """Records in June 2026 (Japan time) by two staff members, and some just outside it."""
    alice = UserFactory(username="alice", first_name="花子", last_name="監査")
    bob = UserFactory(username="bob", first_name="次郎", last_name="検査")
    clock.set(2026, 5, 31, 23, 59, 59)
    access_record(actor=alice, action="view", result="success", object_type="proposals.proposal", object_repr="前月")
    clock.set(2026, 6, 1, 0, 0, 0)
    access_record(actor=alice, action="view", result="success", object_type="proposals.proposal", object_repr="提案A")
    clock.set(2026, 6, 10, 10, 0)
    access_record(actor=alice, action="view", result="success", object_type="proposals.proposal", object_repr="提案A")
    access_record(
        actor=alice, action="download", result="success", object_type="files_registry.sourcefile", object_repr="原本X"
    )
    access_record(
        actor=bob, action="view", result="success", object_type="proposals.proposalcall", object_repr="募集（公開）"
    )
    access_record(actor=bob, action="change", result="refused", object_type="contracts.contract", object_repr="契約Y")
    access_record(actor=None, username="mallory", action="sign_in_failed", result="failed")
    access_record(
        actor=bob, action="view", result="success", object_type="anonymizer.processingsecret", object_repr="秘密Z"
    )
    clock.set(2026, 6, 30, 23, 59, 59)
    access_record(actor=bob, action="view", result="success", object_type="contracts.contract", object_repr="最終日")
    clock.set(2026, 7, 1, 0, 0, 0)
    access_record(actor=bob, action="view", result="success", object_type="contracts.contract", object_repr="翌月")
    return {"alice": alice, "bob": bob}


# --- Content ---


def test_summary_counts_equal_the_records_of_the_period(june_records):
    rows = built()["access_summary"].rows

    assert rows == [
        ("閲覧", "成功", "5"),
        ("ダウンロード", "成功", "1"),
        ("変更", "拒否", "1"),
        ("サインイン失敗", "失敗", "1"),
        ("合計", "", "8"),
    ]


def test_period_boundaries_are_japan_time_days_both_included(june_records):
    listed = [row[4] for row in built()["restricted_access"].rows]

    assert "提案A" in listed  # 00:00:00 JST on the first day
    assert "最終日" in listed  # 23:59:59 JST on the last day
    assert "前月" not in listed  # 23:59:59 JST the day before
    assert "翌月" not in listed  # 00:00:00 JST the day after


def test_who_accessed_what_counts_per_user_object_type_and_action(june_records):
    rows = built()["access_by_user"].rows

    assert rows == [
        ("監査 花子（alice）", "個人情報ファイルの原データ（files_registry.sourcefile）", "ダウンロード", "1"),
        ("監査 花子（alice）", "提案（proposals.proposal）", "閲覧", "2"),
        ("検査 次郎（bob）", "加工方法等情報（anonymizer.processingsecret）", "閲覧", "1"),
        ("検査 次郎（bob）", "利用契約（contracts.contract）", "変更", "1"),
        ("検査 次郎（bob）", "利用契約（contracts.contract）", "閲覧", "1"),
        ("検査 次郎（bob）", "提案の募集（proposals.proposalcall）", "閲覧", "1"),
        ("mallory", "－", "サインイン失敗", "1"),
    ]


def test_the_restricted_list_names_each_access_to_sources_secrets_proposals_and_contracts(june_records):
    section = built()["restricted_access"]

    objects = [(row[3], row[4], row[5], row[6]) for row in section.rows]
    assert objects == [
        ("提案", "提案A", "閲覧", "成功"),
        ("提案", "提案A", "閲覧", "成功"),
        ("個人情報ファイル（原本）", "原本X", "ダウンロード", "成功"),
        ("契約", "契約Y", "変更", "拒否"),
        ("加工方法等情報", "秘密Z", "閲覧", "成功"),
        ("契約", "最終日", "閲覧", "成功"),
    ]
    assert section.total == 6  # the public call (proposals.proposalcall) is not restricted


def test_refusals_and_failed_sign_ins_are_listed(june_records):
    sections = built()

    assert [(row[3], row[4]) for row in sections["refusals"].rows] == [("変更", "契約Y")]
    assert [row[2] for row in sections["failed_sign_ins"].rows] == ["mallory"]


def test_alerts_raised_in_the_period_show_how_they_were_handled(clock, chief_manager):
    clock.set(2026, 6, 12, 9, 0)
    subject = UserFactory(username="suspect")
    moment = datetime.datetime(2026, 6, 12, 9, 0, tzinfo=JST)
    reviewed, _ = alert_raise(
        kind=AlertKind.BULK_ACCESS,
        dedup_key="t:1",
        subject=subject,
        period_start=moment,
        period_end=moment,
        record_count=301,
    )
    alert_raise(kind=AlertKind.OFF_HOURS, dedup_key="t:2", subject=subject, period_start=moment, period_end=moment)
    alert_review(alert=reviewed, actor=chief_manager, note="業務上の一括確認と確認した")
    AccessAlert.objects.filter(dedup_key__in=["t:1", "t:2"]).update(raised_at=moment)

    rows = built()["access_alerts"].rows

    reviewer = chief_manager.display_name or chief_manager.username
    assert [(row[1], row[2], row[3], row[5], row[7], row[8]) for row in rows] == [
        (
            "短時間の大量アクセス",
            subject.display_name + "（suspect）",
            "301",
            "確認済み",
            reviewer,
            "業務上の一括確認と確認した",
        ),
        ("業務時間外のアクセス", subject.display_name + "（suspect）", "0", "未確認", "", ""),
    ]


def test_alerts_outside_the_period_are_not_listed(clock):
    moment = datetime.datetime(2026, 7, 1, 0, 0, tzinfo=JST)
    alert_raise(kind=AlertKind.OFF_HOURS, dedup_key="t:3", period_start=moment, period_end=moment)
    AccessAlert.objects.filter(dedup_key="t:3").update(raised_at=moment)

    assert built()["access_alerts"].rows == []


def test_the_chain_verification_is_reported(june_records):
    rows = dict(built()["chain_verification"].rows)

    assert rows["結果"] == "異常なし"
    assert rows["検証した記録の件数"] == str(AccessRecord.objects.count())


def test_a_tampered_chain_is_reported_as_such(june_records, tamper):
    position = AccessRecord.objects.order_by("position").values_list("position", flat=True)[3]
    tamper("UPDATE audit_accessrecord SET object_repr = 'x' WHERE position = %s", [position])

    rows = built()["chain_verification"].rows

    assert dict(rows)["結果"] == "異常あり（1件）"
    assert any(label == "異常" and f"位置 {position} " in text for label, text in rows)


# --- Sections of other apps ---


def test_a_section_registered_by_another_app_appears_in_order(fake_section):
    sections = report_build(period=JUNE, row_limit=10)

    keys = [section.key for section in sections]
    assert keys.index("failed_sign_ins") < keys.index("test_incidents") < keys.index("superuser_actions")
    assert sections[keys.index("test_incidents")].rows == [
        ("事案-001", "令和8年6月3日", "誤送信（外部への漏えいなし）")
    ]
    assert fake_section == [(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))]


def test_the_fake_section_is_gone_after_unregistering():
    assert "test_incidents" not in [section.key for section in report_sections()]


def test_a_broken_section_is_reported_and_the_others_still_come():
    def broken(start, end):
        yield ("only one value",)

    register_section(ReportSection(key="test_broken", title="壊れた区分", columns=("a", "b"), rows=broken, order=41))
    try:
        sections = built()
    finally:
        unregister_section("test_broken")

    assert sections["test_broken"].error.startswith("この区分を作成できませんでした。")
    assert sections["test_broken"].rows == []
    assert sections["access_summary"].error == ""


def test_a_section_over_the_row_limit_keeps_the_first_rows_and_counts_all(clock):
    clock.set(2026, 6, 5, 10, 0)
    for number in range(5):
        access_record(
            actor=None, action="view", result="success", object_type="proposals.proposal", object_repr=f"提案{number}"
        )

    section = built(limit=2)["restricted_access"]

    assert ([row[4] for row in section.rows], section.total, section.more) == (["提案0", "提案1"], 5, 3)


# --- The period form ---


@pytest.mark.parametrize(
    ("start", "end", "valid"),
    [
        ("2026-04-01", "2027-03-31", True),  # a fiscal year
        ("2026-06-30", "2026-06-30", True),  # one day
        ("2026-04-01", "2027-04-01", False),  # one day more than a year
        ("2028-02-29", "2029-02-28", True),
        ("2028-02-29", "2029-03-01", False),
        ("2026-07-01", "2026-06-30", False),  # start after end
    ],
)
def test_the_period_is_at_most_one_year_and_in_order(start, end, valid):
    assert ReportPeriodForm({"start": start, "end": end}).is_valid() is valid


def test_last_month_is_the_default_period():
    assert default_period(datetime.date(2026, 1, 15)) == ReportPeriod(
        datetime.date(2025, 12, 1), datetime.date(2025, 12, 31)
    )
    assert default_period(datetime.date(2026, 3, 1)) == ReportPeriod(
        datetime.date(2026, 2, 1), datetime.date(2026, 2, 28)
    )


# --- The page ---


def test_the_page_offers_last_month_by_default_and_records_nothing(client, audit_officer):
    client.force_login(audit_officer)
    before = AccessRecord.objects.filter(action=AccessAction.EXPORT).count()

    response = client.get(REPORT_URL)

    assert response.status_code == 200
    period = default_period()
    assert response.context["form"].initial["start"] == period.start
    assert response.context["report"] is None
    assert AccessRecord.objects.filter(action=AccessAction.EXPORT).count() == before


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            {"start": "2026-07-01", "end": "2026-06-01"},
            "期間の開始日は、終了日と同じ日かそれより前の日にしてください。",
        ),
        ({"start": "2026-01-01", "end": "2027-01-01"}, "期間は1年以内で指定してください"),
        ({"start": "昨日", "end": "2026-06-01"}, "日付を「2026-06-01」の形式で正しく入力してください。"),
        ({"start": "", "end": "2026-06-01"}, "日付を入力してください。"),
        (
            {"start": "0001-01-01", "end": "0001-01-02"},
            "日付は2000年1月1日から2099年12月31日までの範囲で入力してください。",
        ),
        (
            {"start": "9999-12-31", "end": "9999-12-31"},
            "日付は2000年1月1日から2099年12月31日までの範囲で入力してください。",
        ),
        ({**JUNE_QUERY, "output": "xlsx"}, "出力の形式は「画面に表示」「PDF」「CSV（ZIP）」から選んでください。"),
    ],
)
def test_a_bad_period_gives_a_japanese_error_and_no_report(client, audit_officer, query, message):
    client.force_login(audit_officer)

    response = client.get(REPORT_URL, query)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert response.context["report"] is None
    assert not AccessRecord.objects.filter(action=AccessAction.EXPORT).exists()


def test_the_report_on_screen_is_recorded_as_an_export(client, audit_officer, june_records):
    client.force_login(audit_officer)

    response = client.get(REPORT_URL, {**JUNE_QUERY, "output": "html"})

    assert response.status_code == 200
    page = response.content.decode()
    assert "令和8年6月1日～令和8年6月30日" in page
    assert "原本X" in page
    export = AccessRecord.objects.get(action=AccessAction.EXPORT)
    assert (export.actor, export.result, export.object_type) == (audit_officer, AccessResult.SUCCESS, "audit.report")
    assert export.detail == {"output": "html", "period_start": "2026-06-01", "period_end": "2026-06-30"}


def test_the_pdf_has_the_period_in_era_dates_every_section_and_page_numbers(
    client, chief_manager, june_records, fake_section
):
    client.force_login(chief_manager)

    response = client.get(REPORT_URL, {**JUNE_QUERY, "output": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(response.streaming_content) if response.streaming else response.content)
    assert "監査報告（アクセス記録等）" in text
    assert "令和8年6月1日から令和8年6月30日まで" in text
    assert "事案（試験）" in text and "誤送信" in text
    assert "原本X" in text and "mallory" in text
    assert "1/" in text  # the page number from the house stylesheet
    assert AccessRecord.objects.get(action=AccessAction.EXPORT).detail["output"] == "pdf"


def test_the_csv_zip_has_one_csv_with_bom_per_section(client, audit_officer, june_records, fake_section):
    client.force_login(audit_officer)

    response = client.get(REPORT_URL, {**JUNE_QUERY, "output": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = archive.namelist()
    assert names[-1] == "00_index.csv"
    assert len(names) == len(report_sections()) + 1
    for name in names:
        assert archive.read(name).startswith(b"\xef\xbb\xbf")
    tables = {name: list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig")))) for name in names}
    restricted = next(rows for name, rows in tables.items() if name.endswith("_restricted_access.csv"))
    assert restricted[0] == ["通番", "日時", "利用者", "区分", "対象", "操作", "結果", "IPアドレス"]
    assert [row[4] for row in restricted[1:]] == ["提案A", "提案A", "原本X", "契約Y", "秘密Z", "最終日"]
    incidents = next(rows for name, rows in tables.items() if name.endswith("_test_incidents.csv"))
    assert incidents == [["番号", "日", "概要"], ["事案-001", "令和8年6月3日", "誤送信（外部への漏えいなし）"]]
    summary = next(rows for name, rows in tables.items() if name.endswith("_access_summary.csv"))
    # The export of this report is recorded at the test clock's 1 July 00:00 JST: outside June.
    assert summary[-1] == ["合計", "", "8"]
    index = dict(tables["00_index.csv"][1:])
    assert index["期間"] == "令和8年6月1日～令和8年6月30日"


def test_the_csv_zip_of_the_builder_matches_the_screen(june_records):
    with report_csv_zip(period=JUNE, generated_by="試験") as output:
        archive = zipfile.ZipFile(output)
        refusals = next(name for name in archive.namelist() if name.endswith("_refusals.csv"))
        rows = list(csv.reader(io.StringIO(archive.read(refusals).decode("utf-8-sig"))))

    assert [tuple(row) for row in rows[1:]] == built()["refusals"].rows


# --- Who may open it ---


@pytest.mark.parametrize("persona", ["audit_officer", "chief_manager"])
def test_the_audit_officer_and_the_chief_manager_open_it(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(REPORT_URL, JUNE_QUERY).status_code == 200


def test_a_protection_manager_is_refused_and_the_refusal_recorded(client, protection_manager):
    client.force_login(protection_manager)

    response = client.get(REPORT_URL, JUNE_QUERY)

    assert response.status_code == 403
    refusal = AccessRecord.objects.get(actor_user_id=protection_manager.pk, result=AccessResult.REFUSED)
    assert (refusal.action, refusal.request_path) == (AccessAction.UNAUTHORIZED, REPORT_URL)
    assert not AccessRecord.objects.filter(action=AccessAction.EXPORT).exists()


def test_a_superuser_without_a_role_is_refused(client):
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)

    assert client.get(REPORT_URL, JUNE_QUERY).status_code == 403
    assert not AccessRecord.objects.filter(action=AccessAction.EXPORT).exists()


def test_the_audit_app_index_links_the_report_for_the_audit_officer_only(client, audit_officer, protection_manager):
    client.force_login(audit_officer)
    assert reverse("admin:audit_report") in client.get("/admin/audit/").content.decode()

    client.force_login(protection_manager)
    assert reverse("admin:audit_report") not in client.get("/admin/audit/").content.decode()


@pytest.mark.parametrize("section", AUDIT_SECTIONS, ids=lambda section: section.key)
def test_each_audit_section_takes_the_same_queries_for_1_and_3_records(clock, section):
    """Aggregated or streamed by the database: the number of queries does not grow with the records."""
    clock.set(2026, 6, 5, 10, 0)
    user = UserFactory()

    def queries_for_rows() -> int:
        with CaptureQueriesContext(connection) as captured:
            list(section.rows(JUNE.start, JUNE.end))
        return len(captured)

    def add(number: int) -> None:
        access_record(actor=user, action="view", result="refused", object_type="contracts.contract")
        access_record(actor=None, username="x", action="sign_in_failed", result="failed")
        access_record(actor=user, action="view", result="success", detail={"superuser": True})
        sweep_record(trigger="daily", counts={"work_folders": number, "unreferenced_files": 0})
        moment = datetime.datetime(2026, 6, 5, 10, 0, tzinfo=JST)
        alert, _ = alert_raise(
            kind=AlertKind.OFF_HOURS, dedup_key=f"q:{number}", period_start=moment, period_end=moment
        )
        AccessAlert.objects.filter(pk=alert.pk).update(raised_at=moment)

    add(1)
    one = queries_for_rows()
    add(2)
    add(3)

    assert queries_for_rows() == one


def test_a_section_without_a_count_is_read_to_the_end_to_count_it():
    register_section(
        ReportSection(
            key="test_long", title="長い区分", columns=("n",), rows=lambda s, e: ((str(n),) for n in range(5))
        )
    )
    try:
        section = built(limit=2)["test_long"]
    finally:
        unregister_section("test_long")

    assert (section.rows, section.total, section.more) == ([("0",), ("1",)], 5, 3)
