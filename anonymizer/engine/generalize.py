"""Generalisation, top/bottom coding and cell suppression on one column (Arrow arrays in, Arrow arrays out).

seed 002 3-2-1: identifying descriptions are replaced by more abstract ones (birth date → birth year,
address → prefecture/municipality) by a method with no rule that restores the original.
seed 002 3-2-4 / 3-2-5 (技法の表): generalisation (きゅうり → 野菜, value hierarchies), top/bottom coding
(116歳 → 「90以上」, a child of 170 cm → 「150cm以上」) and cell suppression.
Outputs of low cardinality are dictionary-encoded, which keeps the later k-anonymity count cheap.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .address import generalize_address

ERA_START = {
    "明治": 1868,
    "大正": 1912,
    "昭和": 1926,
    "平成": 1989,
    "令和": 2019,
    "M": 1868,
    "T": 1912,
    "S": 1926,
    "H": 1989,
    "R": 2019,
}
_NUMBER_RE = r"^\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$"
_DATE_RE = r"^\s*(?P<y>\d{4})\s*[-/.年]?\s*(?P<m>\d{1,2})?"
_WAREKI_RE = r"^\s*(?P<era>明治|大正|昭和|平成|令和|[MTSHR])\s*\.?\s*(?P<ey>\d{1,2}|元)\s*[年./-]\s*(?P<m>\d{1,2})?"


def as_string(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if pa.types.is_dictionary(arr.type):
        arr = arr.cast(arr.type.value_type)
    if pa.types.is_large_string(arr.type):
        return arr
    if pa.types.is_string(arr.type):
        return arr.cast(pa.large_string())
    if pa.types.is_floating(arr.type):
        return format_numbers(arr.to_numpy(zero_copy_only=False), pc.is_valid(arr))
    return pc.cast(arr, pa.large_string())


def normalize_width(arr: pa.Array) -> pa.Array:
    """NFKC (full-width digits and letters → ASCII) only when the column has non-ASCII text."""
    if pc.all(pc.string_is_ascii(arr)).as_py() in (True, None):
        return arr
    return pc.utf8_normalize(arr, "NFKC")


def to_numeric(arr: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """(float64 values, mask of cells that are numbers). Strings are parsed; labels like 「90以上」 are not."""
    arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
    if pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type):
        valid = pc.is_valid(arr).to_numpy(zero_copy_only=False)
        return pc.cast(arr, pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False), valid
    text = normalize_width(as_string(arr))
    is_num = pc.match_substring_regex(text, _NUMBER_RE).fill_null(False)
    nums = pc.cast(pc.if_else(is_num, pc.utf8_trim_whitespace(text), pa.scalar(None, text.type)), pa.float64())
    return nums.fill_null(np.nan).to_numpy(zero_copy_only=False), is_num.to_numpy(zero_copy_only=False)


def format_numbers(values: np.ndarray, mask: np.ndarray | pa.Array | None = None) -> pa.Array:
    """Numbers as text: integers without ``.0``."""
    if isinstance(mask, pa.Array):
        mask = mask.to_numpy(zero_copy_only=False)
    if mask is None:
        mask = ~np.isnan(values)
    integral = np.all(np.mod(values[mask], 1) == 0) if mask.any() else True
    if integral and mask.any() and np.abs(values[mask]).max() < 2**53:
        out = pc.cast(pa.array(np.where(mask, values, 0).astype(np.int64)), pa.large_string())
    else:
        out = pc.cast(pa.array(values), pa.large_string())
    return pc.if_else(pa.array(mask), out, pa.scalar(None, pa.large_string()))


def _labelled(codes: np.ndarray, labels: list[str], valid: np.ndarray) -> pa.DictionaryArray:
    idx = pa.array(codes.astype(np.int32), mask=~valid)
    return pa.DictionaryArray.from_arrays(idx, pa.array(labels, pa.large_string()))


def _merge(new: pa.Array, keep_old: np.ndarray, old: pa.Array) -> pa.Array:
    """Cells where ``keep_old`` is true keep the old (already labelled) value."""
    if not keep_old.any():
        return new
    return pc.if_else(pa.array(keep_old), as_string(old), as_string(new))


def generalize_date(arr: pa.Array, level: str, suppressed: str = "*") -> pa.Array:
    """Birth date → ``year`` (「1980」), ``year_month`` (「1980-03」) or ``fiscal_year`` (「1979年度」).

    Reads ISO/slashed/compact dates, 「1980年3月1日」 and Japanese eras (「昭和55年3月1日」「S55.3.1」).
    """
    if pa.types.is_timestamp(arr.type) or pa.types.is_date(arr.type):
        year = pc.year(arr).to_numpy(zero_copy_only=False).astype(float)
        month = pc.month(arr).to_numpy(zero_copy_only=False).astype(float)
        valid = pc.is_valid(arr).to_numpy(zero_copy_only=False)
        return _date_labels(year, month, valid, valid, level, suppressed)
    text = normalize_width(as_string(arr))
    parts = pc.extract_regex(text, _DATE_RE)
    year = _num(pc.struct_field(parts, "y"))
    month = _num(pc.struct_field(parts, "m"))
    if pc.any(pc.match_substring_regex(text, "^\\s*(明治|大正|昭和|平成|令和|[MTSHR])")).as_py():
        w = pc.extract_regex(text, _WAREKI_RE)
        era = pc.struct_field(w, "era").to_pylist()
        ey_raw = pc.struct_field(w, "ey")
        ey = _num(pc.if_else(pc.equal(ey_raw, "元"), pa.scalar("1", ey_raw.type), ey_raw))
        start = np.array([ERA_START.get(e, np.nan) if e else np.nan for e in era], dtype=float)
        wyear = start + ey - 1
        use = ~np.isnan(wyear)
        year = np.where(use, wyear, year)
        month = np.where(use, _num(pc.struct_field(w, "m")), month)
    valid = pc.is_valid(text).to_numpy(zero_copy_only=False)
    month = np.where((month >= 1) & (month <= 12), month, np.nan)
    ok = ~np.isnan(year) & (level == "year" or ~np.isnan(month)) & valid
    return _date_labels(year, month, ok, valid, level, suppressed)


def _num(arr: pa.Array) -> np.ndarray:
    arr = pc.if_else(pc.equal(arr, ""), pa.scalar(None, arr.type), arr)
    return pc.cast(arr, pa.float64()).fill_null(np.nan).to_numpy(zero_copy_only=False)


def _date_labels(
    year: np.ndarray, month: np.ndarray, ok: np.ndarray, valid: np.ndarray, level: str, suppressed: str
) -> pa.Array:
    y = np.where(ok, year, 0).astype(np.int64)
    m = np.where(ok & ~np.isnan(month), month, 1).astype(np.int64)
    if level == "year":
        key = y
    elif level == "fiscal_year":  # Japanese fiscal year starts in April
        key = np.where(m >= 4, y, y - 1)
    else:
        key = y * 100 + m
    key = np.where(ok, key, -1)
    uniq, codes = np.unique(key, return_inverse=True)
    if level == "year":
        labels = [str(u) for u in uniq]
    elif level == "fiscal_year":
        labels = [f"{u}年度" for u in uniq]
    else:
        labels = [f"{u // 100}-{u % 100:02d}" for u in uniq]
    labels = [suppressed if u == -1 else lab for u, lab in zip(uniq, labels, strict=True)]
    return _labelled(codes, labels, valid)


def generalize_bands(arr: pa.Array, width: float, start: float = 0, suppressed: str = "*") -> pa.Array:
    """Numbers → bands 「20～24」 (integer widths) or 「20～25未満」 (a wave dash, so a band of years never
    looks like a phone number or postal code to the leftover scan); labels from earlier steps pass through."""
    values, is_num = to_numeric(arr)
    valid = pc.is_valid(arr).to_numpy(zero_copy_only=False)
    band = np.floor((np.where(is_num, values, start) - start) / width).astype(np.int64)
    uniq, codes = np.unique(band, return_inverse=True)
    integral = float(width).is_integer() and float(start).is_integer()
    labels = []
    for b in uniq:
        lo = start + b * width
        if integral:
            labels.append(f"{int(lo)}～{int(lo + width - 1)}")
        else:
            labels.append(f"{lo:g}～{lo + width:g}未満")
    out = _labelled(codes, labels, valid)
    return _merge(out, valid & ~is_num, arr)


def generalize_round(arr: pa.Array, to: float) -> pa.Array:
    values, is_num = to_numeric(arr)
    rounded = np.round(values / to) * to
    return _merge(format_numbers(rounded, is_num), pc.is_valid(arr).to_numpy(zero_copy_only=False) & ~is_num, arr)


def generalize_hierarchy(arr: pa.Array, hierarchy: dict[str, list[str]], level: int, suppressed: str = "*") -> pa.Array:
    """Value → its ancestor at ``level`` in an ARX-style hierarchy (level 0 = unchanged).

    A value missing from the hierarchy is suppressed rather than passed through.
    """
    text = as_string(arr)
    enc = pc.dictionary_encode(text)
    uniq = enc.dictionary.to_pylist()
    mapped = []
    for v in uniq:
        path = hierarchy.get(v)
        if path is None:
            mapped.append(suppressed)
        else:
            mapped.append(v if level == 0 else path[min(level, len(path)) - 1])
    labels = list(dict.fromkeys(mapped))
    pos = {lab: i for i, lab in enumerate(labels)}
    remap = np.array([pos[m] for m in mapped], dtype=np.int32)
    idx = enc.indices.to_numpy(zero_copy_only=False)
    valid = pc.is_valid(text).to_numpy(zero_copy_only=False)
    codes = remap[np.where(valid, idx, 0)] if len(remap) else np.zeros(len(text), dtype=np.int32)
    return _labelled(codes, labels or [suppressed], valid)


def generalize_mapping(arr: pa.Array, mapping: dict[str, str], default: str | None = None) -> pa.Array:
    """Value → category by a table (きゅうり → 野菜). Unmapped values become ``default`` if given, else stay."""
    text = as_string(arr)
    enc = pc.dictionary_encode(text)
    uniq = enc.dictionary.to_pylist()
    mapped = [mapping.get(v, default if default is not None else v) for v in uniq]
    return pa.DictionaryArray.from_arrays(enc.indices, pa.array(mapped, pa.large_string()))


def generalize_prefix(arr: pa.Array, length: int) -> pa.Array:
    """Keep the first ``length`` characters (郵便番号 1000013 → 100)."""
    return pc.utf8_slice_codeunits(normalize_width(as_string(arr)), 0, length)


def generalize(arr: pa.Array, method: str, params: dict, suppressed: str = "*") -> pa.Array:
    if method == "date":
        return generalize_date(arr, params["level"], suppressed)
    if method == "address":
        return generalize_address(as_string(arr), params["level"], suppressed)
    if method == "bands":
        return generalize_bands(arr, params["width"], params.get("start", 0), suppressed)
    if method == "hierarchy":
        return generalize_hierarchy(arr, params["hierarchy"], params["level"], suppressed)
    if method == "round":
        return generalize_round(arr, params["to"])
    if method == "prefix":
        return generalize_prefix(arr, params["length"])
    if method == "mapping":
        return generalize_mapping(arr, params["mapping"], params.get("default"))
    raise ValueError(method)


def top_code(arr: pa.Array, threshold: float, label: str | None = None, unit: str = "") -> pa.Array:
    """Values ≥ threshold → one label (seed 002 3-2-4 事例2: 116歳 → 「90以上」; 3-2-5 事例3: 「150cm以上」)."""
    return _code(arr, threshold, label or f"{threshold:g}{unit}以上", top=True)


def bottom_code(arr: pa.Array, threshold: float, label: str | None = None, unit: str = "") -> pa.Array:
    """Values ≤ threshold → one label (「20以下」)."""
    return _code(arr, threshold, label or f"{threshold:g}{unit}以下", top=False)


def _code(arr: pa.Array, threshold: float, label: str, *, top: bool) -> pa.Array:
    values, is_num = to_numeric(arr)
    hit = is_num & ((values >= threshold) if top else (values <= threshold))
    text = format_numbers(values, is_num)
    out = pc.if_else(pa.array(hit), pa.scalar(label, pa.large_string()), text)
    return _merge(out, pc.is_valid(arr).to_numpy(zero_copy_only=False) & ~is_num, arr)


def suppress_cells(
    arr: pa.Array,
    *,
    values: list | None = None,
    min: float | None = None,
    max: float | None = None,
    suppressed: str = "*",
) -> tuple[pa.Array, int]:
    """Cell suppression: matching cells become ``suppressed``. Returns (array, cells suppressed)."""
    hit = np.zeros(len(arr), dtype=bool)
    if values:
        hit |= (
            pc.is_in(as_string(arr), value_set=pa.array([str(v) for v in values]))
            .fill_null(False)
            .to_numpy(zero_copy_only=False)
        )
    if min is not None or max is not None:
        nums, is_num = to_numeric(arr)
        rng = is_num.copy()
        if min is not None:
            rng &= nums >= min
        if max is not None:
            rng &= nums <= max
        hit |= rng
    out = pc.if_else(pa.array(hit), pa.scalar(suppressed, pa.large_string()), as_string(arr))
    return out, int(hit.sum())
