"""Search the generalisation lattice for the k-anonymous plan with the least information loss (as ARX does).

Each quasi-identifier has a hierarchy (ARX format: value → level 1 → level 2 … → ``*``); a lattice node picks
one level per attribute (full-domain generalisation) and suppresses the records still in classes smaller
than k, within a suppression limit (default 5 %).

Information loss is Iyengar's generalised loss (ARX's "Loss" metric), 0..1: a cell generalised to a value
that covers L of the attribute's D distinct input values loses (L − 1)/(D − 1); a suppressed record loses 1
in every quasi-identifier cell; the dataset's loss is the mean over all quasi-identifier cells.

Search: the loss of a node without its suppression is a lower bound of its true loss, and cheap to compute
for every node at once. k-anonymity with a suppression limit is monotone: a node that fails rules out all
its specialisations (their classes only split). The nodes are first tried in order of the bound until one
passes (an upper bound on the optimum); then the nodes whose bound is still below the best loss are tried
most general first, so the failures — nearly all of them on ``adult`` — rule out their specialisations
before these are reached; a node whose bound reaches the best loss is never evaluated. The result is the
optimum (ties go to the node first in order of the bound). Each node is evaluated on the distinct input
tuples with their counts, not on every record. Local recoding searches again among the suppressed tuples,
in order of a tighter bound: a tuple still below k at the join of a node with the global node is below k
at the node too.
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

    def sizes(self, levels: tuple[int, ...], w: np.ndarray) -> np.ndarray:
        """The weight of each tuple's class at the full node ``levels`` (no renumbering needed)."""
        j = len(levels) - 1
        codes = self.tcodes[j][levels[j]]
        card = self.cards[j][levels[j]]
        if j == 0:
            key, space = codes, card
        else:
            prev, n_prev = self.get(levels[:-1])
            key, space = prev * card + codes, n_prev * card
        if space > 8 * len(key):  # a sparse key: hashing beats zeroing a table of ``space`` entries
            key = pd.factorize(key)[0]
            space = int(key.max()) + 1 if len(key) else 0
        return np.bincount(key, weights=w, minlength=space)[key]


def _read_hierarchy(name: str, path: str | Path) -> dict[str, list[str]]:
    """The hierarchy table of column ``name``; InputError (Japanese) when it cannot be read or is malformed."""
    try:
        return read_hierarchy(path)
    except OSError:
        raise InputError(f'列 "{name}" の階層表 {Path(path).name} を読み込めません') from None
    except UnicodeDecodeError:
        raise InputError(f'列 "{name}" の階層表 {Path(path).name} の文字コードが UTF-8 ではありません') from None
    except ValueError as exc:
        raise InputError(f'列 "{name}" の階層表 {Path(path).name} が不正です: {exc}') from None


def optimize(
    table: pd.DataFrame | pa.Table,
    hierarchies: dict[str, dict[str, list[str]] | str | Path],
    k: int,
    max_suppression: float = 0.05,
    *,
    local_recoding: bool = True,
    max_local_rounds: int = 1,
) -> OptimizationResult:
    """Find the levels (one per quasi-identifier in ``hierarchies``) with the least loss such that, after
    suppressing the records of classes smaller than ``k``, at most ``max_suppression`` of the records
    are suppressed. ``hierarchies`` maps a column to a hierarchy dict or an ARX hierarchy CSV path."""
    t0 = time.perf_counter()
    if isinstance(table, pd.DataFrame):
        table = pa.Table.from_pandas(table, preserve_index=False)
    tables = {n: str(h) for n, h in hierarchies.items() if isinstance(h, str | Path)}
    hier = {n: (_read_hierarchy(n, h) if isinstance(h, str | Path) else h) for n, h in hierarchies.items()}
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
        return OptimizationResult(
            top,
            1.0,
            n_records,
            1.0,
            k,
            n_records,
            len(nodes),
            evaluated,
            seconds,
            found=False,
            hierarchy_tables=tables,
            names=names,
        )
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
        sub, n_eval = _search(
            nodes,
            sub_loss,
            sub_prefix,
            weights[idx],
            np.ones(len(idx), dtype=bool),
            k,
            int(weights[idx].sum()),
            m,
            dead=node,  # every pending record is in a class below k there, so in all its specialisations too
        )
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
        levels={n: int(v) for n, v in zip(names, node, strict=True)},
        loss=loss,
        suppressed_records=suppressed,
        suppression_rate=suppressed / n_records if n_records else 0.0,
        k=k,
        records=n_records,
        nodes_total=len(nodes),
        nodes_evaluated=evaluated,
        seconds=seconds,
        hierarchy_tables=tables,
        global_loss=float(global_loss),
        local_levels=[{n: int(v) for n, v in zip(names, st[0], strict=True)} for st in steps[1:]],
        names=names,
        _tuple_ids=ids,
        _steps=steps,
        _pending=pending,
        _hier=hier,
    )


