"""The public export of the register (CSV for spreadsheets, JSON for programs), streamed row by row."""

import csv
import json
from collections.abc import Iterable, Iterator

from files_registry.columns import COLUMNS, HEADERS
from files_registry.models import RegisterEntry
from portal.spreadsheet import neutralize_formula

_CHUNK = 500


class _Echo:
    def write(self, value: str) -> str:
        return value


def export_rows(entries: Iterable[RegisterEntry]) -> Iterator[dict[str, str]]:
    for entry in entries:
        yield {column.header: column.export(entry) for column in COLUMNS}


def csv_chunks(entries: Iterable[RegisterEntry]) -> Iterator[str]:
    """UTF-8 CSV with a BOM (so Excel reads it), formulas neutralised."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow(HEADERS)
    for row in export_rows(entries):
        yield writer.writerow([neutralize_formula(row[header]) for header in HEADERS])


def json_chunks(entries: Iterable[RegisterEntry]) -> Iterator[str]:
    """A JSON array of objects keyed by the Japanese column headers (text values as published)."""
    yield "["
    for index, row in enumerate(export_rows(entries)):
        yield ("," if index else "") + json.dumps(row, ensure_ascii=False)
    yield "]"


def iterate(queryset) -> Iterator[RegisterEntry]:
    return queryset.iterator(chunk_size=_CHUNK)
