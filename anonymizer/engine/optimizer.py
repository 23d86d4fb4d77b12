"""Search the generalisation lattice for the k-anonymous plan with the least information loss (as ARX does).

Each quasi-identifier has a hierarchy (ARX format: value → level 1 → level 2 … → ``*``); a lattice node picks
one level per attribute (full-domain generalisation) and suppresses the records still in classes smaller
than k, within a suppression limit (default 5 %).

Information loss is Iyengar's generalised loss (ARX's "Loss" metric), 0..1: a cell generalised to a value
that covers L of the attribute's D distinct input values loses (L − 1)/(D − 1); a suppressed record loses 1
in every quasi-identifier cell; the dataset's loss is the mean over all quasi-identifier cells.

Search: the loss of a node without its suppression is a lower bound of its true loss, and cheap to compute
for every node at once. Nodes are tried in order of that bound; a node that is a specialisation of a node
already found to fail is skipped (k-anonymity with a suppression limit is monotone: generalising never
adds suppressed records); the search stops when the bound reaches the best loss found, which is then
optimal. Each node is evaluated on the distinct input tuples with their counts, not on every record.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from .errors import InputError
from .kanon import CodedColumn, class_ids
from .plan import read_hierarchy


@dataclass
class OptimizationResult:
    levels: dict[str, int]
    loss: float
    suppressed_records: int
    suppression_rate: float
    k: int
    records: int
    nodes_total: int
    nodes_evaluated: int
    seconds: float
    found: bool = True
    hierarchy_tables: dict[str, str] = field(default_factory=dict)
    global_loss: float = 1.0  # loss of the global node alone (what plan_columns() reproduces)
    local_levels: list[dict[str, int]] = field(default_factory=list)  # nodes of the local-recoding rounds
    names: list[str] = field(default_factory=list)
    _tuple_ids: Any = None
    _steps: Any = None
    _pending: Any = None
    _hier: Any = None

    def recode(self, table: pd.DataFrame | pa.Table, marker: str = "*") -> pd.DataFrame:
        """The input (the same table given to :func:`optimize`) generalised as found: the global node,
        then each local-recoding round for the records it covers; still-rare records are removed."""
        frame = table.to_pandas() if isinstance(table, pa.Table) else table.copy()
        tuple_node = np.zeros(len(self._pending), dtype=np.int64)
        for i, (_node, members) in enumerate(self._steps):
            if members is not None:
                tuple_node[members] = i
        row_node = tuple_node[self._tuple_ids]
        for a, name in enumerate(self.names):
            values = frame[name].astype(str).to_numpy(dtype=object)
            out = values.copy()
            for i, (node, _members) in enumerate(self._steps):
                level = int(node[a])
                rows = row_node == i
                if level:
                    hier = self._hier[name]
                    out[rows] = [hier[v][level - 1] if v in hier else marker for v in values[rows]]
            frame[name] = out
        return frame[~self._pending[self._tuple_ids]].reset_index(drop=True)

    def plan_columns(self) -> list[dict[str, Any]]:
        """Plan column entries (``generalize`` by hierarchy) that reproduce this node."""
        out = []
        for name, level in self.levels.items():
            step: dict[str, Any] = {"op": "generalize", "method": "hierarchy", "level": level}
            if name in self.hierarchy_tables:
                step["table"] = self.hierarchy_tables[name]
            out.append({"name": name, "role": "quasi_identifier", "steps": [step]})
        return out

    def to_dict(self) -> dict[str, Any]:
        skip = ("hierarchy_tables", "names")
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_") and k not in skip}


@dataclass
class _Attribute:
    name: str
    level_codes: list[np.ndarray]  # per level: base code -> generalised code
    level_loss: list[np.ndarray]  # per level: base code -> cell loss
    cardinality: list[int]  # per level: number of generalised codes


def _attribute(name: str, column: CodedColumn, hierarchy: dict[str, list[str]]) -> _Attribute:
    """Level maps and cell losses. The domain is the hierarchy's leaves (as ARX counts it) plus any input
    value the hierarchy lacks; such a value generalises straight to ``*``."""
    labels = [*column.labels, "\0null"]
    depth = max((len(v) for v in hierarchy.values()), default=0)
    extra = [v for v in labels[:-1] if v not in hierarchy]
    domain = max(len(hierarchy) + len(extra), 1)
    codes, losses, cards = [], [], []
    for level in range(depth + 1):
        leaves: dict[str, int] = {}
        for path in hierarchy.values():
            key = path[level - 1] if level else None
            if key is not None:
                leaves[key] = leaves.get(key, 0) + 1
        if level:
            leaves["*"] = leaves.get("*", 0) + len(extra)
        gen = [v if level == 0 else (hierarchy[v][level - 1] if v in hierarchy else "*") for v in labels]
        uniq, inverse = np.unique(np.array(gen, dtype=object), return_inverse=True)
        size = np.array([leaves.get(u, 1) if level else 1 for u in uniq], dtype=np.float64)
        cell = (size[inverse] - 1) / (domain - 1) if domain > 1 else np.zeros(len(inverse))
        codes.append(inverse.astype(np.int64))
        losses.append(np.asarray(cell, dtype=np.float64))
        cards.append(len(uniq))
    return _Attribute(name, codes, losses, cards)


def _densify(key: np.ndarray, space: int) -> tuple[np.ndarray, int]:
    """Renumber keys in [0, space) to 0..n-1 without hashing (a lookup table of size ``space``)."""
    seen = np.zeros(space, dtype=bool)
    seen[key] = True
    used = np.flatnonzero(seen)
    lookup = np.empty(space, dtype=np.int64)  # only the used slots are ever read
    lookup[used] = np.arange(len(used))
    return lookup[key], len(used)


class _PrefixIds:
    """Class ids of the distinct tuples for the first j attributes at given levels, cached: nodes tried
    one after another share most of their prefix, so each evaluation combines only a few columns."""

    def __init__(self, tcodes: list[list[np.ndarray]], cards: list[list[int]]):
        self.tcodes, self.cards = tcodes, cards
        self.cache: dict[tuple[int, ...], tuple[np.ndarray, int]] = {}

    def get(self, levels: tuple[int, ...]) -> tuple[np.ndarray, int]:
        hit = self.cache.get(levels)
        if hit is not None:
            return hit
        j = len(levels) - 1
        codes = self.tcodes[j][levels[j]]
        card = self.cards[j][levels[j]]
        if j == 0:
            out = (codes, card)
        else:
            prev, n_prev = self.get(levels[:-1])
            out = _densify(prev * card + codes, n_prev * card)
        if len(levels) < len(self.tcodes):  # the full node is used once; do not keep it
            self.cache[levels] = out
        return out


def optimize(table: pd.DataFrame | pa.Table, hierarchies: dict[str, dict[str, list[str]] | str | Path], k: int,
             max_suppression: float = 0.05, *, local_recoding: bool = True,
             max_local_rounds: int = 1) -> OptimizationResult:
    """Find the levels (one per quasi-identifier in ``hierarchies``) with the least loss such that, after
    suppressing the records of classes smaller than ``k``, at most ``max_suppression`` of the records
    are suppressed. ``hierarchies`` maps a column to a hierarchy dict or an ARX hierarchy CSV path."""
    t0 = time.perf_counter()
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    tables = {n: str(h) for n, h in hierarchies.items() if isinstance(h, str | Path)}
    hier = {n: (read_hierarchy(h) if isinstance(h, str | Path) else h) for n, h in hierarchies.items()}
    missing = [n for n in hier if n not in table.column_names]
    if missing:
        raise InputError("最適化の準識別子が入力にありません: " + "、".join(missing))
    # attributes with few levels first: their prefixes are shared by the most nodes
    names = sorted(hier, key=lambda n: max((len(v) for v in hier[n].values()), default=0))
    coded = [CodedColumn.from_arrow(table.column(n)) for n in names]
    attrs = [_attribute(n, c, hier[n]) for n, c in zip(names, coded, strict=True)]
    n_records = table.num_rows
    # distinct input tuples with their counts: every node is evaluated on these
    ids, sizes = class_ids([c.codes for c in coded], [c.null_code for c in coded])
    first = np.zeros(len(sizes), dtype=np.int64)
    first[ids[::-1]] = np.arange(n_records)[::-1]
    base = [c.codes[first].astype(np.int64) for c in coded]
    weights = sizes.astype(np.float64)
    m = len(attrs)
    limit = int(np.floor(max_suppression * n_records))
    # per attribute and level: generalised codes and cell loss of each distinct tuple
    tcodes = [[lc[b] for lc in a.level_codes] for a, b in zip(attrs, base, strict=True)]
    tloss = [[ll[b] for ll in a.level_loss] for a, b in zip(attrs, base, strict=True)]
    depths = [len(a.level_codes) for a in attrs]
    nodes = np.array(list(itertools.product(*[range(d) for d in depths])), dtype=np.int64)
    prefix = _PrefixIds(tcodes, [a.cardinality for a in attrs])
    everyone = np.ones(len(weights), dtype=bool)
    best, evaluated = _search(nodes, tloss, prefix, weights, everyone, k, limit, m)
    if best is None:
        seconds = time.perf_counter() - t0
        top = {n: d - 1 for n, d in zip(names, depths, strict=True)}
        return OptimizationResult(top, 1.0, n_records, 1.0, k, n_records, len(nodes), evaluated, seconds,
                                  found=False, hierarchy_tables=tables, names=names)
    global_loss, node, pending, total_cells = best
    steps: list[tuple[np.ndarray, np.ndarray | None]] = [(node, None)]
    # local recoding (as ARX's local generalisation): the records the global node suppresses are
    # generalised again among themselves, with their own node, as long as that loses less than suppression
    for _ in range(max_local_rounds if local_recoding else 0):
        if weights[pending].sum() < k:
            break
        idx = np.flatnonzero(pending)  # search on the pending tuples only: a few hundred instead of all
        sub_prefix = _PrefixIds([[c[idx] for c in per] for per in tcodes], [a.cardinality for a in attrs])
        sub_loss = [[c[idx] for c in per] for per in tloss]
        sub, n_eval = _search(nodes, sub_loss, sub_prefix, weights[idx], np.ones(len(idx), dtype=bool), k,
                              int(weights[idx].sum()), m)
        evaluated += n_eval
        if sub is None or sub[0] >= 1.0:
            break
        _, snode, still_small, scells = sub
        steps.append((snode, pending.copy()))
        total_cells += scells
        pending = np.zeros_like(pending)
        pending[idx[still_small]] = True
    suppressed = int(weights[pending].sum())
    loss = (total_cells + suppressed * m) / (n_records * m)
    seconds = time.perf_counter() - t0
    return OptimizationResult(
        levels={n: int(v) for n, v in zip(names, node, strict=True)}, loss=loss, suppressed_records=suppressed,
        suppression_rate=suppressed / n_records if n_records else 0.0, k=k, records=n_records,
        nodes_total=len(nodes), nodes_evaluated=evaluated, seconds=seconds, hierarchy_tables=tables,
        global_loss=float(global_loss), local_levels=[{n: int(v) for n, v in zip(names, st[0], strict=True)}
                                               for st in steps[1:]],
        names=names, _tuple_ids=ids, _steps=steps, _pending=pending, _hier=hier)


def _search(nodes: np.ndarray, tloss: list[list[np.ndarray]], prefix: _PrefixIds, weights: np.ndarray,
            members: np.ndarray, k: int, limit: int, m: int) -> tuple[Any, int]:
    """Least-loss node for the tuples in ``members`` (the others weigh 0). Returns ((loss, node, tuples
    still below k, cell loss of the kept records) or None, nodes evaluated); loss is over the members."""
    w = np.where(members, weights, 0.0)
    total = w.sum()
    mean_loss = [np.array([(tl * w).sum() / total for tl in per]) for per in tloss]
    bound = sum(mean_loss[i][nodes[:, i]] for i in range(m)) / m
    order = np.argsort(bound, kind="stable")
    fail_arr = np.zeros((len(nodes), m), dtype=np.int64)
    n_fail = 0
    best = None
    evaluated = 0
    for pos in order:
        if best is not None and bound[pos] >= best[0]:
            break
        node = nodes[pos]
        if n_fail and np.any(np.all(node <= fail_arr[:n_fail], axis=1)):
            continue
        evaluated += 1
        cid, n_classes = prefix.get(tuple(int(v) for v in node))
        class_size = np.bincount(cid, weights=w, minlength=n_classes)
        small = members & (class_size[cid] < k)
        suppressed = w[small].sum()
        if suppressed > limit:
            fail_arr[n_fail] = node
            n_fail += 1
            continue
        cell = sum(tloss[i][node[i]] for i in range(m))
        cells = float((cell * w)[~small].sum())
        loss = (cells + suppressed * m) / (total * m)
        if best is None or loss < best[0]:
            best = (loss, node, small, cells)
    return best, evaluated
