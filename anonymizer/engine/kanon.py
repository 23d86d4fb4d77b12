"""Equivalence classes on quasi-identifiers: k-anonymity, l-diversity, record and cell suppression.

seed 002 3-2-5: measures from the database's nature — a record that differs markedly from the others can be
singled out even after standards ①–④, so classes smaller than k are removed (record suppression) or
blurred (cell suppression), and a class whose sensitive value is the same for everyone is removed
(l-diversity). Everything here works on integer codes (one array per column), never on strings, so a
10-million-row check is a few vectorised passes.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass
class CodedColumn:
    """A column as integer codes into ``labels``; code ``len(labels)`` would be out of range, so a null
    gets its own code ``null_code`` (one category, like any other value)."""

    codes: np.ndarray
    labels: list[str]

    @classmethod
    def from_arrow(cls, arr: pa.Array | pa.ChunkedArray) -> CodedColumn:
        arr = arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr
        if not pa.types.is_dictionary(arr.type):
            if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
                arr = pc.cast(arr, pa.large_string())
            arr = pc.dictionary_encode(arr)
        labels = [str(v) for v in arr.dictionary.to_pylist()]
        idx = arr.indices
        null_code = len(labels)
        codes = idx.fill_null(null_code).to_numpy(zero_copy_only=False).astype(np.int32)
        col = cls(codes, labels)
        return col.compact() if len(labels) > 1 else col

    @property
    def null_code(self) -> int:
        return len(self.labels)

    def compact(self) -> CodedColumn:
        """Merge duplicate labels (a dictionary may repeat a value after a mapping)."""
        uniq = list(dict.fromkeys(self.labels))
        if len(uniq) == len(self.labels):
            return self
        pos = {lab: i for i, lab in enumerate(uniq)}
        remap = np.array([pos[lab] for lab in self.labels] + [len(uniq)], dtype=np.int32)
        return CodedColumn(remap[self.codes], uniq)

    def code_of(self, label: str) -> int:
        """The code of ``label``, appending it to the labels if new (used for the suppressed value)."""
        try:
            return self.labels.index(label)
        except ValueError:
            # the null code moves up by one
            nulls = self.codes == self.null_code
            self.labels.append(label)
            self.codes[nulls] = self.null_code
            return len(self.labels) - 1

    def to_arrow(self, rows: np.ndarray | None = None) -> pa.DictionaryArray:
        codes = self.codes if rows is None else self.codes[rows]
        mask = codes == self.null_code
        idx = pa.array(np.where(mask, 0, codes).astype(np.int32), mask=mask if mask.any() else None)
        return pa.DictionaryArray.from_arrays(idx, pa.array(self.labels or [""], pa.large_string()))


def _rows_of(codes: np.ndarray, rows: np.ndarray | None) -> np.ndarray:
    """``codes`` of ``rows`` (sorted distinct row numbers): no copy when they are every row."""
    return codes if rows is None or len(rows) == len(codes) else codes[rows]


def combine_codes(columns: list[np.ndarray], cardinalities: list[int]) -> np.ndarray:
    """One int64 key per row from several code arrays (mixed radix); falls back to re-factorising when the
    product of cardinalities would overflow."""
    key = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    radix = 1
    for codes, card in zip(columns, cardinalities, strict=True):
        card = int(card) + 1  # room for the null code
        if radix * card >= 2**62:
            key, _ = pd.factorize(key)
            key = key.astype(np.int64)
            radix = int(key.max()) + 1 if len(key) else 1
        key = key * card + codes if radix > 1 else codes.astype(np.int64)
        radix *= card
    return key


def class_ids(columns: list[np.ndarray], cardinalities: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """(class id per row, class sizes). Dense keys use a counting pass, sparse keys a hash factorisation."""
    n = len(columns[0]) if columns else 0
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = combine_codes(columns, cardinalities)
    space = int(np.prod([c + 1 for c in cardinalities], dtype=np.float64))
    if space <= max(4 * n, 1 << 20):
        counts = np.bincount(key, minlength=space)
        used = np.flatnonzero(counts)
        dense = np.full(space, -1, dtype=np.int64)
        dense[used] = np.arange(len(used))
        return dense[key], counts[used]
    ids, _ = pd.factorize(key)
    return ids.astype(np.int64), np.bincount(ids)


@dataclass
class ClassStats:
    k: int  # smallest class (0 when there are no records)
    classes: int
    classes_below_k: int
    records_below_k: int
    unique_records: int
    l: int | None = None  # noqa: E741 - the standard name
    classes_below_l: int | None = None


def class_stats(
    columns: list[CodedColumn],
    k_target: int,
    sensitive: CodedColumn | None = None,
    l_target: int | None = None,
    rows: np.ndarray | None = None,
) -> ClassStats:
    """k, classes below target, uniques and (optionally) distinct l-diversity of the rows ``rows``."""
    codes = [_rows_of(c.codes, rows) for c in columns]
    ids, sizes = class_ids(codes, [c.null_code for c in columns])
    if len(ids) == 0:
        return ClassStats(0, 0, 0, 0, 0, 0 if sensitive is not None else None, 0 if sensitive else None)
    small = sizes < k_target
    stats = ClassStats(
        k=int(sizes.min()),
        classes=len(sizes),
        classes_below_k=int(small.sum()),
        records_below_k=int(sizes[small].sum()),
        unique_records=int((sizes == 1).sum()),
    )
    if sensitive is not None:
        distinct = distinct_per_class(ids, len(sizes), _rows_of(sensitive.codes, rows))
        stats.l = int(distinct.min())
        stats.classes_below_l = int((distinct < (l_target or 1)).sum())
    return stats


def distinct_per_class(ids: np.ndarray, n_classes: int, sensitive_codes: np.ndarray) -> np.ndarray:
    """Number of distinct sensitive values in each class."""
    width = int(sensitive_codes.max()) + 1 if len(sensitive_codes) else 1
    if n_classes * width <= max(4 * len(ids), 1 << 22):  # a bitmap of (class, value) pairs: no sort
        seen = np.zeros(n_classes * width, dtype=bool)
        seen[ids * width + sensitive_codes] = True
        return seen.reshape(n_classes, width).sum(axis=1)
    pair = np.unique(ids * width + sensitive_codes)
    return np.bincount(pair // width, minlength=n_classes)


def suppress_records(
    columns: list[CodedColumn],
    k: int,
    sensitive: CodedColumn | None = None,
    l_target: int | None = None,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """Rows (a boolean mask over ``rows``, or over all rows) to delete so that every class has ≥ k records
    and, if asked, ≥ l distinct sensitive values. This is the least record suppression for the given
    generalisation: a record in a class smaller than k can only be fixed by removing it."""
    codes = [_rows_of(c.codes, rows) for c in columns]
    ids, sizes = class_ids(codes, [c.null_code for c in columns])
    drop = sizes[ids] < k
    if sensitive is not None and l_target:
        s = _rows_of(sensitive.codes, rows)
        distinct = distinct_per_class(ids, len(sizes), s)
        drop |= distinct[ids] < l_target
    return drop


def local_suppression(
    columns: list[CodedColumn], k: int, marker: str = "*", rows: np.ndarray | None = None, max_patterns: int = 1024
) -> tuple[int, int]:
    """Cell suppression to k-anonymity, in place on ``columns`` (restricted to ``rows`` if given).

    The suppressed value is an ordinary category when classes are counted (as ARX and pycanon count it),
    so a record of a class smaller than k can only become safe together with other such records that get
    the same cells suppressed. Greedy over suppression patterns (sets of attributes to blank), fewest cells
    first; among patterns of one size, the one that makes the most records safe goes first (lazy greedy).
    Records that stay too rare get every attribute blanked. Returns (cells suppressed, records still below
    k: the caller removes those).
    """
    m = len(columns)
    sel = np.arange(len(columns[0].codes)) if rows is None else (np.flatnonzero(rows) if rows.dtype == bool else rows)
    stars = np.array([c.code_of(marker) for c in columns])
    cards = [c.null_code for c in columns]
    work = [c.codes[sel].copy() for c in columns]
    ids, sizes = class_ids(work, cards)
    pending = np.flatnonzero(sizes[ids] < k)
    cells = 0
    if len(pending):
        by_size: dict[int, list[tuple[int, ...]]] = {}
        if 2**m <= max_patterns:
            for size in range(1, m + 1):
                by_size[size] = list(itertools.combinations(range(m), size))
        else:  # too many attributes to try every pattern: blank them in order of distinct values
            order = sorted(range(m), key=lambda i: -len(columns[i].labels))
            by_size = {j: [tuple(order[:j])] for j in range(1, m + 1)}
        for size in range(1, m + 1):
            if len(pending) == 0:
                break
            scored = [(-len(_resolved(work, cards, stars, pending, pat, k)), pat) for pat in by_size[size]]
            for _neg, pat in sorted(scored):
                if len(pending) == 0:
                    break
                ok = _resolved(work, cards, stars, pending, pat, k)
                if len(ok) == 0:
                    continue
                for a in pat:
                    changed = ok[work[a][ok] != stars[a]]
                    cells += len(changed)
                    work[a][changed] = stars[a]
                pending = np.setdiff1d(pending, ok, assume_unique=True)
        for a in range(m):  # what is left: blank everything
            changed = pending[work[a][pending] != stars[a]]
            cells += len(changed)
            work[a][changed] = stars[a]
    ids, sizes = class_ids(work, cards)
    for col, w in zip(columns, work, strict=True):
        col.codes[sel] = w
    return cells, int((sizes[ids] < k).sum())


def _resolved(
    work: list[np.ndarray], cards: list[int], stars: np.ndarray, pending: np.ndarray, pattern: tuple[int, ...], k: int
) -> np.ndarray:
    """Pending rows that reach a class of ≥ k when ``pattern`` is blanked for every pending row."""
    trial = [w.copy() if i in pattern else w for i, w in enumerate(work)]
    for a in pattern:
        trial[a][pending] = stars[a]
    tid, tsizes = class_ids(trial, cards)
    return pending[tsizes[tid[pending]] >= k]
