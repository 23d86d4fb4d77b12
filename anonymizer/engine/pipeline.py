"""The pipeline: a plan and a table (or file) in, the processed table, a report and the processing secrets out.

The source is read once, whole or chunk by chunk (a chunked run gives exactly the in-memory result), and
only the columns the plan outputs or needs: a dropped column is never converted.

1. *Global pass* — for the columns that need the whole dataset (subset filter, record suppression,
   quasi-identifiers, the sensitive column, columns with global operations, the data-subject column) it
   runs their row-wise steps as each chunk arrives and keeps them as integer codes; the raw values of the
   other output columns are held as read. Then it decides, for all rows at once: the subset, the sample,
   rare categories, micro-aggregation, swapping, k-anonymity (record or cell suppression) and l-diversity.
   k is global: classes are counted over every row before anything is suppressed.
2. *Row pass* — over the held chunks, keeps the rows the global pass kept, runs the row-wise steps of the
   other columns (pseudonymize, scrub, generalize, code, noise …), takes the global columns from the first
   pass, scans the result for leftover identifiers and writes or collects it.

The columns of a chunk are processed side by side on a thread pool (the kernels — Arrow, polars, numpy —
release the GIL), so both passes use every core.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import EngineError, InputError, OperationError
from .generalize import format_numbers
from .globalpass import GlobalState, global_pass
from .io import TableSource, TableWriter, open_source, write_manifest
from .leftover import scan_array
from .plan import Plan
from .processing_secrets import ProcessingSecrets, SecretRecord
from .report import Distributions, build_report, distribution_columns, output_class_stats
from .spill import DEFAULT_BUDGET_BYTES, HeldChunks
from .steps import StepStats, apply_row_steps, row_steps


@dataclass
class RunResult:
    """``table`` is None when the output went to files (``files`` lists them)."""

    table: pd.DataFrame | None
    report: dict[str, Any]
    secret_record: SecretRecord
    files: list[dict[str, Any]] = field(default_factory=list)


class _Writers:
    """The same table to every target (CSV and Parquet side by side): all written, or none kept."""

    def __init__(self, writers: list[TableWriter]):
        self.writers = writers

    def write(self, table: pa.Table) -> None:
        for writer in self.writers:
            writer.write(table)

    def close(self) -> list[dict[str, Any]]:
        try:
            return [writer.close() for writer in self.writers]
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        for writer in self.writers:
            writer.abort()


def anonymize(
    table: pd.DataFrame | pa.Table,
    plan: Plan,
    secrets: ProcessingSecrets,
    *,
    chunk_rows: int | None = None,
    retain_deleted: bool = False,
) -> RunResult:
    """Process an in-memory table. Returns the output DataFrame, the report and the secret record."""
    return run(open_source(table, chunk_rows=chunk_rows), plan, secrets, retain_deleted=retain_deleted)


def anonymize_file(
    source: str | Path,
    plan: Plan,
    secrets: ProcessingSecrets,
    *,
    output: str | Path | Sequence[str | Path] | None = None,
    fmt: str | None = None,
    chunk_rows: int | None = None,
    encoding: str | None = None,
    manifest: bool = True,
    retain_deleted: bool = False,
    collect: bool = True,
    delimiter: str | None = None,
    progress: Progress | None = None,
    hold_bytes: int | None = None,
    spill_dir: str | Path | None = None,
) -> RunResult:
    """Process a CSV/Excel/Parquet file, chunk by chunk when ``chunk_rows`` is set (``delimiter``: a CSV's
    separator, default ``,``; tab for ``.tsv``). In a chunked run the raw values waiting for the row pass stay
    in memory up to ``hold_bytes`` (default 1 GiB) and go to a private folder under ``spill_dir`` (default:
    the system's temporary folder) beyond it, so memory stays bounded (see :mod:`.spill`).

    With ``output`` (one path, or several: the same table in each, e.g. CSV and Parquet) the result is
    written atomically (CSV UTF-8 with BOM, or Parquet by suffix/``fmt``) with ``manifest.json`` beside the
    first, and ``RunResult.table`` is None; otherwise the table is returned, unless ``collect`` is false (a
    dry run: the report and the verdict only). ``progress`` is called as the run advances (see Progress).
    """
    extra = {"delimiter": delimiter} if delimiter else {}
    src = open_source(source, chunk_rows=chunk_rows, encoding=encoding, **extra)
    return run(
        src,
        plan,
        secrets,
        output=output,
        fmt=fmt,
        manifest=manifest,
        retain_deleted=retain_deleted,
        collect=collect,
        progress=progress,
        hold_bytes=hold_bytes,
        spill_dir=spill_dir,
    )


# Called with the share of the work done (0.0 … 1.0), or None while reading (the total is not known yet),
# between chunks. Whatever it raises aborts the run: no output file is left behind (cancellation).
Progress = Callable[[float | None], None]


def default_threads() -> int:
    return max(1, min(os.cpu_count() or 1, 4))


def run(
    src: TableSource, plan: Plan, secrets: ProcessingSecrets, *, progress: Progress | None = None, **options: Any
) -> RunResult:
    """Run ``plan`` over ``src`` (the options as in :func:`anonymize_file`).

    A step failing with anything but an EngineError (a case the plan's validation did not foresee) ends
    the run with an OperationError whose message names no value, and the original is not chained: its
    text or traceback could quote a cell. What ``progress`` raises (a cancellation) and I/O or memory
    errors pass through unchanged."""
    from_progress: list[BaseException] = []

    def guarded(share: float | None) -> None:
        try:
            if progress is not None:
                progress(share)
        except BaseException as exc:
            from_progress.append(exc)
            raise

    try:
        return _run(src, plan, secrets, progress=guarded, **options)
    except (EngineError, OSError, MemoryError):
        raise
    except Exception as exc:
        if any(exc is raised for raised in from_progress):
            raise
        raise OperationError(
            "処理計画の適用中に想定外の誤りが起きました（処理計画の列の種類・処理と原データの値の形式を確認してください）"
        ) from None


def _run(
    src: TableSource,
    plan: Plan,
    secrets: ProcessingSecrets,
    *,
    output: str | Path | Sequence[str | Path] | None = None,
    fmt: str | None = None,
    manifest: bool = True,
    retain_deleted: bool = False,
    threads: int | None = None,
    collect: bool = True,
    progress: Progress | None = None,
    hold_bytes: int | None = None,
    spill_dir: str | Path | None = None,
) -> RunResult:
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    _check_columns(src, plan)
    stats = StepStats()
    report_progress = progress or (lambda share: None)
    outputs = [output] if isinstance(output, str | Path) else list(output or [])
    report_progress(0.0)
    if hold_bytes is None and src.chunk_rows:
        hold_bytes = DEFAULT_BUDGET_BYTES  # a whole-table run holds everything in memory anyway
    with (
        ThreadPoolExecutor(max_workers=threads or default_threads(), thread_name_prefix="anonymizer") as pool,
        HeldChunks(hold_bytes, spill_dir) as held,
    ):
        state = global_pass(src, plan, secrets, stats, retain_deleted, pool, report_progress, held)
        classes = pool.submit(output_class_stats, plan, state)  # final now: computed beside the row pass
        timings["global_pass"] = time.perf_counter() - t0
        report_progress(0.5)
        t1 = time.perf_counter()
        writer = _Writers([TableWriter(target, fmt) for target in outputs]) if outputs else None
        write_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="anonymizer-writer")
        writing: Future | None = None
        collected: list[pa.Table] = []
        leftovers: dict[str, dict[str, int]] = {}
        after = Distributions(distribution_columns(plan), top_n=plan.dataset.get("top_n", 10))
        before = state.before
        offset = 0
        out_cols = plan.output_columns
        by_cost = sorted(out_cols, key=lambda name: _cost_rank(plan, name, state))  # longest tasks first

        def column_task(
            name: str, batch: pa.Table, rows: np.ndarray, take: pa.Array | None, offset: int
        ) -> tuple[pa.Array, dict[str, int]]:
            col = plan.column(name)
            if name in state.columns:
                arr = state.columns[name].to_arrow(rows + offset)
            elif name in state.numeric:
                arr = format_numbers(state.numeric[name][rows + offset])
            else:
                raw = batch.column(name)  # only the rows the global pass kept, taken here: on the pool
                raw = (raw.take(take) if take is not None else raw).combine_chunks()
                before.add(name, raw)
                arr = apply_row_steps(
                    raw,
                    col,
                    row_steps(col),
                    row_index=rows + offset,
                    secrets=secrets,
                    stats=stats,
                    mode=plan.mode,
                    suppressed=plan.suppressed_value,
                    retain_deleted=retain_deleted,
                )
            after.add(name, arr)
            found = {} if any(s.op == "pseudonymize" for s in col.steps) else scan_array(arr)
            return arr, found

        try:
            for batch in held.drain():  # each chunk's raw values go once it is done
                n = batch.num_rows
                keep = state.keep[offset : offset + n]
                rows = np.flatnonzero(keep)
                take = pa.array(rows) if len(rows) < n else None
                futures = {name: pool.submit(column_task, name, batch, rows, take, offset) for name in by_cost}
                results = [futures[name].result() for name in out_cols]
                del batch, futures
                arrays = []
                for name, (arr, found) in zip(out_cols, results, strict=True):
                    for kind, cnt in found.items():
                        leftovers.setdefault(name, {})[kind] = leftovers.get(name, {}).get(kind, 0) + cnt
                    arrays.append(arr)
                out = pa.table(arrays, names=out_cols) if out_cols else pa.table({})
                if writer is not None:
                    # the chunk is written while the next one is processed (one write in flight, in order)
                    if writing is not None:
                        writing.result()
                    writing = write_pool.submit(writer.write, out)
                elif collect:
                    collected.append(out)
                offset += n
                report_progress(0.5 + 0.5 * offset / max(state.n_rows, 1))
            if writing is not None:
                writing.result()
            files = writer.close() if writer is not None else []
        except BaseException:
            if writing is not None:
                writing.cancel()
                with contextlib.suppress(BaseException):
                    writing.result()
            if writer is not None:
                writer.abort()
            raise
        finally:
            write_pool.shutdown(wait=True)
    stats.order(plan.column_names)
    timings["row_pass"] = time.perf_counter() - t1
    if held.spilled_bytes:
        timings["spilled_mib"] = held.spilled_bytes / 2**20  # raw values that waited on disk, not in memory
    report = build_report(
        plan,
        state=state,
        stats=stats,
        before=before,
        after=after,
        leftovers=leftovers,
        timings=timings,
        classes=classes.result(),
    )
    record = SecretRecord(
        plan_digest=plan.digest,
        mode=plan.mode,
        secrets=secrets,
        keys_used={
            s.get("key", "pseudonym"): s.get("algorithm", "hmac-sha256")
            for c in plan.columns
            for s in c.steps
            if s.op == "pseudonymize"
        },
        id_maps=stats.id_maps,
        deleted=stats.deleted,
    )
    if outputs and manifest:
        write_manifest(Path(outputs[0]).with_name("manifest.json"), files, report=report)
    table = None
    if writer is None and collect:
        combined = pa.concat_tables(collected) if collected else pa.table({})
        table = combined.to_pandas()
    return RunResult(table=table, report=report, secret_record=record, files=files)


def _cost_rank(plan: Plan, name: str, state: GlobalState) -> int:
    """Rough order of a column's row-pass cost, most expensive first, so the thread pool ends together."""
    if name in state.columns or name in state.numeric:
        return 5
    ops = set(plan.column(name).ops)
    for rank, heavy in enumerate(("scrub_identifiers", "pseudonymize", "generalize", "noise")):
        if heavy in ops:
            return rank
    return 4


def _check_columns(src: TableSource, plan: Plan) -> None:
    have = set(src.column_names)
    missing = [c for c in plan.column_names if c not in have]
    if missing:
        raise InputError("処理計画の列が入力にありません: " + "、".join(f'"{m}"' for m in missing))
    extra = [c for c in src.column_names if c not in set(plan.column_names)]
    if extra and plan.unlisted_columns == "error":
        raise InputError(
            "入力に処理計画にない列があります（計画に記載するか unlisted_columns: drop を指定）: "
            + "、".join(f'"{e}"' for e in extra)
        )
