"""Sections of the audit officer's period report (seed 004 第29条–第31条), contributed by the apps.

The audit report (who accessed what, alerts raised, incidents, disposals …) is assembled from sections.
An app that keeps records an audit must see registers one section in its AppConfig.ready():

    from portal.audit.report_sections import ReportSection, register_section

    register_section(ReportSection(
        key="incidents",                      # unique, ASCII; also the CSV file name part
        title="事案",                          # the heading in the PDF and the CSV
        columns=("番号", "発生日", "概要", "状況"),
        rows=incident_rows,                   # rows(start: date, end: date) -> Iterable[Sequence[str]]
        order=40,                             # position in the report (smaller first)
    ))

`rows` receives the period as two dates in Japan time, both included, and yields one tuple of display
strings per row (already formatted in Japanese, same length as `columns`). It must only read.

Optional `count(start, end) -> int`: the number of rows `rows` would yield, for a section that can be
long (a list of records). With it, the screen and the PDF read only the rows they show and ask the
database for the total; without it, they read every row to count them.
"""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class ReportSection:
    key: str
    title: str
    columns: tuple[str, ...]
    rows: Callable[[date, date], Iterable[Sequence[str]]]
    order: int = 100
    count: Callable[[date, date], int] | None = None


_SECTIONS: dict[str, ReportSection] = {}


def register_section(section: ReportSection) -> None:
    """Add a section; registering the same key again replaces it (AppConfig.ready may run twice in tests)."""
    _SECTIONS[section.key] = section


def report_sections() -> list[ReportSection]:
    """Every registered section, in report order."""
    return sorted(_SECTIONS.values(), key=lambda section: (section.order, section.key))


def unregister_section(key: str) -> None:
    """Remove a section (tests that register a fake one); an unknown key is ignored."""
    _SECTIONS.pop(key, None)
