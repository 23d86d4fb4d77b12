"""The audit officer's period report (監査報告, seed 004 第29条–第31条): built, exported, recorded.

The report is the list of sections registered in portal.audit.report_sections, each run over one
period of Japan-time dates (both included); the audit app's own sections are in access_sections. This
module holds who may see the report, its period, the builder used by the screen and the PDF (first N
rows of each section plus its full count), the CSV export (a zip of one CSV per section: see
`report_csv_zip` for why) and the record of the report itself.

The builder keeps at most `row_limit` rows of a section while counting the rest.
"""

import csv
import datetime
import functools
import io
import itertools
import logging
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from portal.accounts.roles import AUDIT_REPORT_ROLES, user_has_role
from portal.audit.enums import AccessAction, AccessResult
from portal.audit.report_sections import ReportSection, report_sections
from portal.audit.services import JST, access_record
from portal.jdates import wareki

logger = logging.getLogger(__name__)

REPORT_OBJECT_TYPE = "audit.report"  # the access record of each report generated
SCREEN_ROW_LIMIT = 100
PDF_ROW_LIMIT = 50


# --- Who may see it ---


def audit_report_allowed(user) -> bool:
    """The audit officer and the chief manager (seed 004 第29条: 監査責任者 audits and reports to the
    総括管理者). Superusers are not let in for being superusers (第14条: set-up only)."""
    return bool(user.is_authenticated and user.is_staff) and any(
        user_has_role(user, role) for role in AUDIT_REPORT_ROLES
    )


# --- The period ---


@dataclass(frozen=True)
class ReportPeriod:
    """Japan-time dates, both included."""

    start: datetime.date
    end: datetime.date

    @property
    def since(self) -> datetime.datetime:
        return datetime.datetime.combine(self.start, datetime.time(), tzinfo=JST)

    @property
    def until(self) -> datetime.datetime:
        """The first moment after the period (00:00 JST of the day after `end`): excluded."""
        return datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time(), tzinfo=JST)

    @property
    def label(self) -> str:
        return f"{wareki(self.start)}～{wareki(self.end)}"


def default_period(today: datetime.date | None = None) -> ReportPeriod:
    """Last month (Japan time): the usual regular audit (第29条 定期)."""
    today = today or timezone.localdate(timezone.now(), JST)
    last_day = today.replace(day=1) - datetime.timedelta(days=1)
    return ReportPeriod(last_day.replace(day=1), last_day)


# --- Display helpers (the sections yield display strings) ---


@functools.lru_cache(maxsize=1024)
def _jdate(day: datetime.date) -> str:
    return wareki(day)


def jtime(value: datetime.datetime | None) -> str:
    """令和8年6月10日 10:00:00 (Japan time); "" for None."""
    if value is None:
        return ""
    local = timezone.localtime(value, JST)
    return f"{_jdate(local.date())} {local:%H:%M:%S}"


# --- Building ---

SECTION_FAILED = "この区分を作成できませんでした。システム管理者に連絡してください（{error}）。"


@dataclass
class BuiltSection:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: list[tuple[str, ...]]
    total: int
    error: str = ""

    @property
    def more(self) -> int:
        """Rows counted but not kept (shown in full in the CSV)."""
        return self.total - len(self.rows)


def _checked_rows(section: ReportSection, period: ReportPeriod) -> Iterator[tuple[str, ...]]:
    width = len(section.columns)
    for row in section.rows(period.start, period.end):
        if len(row) != width:
            raise ValueError(f"section {section.key!r} yielded {len(row)} values for {width} columns")
        yield tuple("" if value is None else str(value) for value in row)


def _section_run(section: ReportSection, period: ReportPeriod, consume) -> str:
    """Run one section through `consume(rows)`; "" or the Japanese error text if the section failed.

    One broken section must not take the audit with it: its rows roll back to a savepoint and the
    report says, in its place, that it could not be made.
    """
    try:
        with transaction.atomic():
            consume(_checked_rows(section, period))
    except Exception as error:  # any section's failure: reported in the report, logged in full
        logger.exception("audit report section %s failed", section.key)
        return SECTION_FAILED.format(error=error.__class__.__name__)
    return ""


def report_build(*, period: ReportPeriod, row_limit: int) -> list[BuiltSection]:
    """Every registered section over `period`, each with its first `row_limit` rows and its row count."""
    built = []
    for section in report_sections():
        result = BuiltSection(section.key, section.title, tuple(section.columns), [], 0)

        def consume(rows: Iterator[tuple[str, ...]], result=result, section=section) -> None:
            if section.count is not None:
                # Read only the rows shown; the database counts the rest.
                result.rows = list(itertools.islice(rows, row_limit))
                rows.close()
                result.total = section.count(period.start, period.end)
                return
            for row in rows:
                result.total += 1
                if len(result.rows) < row_limit:
                    result.rows.append(row)

        result.error = _section_run(section, period, consume)
        if result.error:
            result.rows, result.total = [], 0
        built.append(result)
    return built


def report_csv_zip(*, period: ReportPeriod, generated_by: str) -> tempfile.SpooledTemporaryFile:
    """The report as a zip of CSV files (UTF-8 with BOM, CRLF), one per section, plus 00_index.csv.

    Why a zip and not one CSV with a section column: the sections have different columns, and one file
    per section keeps each one a plain table with its own header row that opens as it is in Excel or
    pandas; the section's key names its file (report_sections). Written to a spooled temporary file
    (on disk above 8 MiB), never whole in memory. The caller closes it.
    """
    output = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - returned open
    index = [
        ("報告", "監査報告（アクセス記録等）"),
        ("期間", period.label),
        ("作成日時", jtime(timezone.now())),
        ("作成者", generated_by),
        ("作成元", settings.AGENCY_NAME),
    ]
    with zipfile.ZipFile(output, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for number, section in enumerate(report_sections(), start=1):
            name = f"{number:02d}_{section.key}.csv"
            counted = [0]

            def consume(rows, name=name, section=section, counted=counted) -> None:
                counted[0] = 0
                with archive.open(name, "w", force_zip64=True) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
                    writer = csv.writer(text)
                    writer.writerow(section.columns)
                    for row in rows:
                        writer.writerow(row)
                        counted[0] += 1
                    text.flush()
                    text.detach()

            error = _section_run(section, period, consume)
            if error:
                name = f"{number:02d}_{section.key}_error.csv"
                _csv_write(archive, name, ("エラー",), [(error,)])
                index.append((name, f"{section.title}：{error}"))
            else:
                index.append((name, f"{section.title}（{counted[0]}件）"))
        _csv_write(archive, "00_index.csv", ("項目", "内容"), index)
    output.seek(0)
    return output


def _csv_write(archive: zipfile.ZipFile, name: str, columns: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    with archive.open(name, "w") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(columns)
        writer.writerows(rows)
        text.flush()
        text.detach()


# --- The record of the report itself ---


def audit_report_record(*, actor, period: ReportPeriod, output: str, request: HttpRequest | None = None):
    """Record that `actor` generated the report of `period` as `output` (html, pdf or csv): エクスポート.

    Written before the report is built, so an attempt is on the record even if building fails (第12条).
    """
    with transaction.atomic():
        return access_record(
            actor=actor,
            action=AccessAction.EXPORT,
            result=AccessResult.SUCCESS,
            request=request,
            object_type=REPORT_OBJECT_TYPE,
            object_repr=f"監査報告 {period.start.isoformat()}～{period.end.isoformat()}",
            detail={"output": output, "period_start": period.start.isoformat(), "period_end": period.end.isoformat()},
        )