def _joined_bound(
    nodes: np.ndarray,
    bound: np.ndarray,
    dead: np.ndarray,
    tloss: list[list[np.ndarray]],
    prefix: _PrefixIds,
    w: np.ndarray,
    members: np.ndarray,
    total: float,
    k: int,
    m: int,
) -> np.ndarray:
    """A tighter lower bound when every member is below k at ``dead``: a tuple below k at n ∨ dead (the
    join, a generalisation of n) is below k at n too (n's classes are finer), so it costs m there, not its
    cell loss. The joins are the few generalisations of ``dead``; each is evaluated once."""
    joins = np.maximum(nodes, dead)
    uniq, inverse = np.unique(joins, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    extra = np.zeros(len(nodes))
    for j, join in enumerate(uniq.tolist()):
        small = members & (prefix.sizes(tuple(join), w) < k)
        if not small.any():
            continue
        ws = w[small]
        sel = np.flatnonzero(inverse == j)
        gain = np.full(len(sel), m * ws.sum())
        for i in range(m):
            per_level = np.array([(tl[small] * ws).sum() for tl in tloss[i]])
            gain -= per_level[nodes[sel, i]]
        extra[sel] = gain
    return bound + extra / (total * m)


def _search(
    nodes: np.ndarray,
    tloss: list[list[np.ndarray]],
    prefix: _PrefixIds,
    weights: np.ndarray,
    members: np.ndarray,
    k: int,
    limit: int,
    m: int,
    dead: np.ndarray | None = None,
) -> tuple[Any, int]:
    """Least-loss node for the tuples in ``members`` (the others weigh 0). Returns ((loss, node, tuples
    still below k, cell loss of the kept records) or None, nodes evaluated); loss is over the members.

    A node that fails the limit, or leaves every member below k (loss 1), rules out all its specialisations:
    their classes are subsets of its classes. ``dead`` is such a node known beforehand; it also tightens the
    bound (:func:`_joined_bound`). Among nodes of equal loss the one first in order of the bound wins, as in
    a plain scan in that order."""
    w = np.where(members, weights, 0.0)
    total = w.sum()
    mean_loss = [np.array([(tl * w).sum() / total for tl in per]) for per in tloss]
    bound = sum(mean_loss[i][nodes[:, i]] for i in range(m)) / m
    if dead is not None:
        bound = _joined_bound(nodes, bound, dead, tloss, prefix, w, members, total, k, m)
    order = np.argsort(bound, kind="stable")
    keys = [tuple(row) for row in nodes.tolist()]
    everyone = bool(members.all())
    fail_arr = np.asarray(dead, dtype=np.int64).reshape(-1, m) if dead is not None else np.zeros((0, m), np.int64)
    best = None
    seen: set[tuple[int, ...]] = set()

    def failing(node: np.ndarray) -> bool:
        return len(fail_arr) > 0 and bool((node <= fail_arr).all(axis=1).any())

    rank = {keys[pos]: i for i, pos in enumerate(order.tolist())}
    best_rank = len(order)

    def evaluate(levels: tuple[int, ...]) -> bool:
        """Evaluate one node; keep it if it is the best so far. True if it fails."""
        nonlocal best, best_rank
        seen.add(levels)
        small = prefix.sizes(levels, w) < k
        if not everyone:
            small &= members
        suppressed = w[small].sum()
        if suppressed > limit or suppressed >= total:
            return True
        cell = sum(tloss[i][levels[i]] for i in range(m))
        cells = float((cell * w)[~small].sum())
        loss = (cells + suppressed * m) / (total * m)
        r = rank[levels]  # ties go to the node first in order of the bound, whatever the visiting order
        if best is None or loss < best[0] or (loss == best[0] and r < best_rank):
            best = (loss, np.array(levels, dtype=np.int64), small, cells)
            best_rank = r
        return False

    if limit >= total:  # nothing can fail the limit (local recoding): in order of the bound, stop at the optimum
        for pos in order.tolist():
            if best is not None and bound[pos] >= best[0]:
                break
            if keys[pos] not in seen and not failing(nodes[pos]) and evaluate(keys[pos]):
                fail_arr = np.vstack([fail_arr, nodes[pos][None, :]])
        return best, len(seen)
    # 1. in order of the bound until a node passes: an upper bound on the optimum
    ranked = order.tolist()
    rest = 0
    while rest < len(ranked) and best is None:
        pos = ranked[rest]
        rest += 1
        if not failing(nodes[pos]) and evaluate(keys[pos]):
            fail_arr = np.vstack([fail_arr, nodes[pos][None, :]])
    # 2. the nodes whose bound is below it, most general first: a node that fails rules out all its
    # specialisations (classes only split), and most candidates fail, so few are ever evaluated
    cand = order[rest:]
    cand = cand[bound[cand] < (best[0] if best is not None else np.inf)]
    for pos in cand[::-1].tolist():
        if best is not None and bound[pos] >= best[0]:
            continue
        levels = keys[pos]
        if levels in seen or failing(nodes[pos]):
            continue
        if evaluate(levels):
            fail_arr = np.vstack([fail_arr, nodes[pos][None, :]])
    evaluated = len(seen)
    return best, evaluated
