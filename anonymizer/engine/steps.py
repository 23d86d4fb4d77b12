"""Row-wise operations: one column, one chunk at a time (the result of a row never depends on the others).

Global operations (rare categories, micro-aggregation, swapping) and the dataset measures live in
:mod:`anonymizer.engine.pipeline`. A failing operation raises :class:`OperationError` naming the column and the
operation only: the underlying exception (which may quote a cell) is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import EngineError, OperationError
from .generalize import as_string, bottom_code, format_numbers, generalize, suppress_cells, to_numeric, top_code
from .identifiers import scrub_array
from .perturb import add_noise
from .plan import GLOBAL_OPS, ColumnPlan, Step
from .processing_secrets import ProcessingSecrets
from .pseudonym import DEFAULT_LENGTH, pseudonymize_array


@dataclass
class StepStats:
    """Counts gathered while processing (no values, except in the secret parts)."""

    cells_suppressed: dict[str, int] = field(default_factory=dict)
    identifiers_deleted: dict[str, dict[str, int]] = field(default_factory=dict)
    my_number_invalid: dict[str, int] = field(default_factory=dict)
    # processing secrets (never copied into the report)
    id_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    deleted: dict[str, list[str]] = field(default_factory=dict)

    def add(self, table: dict, column: str, n: int) -> None:
        table[column] = table.get(column, 0) + n

    def order(self, columns: list[str]) -> None:
        """Put every per-column table in plan order (columns are processed side by side, in any order)."""
        rank = {c: i for i, c in enumerate(columns)}
        for name in ("cells_suppressed", "identifiers_deleted", "my_number_invalid", "id_maps", "deleted"):
            table = getattr(self, name)
            setattr(self, name, dict(sorted(table.items(), key=lambda kv: rank.get(kv[0], len(rank)))))


def row_steps(column: ColumnPlan) -> tuple[Step, ...]:
    """The steps that run row by row: everything before the first global one (drop/keep excluded)."""
    out = []
    for step in column.steps:
        if step.op in GLOBAL_OPS:
            break
        if step.op not in ("drop", "keep"):
            out.append(step)
    return tuple(out)


def global_steps(column: ColumnPlan) -> tuple[Step, ...]:
    return tuple(s for s in column.steps if s.op in GLOBAL_OPS)


VALUEWISE_OPS = frozenset({"generalize", "top_code", "bottom_code"})  # one value in, one value out, no counts


def repeated_dictionary(arr: pa.Array, sample: int = 4096) -> pa.DictionaryArray | None:
    """``arr`` dictionary-encoded when its values repeat enough to pay (dates, codes, categories), else None.
    A sample decides first, so a column of distinct values (addresses, IDs) is not hashed for nothing."""
    if pa.types.is_dictionary(arr.type):
        return arr
    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)) or len(arr) < 4 * sample:
        return None
    part = arr.take(pa.array(np.linspace(0, len(arr) - 1, sample).astype(np.int64)))
    if pc.count_distinct(part).as_py() > 0.99 * sample:
        return None
    enc = pc.dictionary_encode(arr)
    return enc if len(enc.dictionary) <= len(arr) // 2 else None


def _compose(indices: pa.Array, out: pa.Array) -> pa.Array:
    """The per-row result of a value-wise function computed once per dictionary entry."""
    if pa.types.is_dictionary(out.type):
        return pa.DictionaryArray.from_arrays(pc.take(out.indices, indices), out.dictionary)
    if out.null_count == 0:
        return pa.DictionaryArray.from_arrays(indices, out)
    return out.take(indices)


def apply_row_steps(
    arr: pa.Array,
    column: ColumnPlan,
    steps: tuple[Step, ...],
    *,
    row_index: np.ndarray,
    secrets: ProcessingSecrets,
    stats: StepStats,
    mode: str,
    suppressed: str,
    retain_deleted: bool = False,
    dedup: bool = False,
) -> pa.Array:
    """Run ``steps`` on one column of one chunk. With ``dedup`` and a dictionary-encoded input, value-wise
    steps (generalisation, top/bottom coding) run once per distinct value instead of once per row."""
    if dedup and steps and pa.types.is_dictionary(arr.type) and all(s.op in VALUEWISE_OPS for s in steps):
        out = apply_row_steps(
            arr.dictionary,
            column,
            steps,
            row_index=row_index[:0],
            secrets=secrets,
            stats=stats,
            mode=mode,
            suppressed=suppressed,
            retain_deleted=retain_deleted,
        )
        return _compose(arr.indices, out)
    for step in steps:
        try:
            arr = _apply(
                arr,
                column,
                step,
                row_index=row_index,
                secrets=secrets,
                stats=stats,
                mode=mode,
                suppressed=suppressed,
                retain_deleted=retain_deleted,
            )
        except EngineError:
            raise
        except Exception:
            raise OperationError(
                f'列 "{column.name}" の処理 "{step.op}" に失敗しました（値の形式が処理に合っていない可能性があります）'
            ) from None
    return arr


def _apply(
    arr: pa.Array,
    column: ColumnPlan,
    step: Step,
    *,
    row_index: np.ndarray,
    secrets: ProcessingSecrets,
    stats: StepStats,
    mode: str,
    suppressed: str,
    retain_deleted: bool,
) -> pa.Array:
    op, p, name = step.op, step.params, column.name
    if op == "generalize":
        return generalize(arr, p["method"], p, suppressed)
    if op == "top_code":
        return top_code(arr, p["threshold"], p.get("label"), p.get("unit", ""))
    if op == "bottom_code":
        return bottom_code(arr, p["threshold"], p.get("label"), p.get("unit", ""))
    if op == "suppress_cells":
        out, n = suppress_cells(arr, values=p.get("values"), min=p.get("min"), max=p.get("max"), suppressed=suppressed)
        stats.add(stats.cells_suppressed, name, n)
        return out
    if op == "scrub_identifiers":
        text = as_string(arr)
        res = scrub_array(text, kinds=p.get("kinds"), mode=mode)
        if retain_deleted:
            changed = pc.not_equal(text, res.values).fill_null(False)
            stats.deleted.setdefault(name, []).extend(pc.filter(text, changed).to_pylist())
        per = stats.identifiers_deleted.setdefault(name, {})
        for kind, n in res.counts.items():
            per[kind] = per.get(kind, 0) + n
        stats.add(stats.my_number_invalid, name, res.my_number_invalid)
        return res.values
    if op == "pseudonymize":
        key = secrets.key(p.get("key", "pseudonym"))
        out, originals, names = pseudonymize_array(
            arr, key, length=p.get("length", DEFAULT_LENGTH), algorithm=p.get("algorithm", "hmac-sha256")
        )
        if p.get("retain_map"):
            stats.id_maps.setdefault(name, {}).update(zip(names.to_pylist(), originals.to_pylist(), strict=True))
        return out
    if op == "noise":
        values, is_num = to_numeric(arr)
        noisy = add_noise(
            values,
            row_index,
            distribution=p.get("distribution", "normal"),
            scale=p["scale"],
            relative=p.get("relative", False),
            secrets=secrets,
            purpose=f"noise:{name}",
        )
        lo, hi = p.get("clip_min"), p.get("clip_max")
        if lo is not None or hi is not None:
            noisy = np.clip(noisy, lo if lo is not None else -np.inf, hi if hi is not None else np.inf)
        digits = p.get("round", 0 if column.type == "integer" else None)
        if digits is not None:
            noisy = np.round(noisy, digits)
        return format_numbers(np.where(is_num, noisy, np.nan), is_num)
    raise OperationError(f'列 "{name}" の処理 "{op}" はこの段階では使えません')
