from django.apps import AppConfig


class DisposalConfig(AppConfig):
    """Disposal certificates (消去証明): one record and PDF per disposal (seed 004 第10条)."""

    name = "portal.disposal"
    label = "disposal"
    verbose_name = "消去証明"

    def ready(self) -> None:
        from portal.audit.report_sections import ReportSection, register_section
        from portal.disposal.selectors import REPORT_COLUMNS, disposal_report_rows

        # seed 004 第29条: the audit officer's period report lists every disposal of the period.
        register_section(
            ReportSection(key="disposals", title="消去", columns=REPORT_COLUMNS, rows=disposal_report_rows, order=60)
        )
