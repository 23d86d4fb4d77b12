"""The global pass of the pipeline (see :mod:`.pipeline`): the source read once, chunk by chunk; the columns
that need the whole dataset coded as integers as each chunk arrives; then the decisions over every row at
once — the subset, the sample, rare categories, micro-aggregation, swapping, k-anonymity and l-diversity (k
is global: classes are counted over every row before anything is suppressed). The raw values of the other
output columns wait in :class:`.spill.HeldChunks` for the row pass.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from .errors import EngineError, OperationError
from .generalize import as_string, to_numeric
from .io import TableSource
from .kanon import CodedColumn, class_stats, local_suppression, suppress_records
from .perturb import microaggregate, swap
from .plan import Plan
from .processing_secrets import ProcessingSecrets
from .report import Distributions, source_distribution_columns
from .spill import HeldChunks
from .steps import StepStats, apply_row_steps, global_steps, repeated_dictionary, row_steps

if TYPE_CHECKING:
    from .pipeline import Progress

ROW_PASS_ROWS = 250_000  # rows per slice of the row pass


@dataclass
class GlobalState:
    n_rows: int
    keep: np.ndarray
    columns: dict[str, CodedColumn]
    numeric: dict[str, np.ndarray]
    measures: dict[str, Any]
    before: Distributions
    subjects_hash: np.ndarray | None = None


def _global_columns(plan: Plan) -> list[str]:
    ds = plan.dataset
    names: list[str] = []
    if ds.get("k_anonymity"):
        names += plan.quasi_identifiers
    if plan.sensitive:
        names.append(plan.sensitive)
    names += [c.name for c in plan.columns if global_steps(c) and not c.dropped]
    return list(dict.fromkeys(names))


def _condition_mask(table: pa.Table, cond: dict[str, Any]) -> np.ndarray:
    arr = table.column(cond["column"]).combine_chunks()
    hit = np.ones(len(arr), dtype=bool)
    if "values" in cond:
        hit &= (
            pc.is_in(as_string(arr), value_set=pa.array([str(v) for v in cond["values"]], pa.large_string()))
            .fill_null(False)
            .to_numpy(zero_copy_only=False)
        )
    if "min" in cond or "max" in cond:
        nums, is_num = to_numeric(arr)
        hit &= is_num
        if "min" in cond:
            hit &= nums >= cond["min"]
        if "max" in cond:
            hit &= nums <= cond["max"]
    return hit


def global_pass(
    src: TableSource,
    plan: Plan,
    secrets: ProcessingSecrets,
    stats: StepStats,
    retain_deleted: bool,
    pool: ThreadPoolExecutor,
    progress: Progress,
    held: HeldChunks,
) -> GlobalState:
    """Read the source once: global columns are processed and coded here, the raw values of the other
    output columns go to ``held`` slice by slice for the row pass."""
    ds = plan.dataset
    gcols = _global_columns(plan)
    numeric_cols = {c.name for c in plan.columns if c.name in gcols and any(s.op == "microaggregate" for s in c.steps)}
    subj_col = plan.subject_column
    held_cols = [c for c in plan.output_columns if c not in gcols]
    needed = list(
        dict.fromkeys(
            gcols
            + [c["column"] for c in ds.get("filter", [])]
            + [c["column"] for c in ds.get("record_suppression", [])]
            + ([subj_col] if subj_col else [])
            + held_cols
        )
    )
    before = Distributions(source_distribution_columns(plan), top_n=ds.get("top_n", 10))
    keep_parts, code_parts, num_parts, subj_parts = [], {c: [] for c in gcols}, {c: [] for c in numeric_cols}, []
    offset = 0

    def global_cost(name: str) -> int:  # generalisations (addresses, dates) first: they take longest
        return 0 if "generalize" in plan.column(name).ops else 1

    batches = src.batches(needed)
    for batch in _prefetch(batches) if src.chunk_rows else batches:
        n = batch.num_rows
        keep = np.ones(n, dtype=bool)
        for cond in ds.get("filter", []):
            keep &= _condition_mask(batch, cond)
        for cond in ds.get("record_suppression", []):
            keep &= ~_condition_mask(batch, cond)
        keep_parts.append(keep)
        idx = np.arange(offset, offset + n)
        keep_arr = None if keep.all() else pa.array(keep)

        def global_task(
            name: str, batch: pa.Table = batch, idx: np.ndarray = idx, keep_arr: pa.Array | None = keep_arr
        ) -> pa.Array:
            col = plan.column(name)
            raw = batch.column(name).combine_chunks()
            steps = row_steps(col)
            # repeated values (dates, codes) are processed once per distinct value
            enc = repeated_dictionary(raw) if name in before.counts or steps else None
            values = enc if enc is not None else raw
            if name in before.counts:
                before.add(name, values if keep_arr is None else pc.filter(values, keep_arr))
            return apply_row_steps(
                values,
                col,
                steps,
                row_index=idx,
                secrets=secrets,
                stats=stats,
                mode=plan.mode,
                suppressed=plan.suppressed_value,
                retain_deleted=retain_deleted,
                dedup=True,
            )

        futures = {name: pool.submit(global_task, name) for name in sorted(gcols, key=global_cost)}
        subjects = pool.submit(_subject_hashes, batch.column(subj_col)) if subj_col else None
        for name, arr in ((name, futures[name].result()) for name in gcols):
            if name in numeric_cols:
                num_parts[name].append(to_numeric(arr)[0])
            else:
                code_parts[name].append(arr)
        if subjects is not None:
            subj_parts.append(subjects.result())
        # the row pass goes in slices, so writing one overlaps computing the next
        part = batch.select(held_cols)
        for start in range(0, max(n, 1), ROW_PASS_ROWS):
            held.add(part.slice(start, ROW_PASS_ROWS))
        offset += n
        progress(None)
    keep = np.concatenate(keep_parts) if keep_parts else np.zeros(0, dtype=bool)
    columns = dict(zip(code_parts, pool.map(_merge_coded, code_parts.values()), strict=True))
    columns = {name: cc for name, cc in columns.items() if name not in numeric_cols}
    numeric = {name: np.concatenate(parts) if parts else np.zeros(0) for name, parts in num_parts.items()}
    measures: dict[str, Any] = {"source_rows": int(offset), "subset_rows": int(keep.sum())}
    sample = ds.get("sample")
    if sample:
        idx = np.flatnonzero(keep)
        rng = secrets.rng("sample")
        size = sample["rows"] if "rows" in sample else round(len(idx) * sample["fraction"])
        chosen = np.sort(rng.choice(idx, size=min(size, len(idx)), replace=False))
        keep = np.zeros_like(keep)
        keep[chosen] = True
    measures["sampled_rows"] = int(keep.sum())
    _apply_global_steps(plan, secrets, keep, columns, numeric, stats)
    _enforce_kanon(plan, keep, columns, measures, stats)
    subjects = np.concatenate(subj_parts) if subj_parts else None
    state = GlobalState(
        n_rows=offset,
        keep=keep,
        columns=columns,
        numeric=numeric,
        measures=measures,
        before=before,
        subjects_hash=subjects,
    )
    if not held.tables:
        held.add(pa.table({c: pa.array([], pa.large_string()) for c in held_cols}))
    return state


def _subject_hashes(values: pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash per row of the column that names the person (seed 000: ≥ 1000 本人); a collision could
    only undercount the people, the safe side of the rule."""
    return pl.Series(as_string(values.combine_chunks())).hash(seed=0).to_numpy()


