"""The audit report's section "disposals" (消去, seed 004 第29条): registered, and one row per disposal."""

import datetime
import zoneinfo

import pytest

from portal.audit.report_sections import report_sections
from portal.disposal.selectors import REPORT_COLUMNS, disposal_report_rows
from tests.factories.disposal import DisposalCertificateFactory

JST = zoneinfo.ZoneInfo("Asia/Tokyo")


def _at(day: int, hour: int = 12) -> datetime.datetime:
    return datetime.datetime(2026, 11, day, hour, tzinfo=JST)


def test_the_section_is_registered():
    section = {section.key: section for section in report_sections()}["disposals"]

    assert (section.title, section.columns, section.rows) == ("消去", REPORT_COLUMNS, disposal_report_rows)


@pytest.mark.django_db
def test_the_rows_cover_the_period_in_japan_time_both_days_included(organization):
    before = DisposalCertificateFactory(disposed_at=_at(9, 23) - datetime.timedelta(hours=1))
    first = DisposalCertificateFactory(
        disposed_at=datetime.datetime(2026, 11, 10, 0, 0, tzinfo=JST),
        organization=organization,
        organization_name=organization.name,
        description="原データ「a.csv」",
        reason="保有期間の満了",
        actor_name="保護 花子",
    )
    last = DisposalCertificateFactory(disposed_at=datetime.datetime(2026, 11, 20, 23, 59, tzinfo=JST))
    after = DisposalCertificateFactory(disposed_at=datetime.datetime(2026, 11, 21, 0, 0, tzinfo=JST))

    rows = list(disposal_report_rows(datetime.date(2026, 11, 10), datetime.date(2026, 11, 20)))

    assert [row[0] for row in rows] == [first.certificate_number, last.certificate_number]
    assert before.certificate_number not in {row[0] for row in rows}
    assert after.certificate_number not in {row[0] for row in rows}
    assert rows[0] == (
        first.certificate_number,
        "令和8年11月10日",
        "健康局健康課",
        "原データ「a.csv」",
        "暗号鍵の消去による消去（crypto-erase）＋ファイルの削除",
        "保護 花子",
        "保有期間の満了",
    )
    assert rows[1][2] == "－"
    assert all(len(row) == len(REPORT_COLUMNS) for row in rows)


@pytest.mark.django_db
def test_an_empty_period_has_no_rows():
    DisposalCertificateFactory(disposed_at=_at(1))

    assert list(disposal_report_rows(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))) == []
