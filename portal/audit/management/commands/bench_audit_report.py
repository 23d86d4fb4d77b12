"""Benchmark of the audit report (seed 004 第29条) over many access records, on a throwaway database.

Creates a fresh database beside the configured one (never the real chain: records cannot be deleted),
appends N chained records spread over one month through access_record(), then builds the report for
that month: the screen/PDF builder, the PDF, and the CSV zip. Prints progress on stderr and one JSON
object on the last line of stdout: seconds of each step, and the peak of Python memory (tracemalloc) of
a second run of it.
"""

import datetime
import json
import sys
import time
import tracemalloc
from unittest import mock

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import setup_databases, setup_test_environment, teardown_databases, teardown_test_environment

from portal.audit import services
from portal.audit.reports import PDF_ROW_LIMIT, ReportPeriod, report_build, report_csv_zip
from portal.audit.services import access_record

BATCH = 2_000
OBJECT_TYPES = [
    ("proposals.proposal", "提案"),
    ("proposals.proposalcall", "提案の募集"),
    ("files_registry.registerentry", "個人情報ファイル簿"),
    ("contracts.contract", "利用契約"),
]


class Command(BaseCommand):
    help = "監査報告（期間のアクセス記録等）の作成時間とメモリを、使い捨てのデータベースで計測します。"

    def add_arguments(self, parser):
        parser.add_argument("--records", type=int, default=100_000, help="アクセス記録の件数（既定 100000）")

    def handle(self, *args, **options):
        if options["records"] < 1:
            raise CommandError("--records は1以上を指定してください。")
        try:
            setup_test_environment()
        except RuntimeError:  # already inside a test run: its database is a throwaway one already
            old_config = None
        else:
            old_config = setup_databases(verbosity=0, interactive=False, aliases={"default"}, serialized_aliases=set())
        try:
            period = ReportPeriod(datetime.date(2026, 6, 1), datetime.date(2026, 6, 30))
            started = time.perf_counter()
            self._fill(options["records"], period)
            result = {
                "records": options["records"],
                "database": connection.vendor,
                "fill_seconds": round(time.perf_counter() - started, 1),
                **self._measure(period),
            }
        finally:
            if old_config is not None:
                teardown_databases(old_config, verbosity=0)
                teardown_test_environment()
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _log(self, message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    def _fill(self, count: int, period: ReportPeriod) -> None:
        from portal.accounts.models import User

        users = [
            User.objects.create(username=f"bench{number:02d}", last_name="計測", first_name=f"{number}")
            for number in range(50)
        ]
        step = (period.until - period.since) / count
        moment = [period.since]
        with mock.patch.object(services, "server_now", lambda: moment[0]):
            for start in range(0, count, BATCH):
                with transaction.atomic():
                    for number in range(start, min(start + BATCH, count)):
                        moment[0] = period.since + step * number
                        self._one(number, users[number % len(users)])
                self._log(f"{min(start + BATCH, count)} / {count}")

    @staticmethod
    def _one(number: int, user) -> None:
        kind = number % 100
        if kind < 2:
            access_record(actor=None, username=f"guess{number % 7}", action="sign_in_failed", result="failed")
        elif kind < 5:
            access_record(
                actor=user,
                action="change",
                result="refused",
                object_type="contracts.contract",
                object_repr=f"契約{number % 300}",
            )
        elif kind < 10:
            access_record(
                actor=user,
                action="download",
                result="success",
                object_type="files_registry.sourcefile",
                object_repr=f"原本{number % 40}",
                detail={"bytes": 1000 + number},
            )
        elif kind < 11:
            access_record(
                actor=user, action="view", result="success", detail={"superuser": True, "method": "GET", "status": 200}
            )
        else:
            object_type, label = OBJECT_TYPES[number % len(OBJECT_TYPES)]
            access_record(
                actor=user,
                action="view",
                result="success",
                object_type=object_type,
                object_repr=f"{label}{number % 500}",
            )

    def _measure(self, period: ReportPeriod) -> dict:
        from portal.pdf import render_pdf

        figures = {}

        def step(name, function):
            # Timed without tracemalloc (it slows allocation-heavy code several times), then run again
            # under tracemalloc for the peak of Python memory.
            started = time.perf_counter()
            value = function()
            figures[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
            tracemalloc.start()
            function()
            figures[f"{name}_peak_mib"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
            tracemalloc.stop()
            self._log(f"{name}: {figures[f'{name}_seconds']} s, peak {figures[f'{name}_peak_mib']} MiB")
            return value

        sections = step("build", lambda: report_build(period=period, row_limit=PDF_ROW_LIMIT))
        figures["section_rows"] = {section.key: section.total for section in sections}
        context = {
            "period": period,
            "generated_at": "計測",
            "generated_by": "計測",
            "document_date": period.end,
            "sections": sections,
            "row_limit": PDF_ROW_LIMIT,
        }
        pdf = step("pdf", lambda: render_pdf("pdf/audit_report.html", context))
        figures["pdf_bytes"] = len(pdf)

        def csv_zip():
            with report_csv_zip(period=period, generated_by="計測") as output:
                output.seek(0, 2)
                return output.tell()

        figures["csv_zip_bytes"] = step("csv_zip", csv_zip)
        return figures
