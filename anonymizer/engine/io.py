"""Reading inputs (CSV in UTF-8 with/without BOM or Shift_JIS/cp932, Excel, Parquet, in chunks) and writing
outputs atomically (CSV UTF-8 with BOM, Parquet, a manifest with SHA-256 of every file).

Every text column is read as text: identifiers keep their leading zeros (「0123…」) and nothing is guessed.
A source can be iterated several times (the pipeline reads the columns it needs for global decisions first,
then everything), either whole or in chunks; both give the same rows in the same order.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import hashlib
import io as _io
import json
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from .errors import InputError

DEFAULT_CHUNK_ROWS = 1_000_000
CSV_BLOCK_BYTES = 64 << 20
# What a reader raises on a damaged or unreadable file (pyarrow.ArrowInvalid is a ValueError; its I/O
# errors are OSError). Reported as InputError, never as a traceback.
_READ_ERRORS = (pa.ArrowException, OSError, ValueError)


def _unreadable(path: str | Path, kind: str) -> str:
    hint = "区切り文字・文字コード・列の数を確認してください" if kind == "CSV" else "壊れているか、形式が異なります"
    return f"{kind} ファイル {Path(path).name} を読み取れません（{hint}）"


def detect_encoding(path: str | Path, sample_bytes: int = 1 << 20) -> str:
    """``utf-8-sig`` when a BOM is present, else ``utf-8`` if the sample decodes, else ``cp932``
    (the superset of Shift_JIS that Windows and Excel write)."""
    with open(path, "rb") as fh:
        head = fh.read(sample_bytes)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the end of the sample
            return "cp932"
    return "utf-8"


@dataclass
class TableSource:
    """Where rows come from: an in-memory table, or a file read whole or in chunks."""

    kind: str  # "table" | "csv" | "parquet"
    column_names: list[str]
    table: pa.Table = None  # type: ignore[assignment]  # set when kind == "table"
    path: Path | None = None
    encoding: str = "utf-8"
    delimiter: str = ","
    chunk_rows: int | None = None

    def batches(self, columns: list[str] | None = None) -> Iterator[pa.Table]:
        """Yield tables of consecutive rows (only ``columns`` if given), first row first."""
        if self.kind == "table":
            tab = self.table.select(columns) if columns is not None else self.table
            if tab.num_rows == 0:
                yield tab
                return
            step = self.chunk_rows or tab.num_rows
            for start in range(0, tab.num_rows, step):
                yield tab.slice(start, step)
        elif self.kind == "parquet":
            try:
                pf = pq.ParquetFile(self.path)
                if self.chunk_rows is None:
                    yield pf.read(columns=columns)
                    return
                for batch in pf.iter_batches(batch_size=self.chunk_rows, columns=columns):
                    yield pa.Table.from_batches([batch])
            except _READ_ERRORS:
                raise InputError(_unreadable(self.path, "Parquet")) from None
        else:
            yield from self._csv_batches(columns)

    def _csv_options(self, columns: list[str] | None) -> tuple[Any, Any, Any]:
        enc = "utf8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding
        read = pv.ReadOptions(encoding=enc, block_size=CSV_BLOCK_BYTES, use_threads=True)
        parse = pv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True)
        conv = pv.ConvertOptions(
            column_types={c: pa.large_string() for c in self.column_names},
            include_columns=columns,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[""],
        )
        return read, parse, conv

    def _csv_batches(self, columns: list[str] | None) -> Iterator[pa.Table]:
        if self.encoding in ("utf-8", "utf-8-sig") and len(self.delimiter) == 1:
            if self.chunk_rows is None:
                table = self._polars_csv(columns)
                if table is not None:
                    yield table
                    return
            else:
                yield from self._polars_csv_chunks(columns)
                return
        yield from self._arrow_csv_batches(columns)

    def _arrow_csv_batches(self, columns: list[str] | None, skip_rows: int = 0) -> Iterator[pa.Table]:
        """The file through Arrow's reader (whole, or in chunks of ``chunk_rows`` records), without its
        first ``skip_rows`` records; the Japanese InputError when Arrow cannot read it either."""
        read, parse, conv = self._csv_options(columns)
        try:
            if self.chunk_rows is None:
                yield pv.read_csv(self.path, read_options=read, parse_options=parse, convert_options=conv)
                return
            read.block_size = max(1 << 20, min(CSV_BLOCK_BYTES, self.chunk_rows * 200))
            with pv.open_csv(self.path, read_options=read, parse_options=parse, convert_options=conv) as rdr:
                if not skip_rows:
                    for batch in rdr:
                        yield pa.Table.from_batches([batch])
                    return
                # resuming after rows another reader already gave: the rest in chunks of chunk_rows
                pending: list[pa.RecordBatch] = []
                pending_rows = 0
                for batch in rdr:
                    if skip_rows >= batch.num_rows:
                        skip_rows -= batch.num_rows
                        continue
                    batch, skip_rows = batch.slice(skip_rows), 0
                    pending.append(batch)
                    pending_rows += batch.num_rows
                    while pending_rows >= self.chunk_rows:
                        table = pa.Table.from_batches(pending)
                        yield table.slice(0, self.chunk_rows)
                        rest = table.slice(self.chunk_rows)
                        pending, pending_rows = rest.to_batches(), rest.num_rows
                if pending_rows:
                    yield pa.Table.from_batches(pending)
        except _READ_ERRORS:
            raise InputError(_unreadable(self.path, "CSV")) from None

    def _polars_csv_chunks(self, columns: list[str] | None) -> Iterator[pa.Table]:
        """The file in chunks of ``chunk_rows`` records from polars' streaming reader (bounded memory,
        quoted line breaks handled), with the same text columns as :meth:`_polars_csv`. When polars refuses
        the file, Arrow's reader takes over after the records already given (as the whole-file reader
        falls back to Arrow), and raises the Japanese error if it cannot read the file either."""
        wanted = columns if columns is not None else self.column_names
        given = 0
        try:
            scan = pl.scan_csv(
                self.path, infer_schema=False, separator=self.delimiter, empty_string_is_null=False, encoding="utf8"
            )
            for frame in scan.select(wanted).collect_batches(chunk_size=self.chunk_rows):
                table = frame.to_arrow()
                given += table.num_rows
                yield table.cast(pa.schema([pa.field(n, pa.large_string()) for n in table.column_names]))
        except (Exception, pl.exceptions.PanicException):
            yield from self._arrow_csv_batches(columns, skip_rows=given)

    def _polars_csv(self, columns: list[str] | None) -> pa.Table | None:
        """The whole UTF-8 file with polars' reader (multi-threaded, quoted newlines handled), every column
        as text, empty cells as empty text (as the Arrow reader is configured). None when polars refuses the
        file: the Arrow reader then reads it or raises the Japanese error."""
        try:
            frame = pl.read_csv(
                self.path,
                infer_schema=False,
                columns=columns,
                separator=self.delimiter,
                empty_string_is_null=False,
                encoding="utf8",
                raise_if_empty=False,
            )
        except (Exception, pl.exceptions.PanicException):
            return None
        wanted = columns if columns is not None else self.column_names
        if frame.columns != wanted:
            if not set(wanted) <= set(frame.columns):  # polars split the header otherwise: let Arrow read it
                return None
            frame = frame.select(wanted)
        table = frame.to_arrow()
        return table.cast(pa.schema([pa.field(n, pa.large_string()) for n in table.column_names]))


def open_source(
    source: str | Path | pd.DataFrame | pa.Table,
    *,
    chunk_rows: int | None = None,
    encoding: str | None = None,
    delimiter: str = ",",
    sheet: str | int = 0,
) -> TableSource:
    """Open a DataFrame, Arrow table, or a .csv/.tsv/.txt, .xlsx/.xls or .parquet file."""
    if isinstance(source, pd.DataFrame):
        source = pa.Table.from_pandas(source, preserve_index=False)
    if isinstance(source, pa.Table):
        return TableSource("table", list(source.column_names), table=source, chunk_rows=chunk_rows)
    path = Path(source)
    if not path.exists():
        raise InputError(f"入力ファイル {path.name} が見つかりません")
    if not path.is_file() or not os.access(path, os.R_OK):
        raise InputError(f"入力ファイル {path.name} を読み込めません（ファイルではないか、読み取りの権限がありません）")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except _READ_ERRORS:
            raise InputError(_unreadable(path, "Parquet")) from None
        return TableSource("parquet", list(names), path=path, chunk_rows=chunk_rows)
    if suffix in (".xlsx", ".xlsm", ".xls"):
        try:
            frame = pd.read_excel(path, sheet_name=sheet, dtype=str, keep_default_na=False, na_values=[""])
        except Exception:
            raise InputError(f"Excel ファイル {path.name} を読み取れません") from None
        table = pa.Table.from_pandas(frame, preserve_index=False)
        table = table.cast(pa.schema([pa.field(n, pa.large_string()) for n in table.column_names]))
        return TableSource("table", list(table.column_names), table=table, chunk_rows=chunk_rows)
    if suffix == ".tsv":
        delimiter = "\t"
    try:
        encoding = encoding or detect_encoding(path)
        with open(path, encoding=encoding, newline="") as fh:
            header = next(csv.reader(fh, delimiter=delimiter))
    except OSError:
        raise InputError(f"入力ファイル {path.name} を読み込めません") from None
    except (UnicodeDecodeError, StopIteration, LookupError, csv.Error):
        raise InputError(f"CSV ファイル {path.name} の見出し行を読み取れません（文字コード: {encoding}）") from None
    if len(set(header)) != len(header):
        raise InputError(f"CSV ファイル {path.name} の見出しに同じ列名が複数あります")
    return TableSource("csv", header, path=path, encoding=encoding, delimiter=delimiter, chunk_rows=chunk_rows)


def read_table(source: str | Path, **kwargs: Any) -> pd.DataFrame:
    """Read a whole file into a DataFrame (text columns as text)."""
    src = open_source(source, **kwargs)
    return pa.concat_tables(list(src.batches())).to_pandas()


# --- writing -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` only when the block succeeds,
    so a reader never sees a partial file. The temporary file is removed on failure."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        yield tmp
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()


def _plain(table: pa.Table) -> pa.Table:
    """Dictionary columns decoded to text for CSV."""
    cols = [c.cast(c.type.value_type) if pa.types.is_dictionary(c.type) else c for c in table.columns]
    return pa.table(cols, names=table.column_names)


class _HashingFile:
    """A binary file that computes the SHA-256 of what is written through it (no second read)."""

    def __init__(self, fh: Any):
        self.fh = fh
        self.hash = hashlib.sha256()
        self.closed = False

    def write(self, data: Any) -> int:
        view = memoryview(data)
        self.hash.update(view)
        return self.fh.write(view)

    def flush(self) -> None:
        self.fh.flush()

    def close(self) -> None:
        self.closed = True

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def tell(self) -> int:
        return self.fh.tell()


class TableWriter:
    """Write batches to one CSV (UTF-8 with BOM, so Excel opens it right) or Parquet file, atomically."""

    def __init__(self, target: str | Path, fmt: str | None = None):
        self.target = Path(target)
        self.format = fmt or ("parquet" if self.target.suffix.lower() == ".parquet" else "csv")
        self._ctx = atomic_path(self.target)
        self._tmp = self._ctx.__enter__()
        self._fh: Any = None
        self._sink: _HashingFile | None = None
        self._writer: Any = None
        self.rows = 0
        self.columns: list[str] = []

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self.columns = list(table.column_names)
            schema = _plain(table.slice(0, 0)).schema
            self._fh = open(self._tmp, "wb")  # noqa: SIM115 - closed in close()
            self._sink = _HashingFile(self._fh)  # the manifest's SHA-256, computed as the bytes go out
            if self.format == "parquet":
                self._writer = pq.ParquetWriter(self._sink, schema, compression="zstd")
            else:
                self._sink.write(codecs.BOM_UTF8)
                self._writer = pv.CSVWriter(self._sink, schema)
        self._writer.write_table(_plain(table))
        self.rows += table.num_rows

    def close(self) -> dict[str, Any]:
        """Finish the file, move it into place and return its manifest entry."""
        try:
            if self._writer is None:
                raise InputError("出力する行がありません")
            self._writer.close()
            self._fh.close()
            digest = self._sink.hash.hexdigest()
            self._ctx.__exit__(None, None, None)
        except BaseException as exc:
            self._ctx.__exit__(type(exc), exc, exc.__traceback__)
            raise
        return {
            "file": self.target.name,
            "format": self.format,
            "rows": self.rows,
            "items": self.columns,
            "sha256": digest,
            "bytes": self.target.stat().st_size,
        }

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            if self._writer is not None:
                self._writer.close()
            if self._fh is not None:
                self._fh.close()
        self._ctx.__exit__(RuntimeError, RuntimeError("abort"), None)


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_table(frame: pd.DataFrame | pa.Table, target: str | Path, fmt: str | None = None) -> dict[str, Any]:
    """Write a whole table atomically (CSV with BOM or Parquet); returns its manifest entry."""
    table = frame if isinstance(frame, pa.Table) else pa.Table.from_pandas(frame, preserve_index=False)
    writer = TableWriter(target, fmt)
    try:
        writer.write(table)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def write_manifest(
    target: str | Path, files: list[dict[str, Any]], *, report: dict[str, Any], extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Write ``manifest.json``: every file's SHA-256, rows and items, how each item was processed, and the
    anonymized-data label (seed 002 3-5: the recipient is told the data is anonymized)."""
    body = {
        "label": report.get("label"),
        "plan_digest": report.get("plan", {}).get("digest"),
        "files": files,
        "items": report.get("columns", {}),
        "rows": report.get("rows", {}).get("output"),
        **(extra or {}),
    }
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    return body


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A DataFrame as CSV UTF-8 with BOM, in memory (small downloads)."""
    buf = _io.BytesIO()
    buf.write(codecs.BOM_UTF8)
    pv.write_csv(_plain(pa.Table.from_pandas(frame, preserve_index=False)), buf)
    return buf.getvalue()