def _prefetch(batches: Iterator[pa.Table]) -> Iterator[pa.Table]:
    """Read the next chunk on a background thread while this one is processed (one chunk ahead)."""
    slot: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        slot.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slot.put(done)
        except BaseException as exc:  # handed to the consumer, raised there
            slot.put(exc)

    reader = threading.Thread(target=produce, name="anonymizer-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = slot.get()
            if item is done:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        with contextlib.suppress(queue.Empty):
            slot.get_nowait()
        reader.join(timeout=5)


def _merge_coded(parts: list[pa.Array]) -> CodedColumn:
    """One CodedColumn from per-chunk arrays, with one dictionary for all chunks."""
    if not parts:
        return CodedColumn(np.zeros(0, dtype=np.int32), [])
    if len(parts) == 1:
        return CodedColumn.from_arrow(parts[0])
    labels: dict[str, int] = {}
    codes = []
    for arr in parts:
        c = CodedColumn.from_arrow(arr)
        remap = np.array([labels.setdefault(lab, len(labels)) for lab in c.labels] + [-1], dtype=np.int32)
        codes.append(remap[c.codes])
    merged = np.concatenate(codes)
    merged[merged == -1] = len(labels)
    return CodedColumn(merged, list(labels))


def _apply_global_steps(
    plan: Plan,
    secrets: ProcessingSecrets,
    keep: np.ndarray,
    columns: dict[str, CodedColumn],
    numeric: dict[str, np.ndarray],
    stats: StepStats,
) -> None:
    rows = np.flatnonzero(keep)
    for col in plan.columns:
        for step in global_steps(col):
            try:
                if step.op == "rare_categories":
                    # seed 002 3-2-4 事例1: a value with very few records (a very rare disease) is removed
                    cc = columns[col.name]
                    counts = np.bincount(cc.codes[rows], minlength=cc.null_code + 1)
                    rare = np.flatnonzero(
                        (counts[: cc.null_code] > 0) & (counts[: cc.null_code] < step.get("min_count"))
                    )
                    target = step.get("replace_with") or plan.suppressed_value
                    if len(rare):
                        tcode = cc.code_of(target)
                        hit = np.isin(cc.codes[rows], rare)
                        merged = int((cc.codes[rows] == tcode).sum()) + int(hit.sum())
                        if merged < step.get("min_count"):
                            # the merged category would itself be rare: suppress the cells instead
                            tcode = cc.code_of(plan.suppressed_value)
                        cc.codes[rows[hit]] = tcode
                        stats.add(stats.cells_suppressed, col.name, int(hit.sum()))
                elif step.op == "microaggregate":
                    values = numeric[col.name]
                    values[rows] = microaggregate(values[rows], step.get("size"))
                elif step.op == "swap":
                    if col.name in numeric:
                        values = numeric[col.name]
                        values[rows] = swap(values[rows], step.get("rate"), secrets, f"swap:{col.name}")
                    else:
                        cc = columns[col.name]
                        cc.codes[rows] = swap(cc.codes[rows], step.get("rate"), secrets, f"swap:{col.name}")
            except EngineError:
                raise
            except Exception:
                raise OperationError(f'列 "{col.name}" の処理 "{step.op}" に失敗しました') from None


def _enforce_kanon(
    plan: Plan, keep: np.ndarray, columns: dict[str, CodedColumn], measures: dict[str, Any], stats: StepStats
) -> None:
    """seed 002 3-2-5: k-anonymity on the quasi-identifiers with the least suppression, then l-diversity."""
    kanon = plan.dataset.get("k_anonymity")
    if not kanon:
        return
    qis = [columns[q] for q in plan.quasi_identifiers]
    k = kanon["k"]
    method = kanon.get("method", "record")
    sens = columns.get(plan.sensitive) if plan.sensitive else None
    l_target = (plan.dataset.get("l_diversity") or {}).get("l")
    rows = np.flatnonzero(keep)
    before_stats = class_stats(qis, k, sens, l_target, rows=rows)
    measures["before_k"] = before_stats.__dict__
    measures["records_suppressed"] = 0
    measures["cells_suppressed"] = 0
    if method == "cell":
        cells, _left = local_suppression(qis, k, plan.suppressed_value, rows=rows)
        measures["cells_suppressed"] = cells
        for q in plan.quasi_identifiers:
            stats.add(stats.cells_suppressed, q, 0)
    if method in ("record", "cell"):
        drop = suppress_records(qis, k, sens, l_target, rows=rows)
        keep[rows[drop]] = False
        measures["records_suppressed"] = int(drop.sum())
    measures["max_suppression"] = kanon.get("max_suppression", 0.05)
    measures["method"] = method
